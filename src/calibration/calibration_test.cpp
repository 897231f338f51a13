#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"
#include "devices/card.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"

using namespace pimtx;
using namespace pimtx::calibration;
namespace fs = std::filesystem;

namespace {
std::string write_tmp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("pimtx_cal_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no ConfigError>";
}
}  // namespace

TEST_CASE("measured CSV: rejections name file, line and column", "[calibration][csv]") {
  const auto missing = write_tmp("missing.csv", "# pulses\nv_pulse_v,g_before_s,g_after_s\n1.0,1e-5,1.1e-5\n");
  const auto m = error_of([&] { (void)read_pulse_csv(missing); });
  CHECK_THAT(m, Catch::Contains(missing + ":2:") && Catch::Contains("missing column 't_pulse_s'"));

  const auto nonnum = write_tmp("nonnum.csv",
                                "v_pulse_v,t_pulse_s,g_before_s,g_after_s\n1.0,5e-4,1e-5,1.1e-5\n"
                                "1.0,abc,1e-5,1.1e-5\n");
  const auto n = error_of([&] { (void)read_pulse_csv(nonnum); });
  CHECK_THAT(n, Catch::Contains(nonnum + ":3") && Catch::Contains("column 2") && Catch::Contains("abc"));

  const auto neg = write_tmp("neg.csv",
                             "v_pulse_v,t_pulse_s,g_before_s,g_after_s\n1.0,5e-4,1e-5,1.1e-5\n"
                             "\n1.0,-5e-4,1e-5,1.1e-5\n");
  const auto g = error_of([&] { (void)read_pulse_csv(neg); });
  CHECK_THAT(g, Catch::Contains(neg + ":4") && Catch::Contains("column 2 ('t_pulse_s')") &&
                    Catch::Contains("pulse width must be > 0"));
  for (const auto& p : {missing, nonnum, neg}) {
    fs::remove(p);
  }
}

TEST_CASE("metal_oxide I-V and pulse fits recover known parameters", "[calibration][metal_oxide]") {
  devices::MetalOxideParams truth;
  truth.a1_law_si = {-1.9e-6, 0.93, 1.166e-7};
  truth.a3_law_si = {1.4, 5000.0, 1.605e-3, -1.33};
  truth.iv_d2d_scale_rel = 0;
  truth.update_d2d_scale_rel = 0;
  truth.update_c2c_sigma_rel = 0.08;
  const devices::MetalOxide m(truth);
  IvData iv;
  for (double g0 : {5e-6, 20e-6, 60e-6, 150e-6, 300e-6}) {
    auto dev = m.make_instance(g0, nullptr);
    for (int k = -8; k <= 8; ++k) {
      iv.g0_s.push_back(g0);
      iv.v_v.push_back(0.05 * k);
      iv.i_a.push_back(m.current_a(dev, 0.05 * k));
    }
  }
  devices::MetalOxideParams base;  // source defaults as the starting point
  const auto f = fit_metal_oxide_iv(iv, base);
  // Noise-free data from the same law: only round-off remains.
  CHECK(f.a1_law_si[0] == Approx(truth.a1_law_si[0]).epsilon(1e-6));
  CHECK(f.a1_law_si[1] == Approx(truth.a1_law_si[1]).epsilon(1e-6));
  CHECK(f.a3_law_si[0] == Approx(truth.a3_law_si[0]).epsilon(1e-6));
  CHECK(f.a3_law_si[1] == Approx(truth.a3_law_si[1]).epsilon(1e-6));
  CHECK(f.max_rel_current_error < 1e-6);

  PulseData pd;
  core::Rng c2c(3, "test.c2c");
  for (int i = 0; i < 2000; ++i) {
    const double vp = i % 2 == 0 ? 0.9 + 0.05 * (i % 5) : -(1.1 + 0.05 * (i % 7));
    auto dev = m.make_instance(10e-6 + 1e-6 * (i % 50), nullptr);
    pd.v_pulse_v.push_back(vp);
    pd.t_pulse_s.push_back(5e-4);
    pd.g_before_s.push_back(dev.state);
    m.program_pulse(dev, vp, 5e-4, &c2c);
    pd.g_after_s.push_back(dev.state);
  }
  const auto pf = fit_metal_oxide_pulses(pd, base);
  // Same c-coefficients, so the scale is 1 up to the c2c noise averaged over 1000 pulses (0.08/sqrt(1000)
  // = 0.25 %): 2 % is the acceptance bound for means.
  CHECK(pf.set_scale_rel == Approx(1.0).epsilon(0.02));
  CHECK(pf.reset_scale_rel == Approx(1.0).epsilon(0.02));
  // Spread: sampling error of a std over 2000 draws is 1.6 %; acceptance bound 10 %.
  CHECK(pf.c2c_sigma_rel == Approx(0.08).epsilon(0.10));
}

TEST_CASE("retention fit recovers median tau and lognormal spread", "[calibration][gain_cell]") {
  devices::GainCellParams p;
  p.tau_ret_s = 2e-4;
  p.tau_ret_d2d_sigma_rel = 0.4;
  const devices::GainCell gc(p);
  RetentionData d;
  for (int c = 0; c < 400; ++c) {
    core::Rng r(9, "test.gc.d2d", static_cast<uint64_t>(c));
    auto cell = gc.make_instance(&r);
    gc.write(cell, 0.8, nullptr);
    double t = 0;
    for (int k = 0; k < 6; ++k) {
      d.cell.push_back(c);
      d.t_s.push_back(t);
      d.v_store_v.push_back(cell.v_store_v);
      gc.hold(cell, 5e-5);
      t += 5e-5;
    }
  }
  const auto f = fit_retention(d, p.v_hold_v);
  // 400 cells: standard error of mean ln tau = 0.4/20 = 2 %, of sigma 3.5 %; bounds 2 % (means, per the
  // acceptance criterion, checked against the drawn population) and 10 % (spreads).
  std::vector<double> ln_true;
  for (int c = 0; c < 400; ++c) {
    core::Rng r(9, "test.gc.d2d", static_cast<uint64_t>(c));
    ln_true.push_back(std::log(gc.tau_cell_s(gc.make_instance(&r))));
  }
  CHECK(f.tau_median_s == Approx(std::exp(mean(ln_true))).epsilon(0.02));
  CHECK(f.ln_tau_sigma == Approx(0.4).epsilon(0.10));
  CHECK(f.quality.r2 > 0.999999);
}

TEST_CASE("read polynomial fit and device card round trip", "[calibration][card]") {
  std::vector<double> vs, vr, i;
  for (int a = 0; a <= 9; ++a) {
    for (int b = 1; b <= 9; ++b) {
      const double x = 0.45 + 0.05 * a;
      const double y = 0.1 * b;
      vs.push_back(x);
      vr.push_back(y);
      i.push_back(1e-6 * (1 + 2 * y + 3 * (x - 0.45) + 0.5 * y * y * (x - 0.45) - 0.2 * y * y * y));
    }
  }
  const auto rf = fit_read_polynomial(vs, vr, i, 3, 0.45);
  CHECK(rf.fit.max_rel_residual < 1e-9);  // exact cubic data

  devices::DeviceCard c;
  c.model = "gain_cell";
  c.source = "test";
  c.params["c_store_f"] = 2e-15;
  c.params["retention.tau_ret_s"] = 3e-4;
  c.strings["retention.type"] = "exponential";
  c.params["read.n_degree"] = 3;
  c.params["read.v_store_min_v"] = rf.poly.v_store_min_v;
  c.params["read.v_store_max_v"] = rf.poly.v_store_max_v;
  c.params["read.v_read_min_v"] = rf.poly.v_read_min_v;
  c.params["read.v_read_max_v"] = rf.poly.v_read_max_v;
  c.arrays["read.coef_si"] = rf.poly.coef_si;
  c.validity["v_store_v"] = {0.45, 0.9};
  c.fits["read"] = quality_of(rf.fit);
  c.seed = 42;
  c.failed_points = {"point 3: Timestep too small"};
  const fs::path path = fs::temp_directory_path() / ("pimtx_card_" + std::to_string(::getpid()) + ".h5");
  {
    auto out = io::ResultFile::create(path);
    devices::write_device_card(out, c);
    out.commit();
  }
  const auto back = devices::load_device_card(path);
  CHECK(back.model == "gain_cell");
  CHECK(back.params.at("retention.tau_ret_s") == 3e-4);
  CHECK(back.arrays.at("read.coef_si") == rf.poly.coef_si);
  CHECK(back.failed_points == c.failed_points);
  CHECK(back.seed == 42);
  auto cfg = core::Config::from_string(back.to_toml());
  auto sec = cfg.root();
  (void)sec.get_string("type", "");
  const auto gp = devices::GainCellParams::from_config(sec);
  cfg.check_unknown();
  CHECK(gp.c_store_f == 2e-15);
  const devices::GainCell gc(gp);
  devices::GainCellInstance cell;
  cell.v_store_v = 0.6;
  CHECK(gc.read_current_a(cell, 0.5) ==
        Approx(1e-6 * (1 + 1.0 + 3 * 0.15 + 0.5 * 0.25 * 0.15 - 0.2 * 0.125)).epsilon(1e-9));
  fs::remove(path);
}

TEST_CASE("committed default cards load and build their models", "[calibration][card]") {
  // Paths are stable: the array (src/xbar) and LSH (src/arch) layers load the TiOx card by this path.
  {
    const auto card = pimtx::devices::load_device_card("data/devices/tiox_passive.h5");
    CHECK(card.model == "metal_oxide");
    CHECK(card.source == "spice");
    CHECK(card.failed_points.empty());
    CHECK(card.netlist_sha256.size() == card.netlist_names.size());
    auto cfg = pimtx::core::Config::from_string(card.to_toml());
    auto sec = cfg.root();
    const auto p = pimtx::devices::MetalOxideParams::from_config(sec);
    const pimtx::devices::MetalOxide m(p);
    // The calibrated mean law gives A1 close to G0 (the source law's defining property, within 3 % at 100 µS).
    CHECK(m.iv_coefficients(1e-4)[0] == Approx(1e-4).epsilon(0.03));
    // Small-array check of the card against SPICE (4x4 and 8x8): a column's error is bounded by its cells'
    // I-V errors, which iv_max_rel_error_of_laws bounds per law (0.7 %); 1 % keeps the card honest.
    REQUIRE(card.array_check.count("max_rel_error") == 1);
    CHECK(card.array_check.at("n_rows") == std::vector<double>{4, 8});
    for (double e : card.array_check.at("max_rel_error")) {
      CHECK(e < 0.01);
    }
  }
  {
    const auto card = pimtx::devices::load_device_card("data/devices/si_3t_gaincell.h5");
    CHECK(card.model == "gain_cell");
    auto cfg = pimtx::core::Config::from_string(card.to_toml());
    auto sec = cfg.root();
    const pimtx::devices::GainCell g(pimtx::devices::GainCellParams::from_config(sec));
    auto c = g.make_instance(nullptr);
    g.write(c, 0.8, nullptr);
    const double i = g.read_current_a(c, 0.9);
    // SPICE (devices.md 3.3 table, RWL 0.9 V): I_read(0.8 V) = 3.2e-5 A; the card is from our own transients.
    CHECK(i == Approx(3.2e-5).epsilon(0.1));
    g.hold(c, g.params().retention == "exponential" ? g.params().tau_ret_s : 0.0);
    CHECK(c.v_store_v == Approx(0.8 * std::exp(-1.0)).epsilon(1e-9));
  }
}

TEST_CASE("device card versions: version 1 loads with defaults, a newer version is rejected", "[calibration][card]") {
  using namespace pimtx::devices;
  namespace fs = std::filesystem;
  // The committed gain-cell card is version 2 and carries the Monte-Carlo spread and energies.
  const auto v2 = load_device_card("data/devices/si_3t_gaincell.h5");
  CHECK(v2.version == 2);
  CHECK(v2.params.at("read.v_shift_d2d_sigma_v") > 0);
  CHECK(v2.params.at("energy.e_read_j") > 0);
  for (int64_t version : {int64_t{1}, int64_t{3}}) {
    DeviceCard c = v2;
    c.version = version;
    if (version == 1) {  // a version-1 card: no spread or energy keys
      for (const char* k : {"read.v_shift_d2d_sigma_v", "read.gain_d2d_sigma_rel", "energy.e_write_j",
                            "energy.e_read_j", "energy.t_read_s"}) {
        c.params.erase(k);
      }
    }
    const fs::path path =
        fs::temp_directory_path() / fmt::format("pimtx_card_v{}_{}.h5", version, static_cast<long>(::getpid()));
    {
      auto out = pimtx::io::ResultFile::create(path);
      write_device_card(out, c);
      out.commit();
    }
    if (version == 1) {
      const auto back = load_device_card(path);
      CHECK(back.version == 1);
      auto cfg = pimtx::core::Config::from_string(back.to_toml());
      auto sec = cfg.root();
      const auto p = pimtx::devices::GainCellParams::from_config(sec);
      CHECK(p.read.v_shift_d2d_sigma_v == 0.0);  // defaults for the keys a version-1 card lacks
      CHECK(p.e_read_j == 0.0);
    } else {
      CHECK_THROWS_WITH(load_device_card(path),
                        Catch::Contains("device card version 3") && Catch::Contains("reads versions 1..2"));
    }
    fs::remove(path);
  }
}
