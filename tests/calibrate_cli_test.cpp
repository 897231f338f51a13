// End-to-end tests of `pimtx calibrate` on the SPICE path: the built binary (env PIMTX_BIN) on tiny configs,
// the card read back with devices::load_device_card and checked against the known truth; bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/config.h"
#include "core/rng.h"
#include "devices/card.h"
#include "devices/metal_oxide.h"
#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;
using namespace pimtx;

namespace {

using Run = pimtx::test::CliRun;
using pimtx::test::run_pimtx;
fs::path scratch(const std::string& name) { return pimtx::test::scratch_dir("calibrate_cli_" + name); }
void put(const fs::path& p, const std::string& text) { pimtx::test::write_file(p, text); }

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) {
    s += x;
  }
  return s / static_cast<double>(v.size());
}
double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) {
    s += (x - m) * (x - m);
  }
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

TEST_CASE("pimtx calibrate metal_oxide from SPICE: card with the true laws, array check and provenance",
          "[spice][cli]") {
  const auto d = scratch("mo");
  const auto cfg = d / "mo.toml";
  const auto card_path = d / "mo.h5";
  constexpr uint64_t k_seed = 5;
  constexpr size_t k_devices = 1000;
  put(cfg, R"(seed = 5
[calibrate]
model = "metal_oxide"
source = "spice"
g0_s = [5e-6, 2e-5, 6e-5, 1.2e-4]
n_devices = 1000
spice_workers = 2
[calibrate.array_check]
sizes = [4]
n_patterns = 2
r_wire_row_ohm = 10
r_driver_ohm = 100
[calibrate.device]
temperature_k = 333.15
)");
  const Run r = run_pimtx("calibrate --quiet " + cfg.string() + " -o " + card_path.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::cout << "pimtx calibrate metal_oxide (4 G0 x 1000 devices, one 4x4 array x 2 patterns): " << r.wall_s << " s\n";
  const auto card = devices::load_device_card(card_path);
  CHECK(card.model == "metal_oxide");
  CHECK(card.source == "spice");
  CHECK(card.failed_points.empty());

  // Truth: circuits/metal_oxide.sub implements the source laws (the default MetalOxideParams) with the d2d
  // draws xi_k = Rng(seed, "calibrate.spice.d2d", k) (spice_experiments.h). Per device the SPICE I-V is exactly
  // A1*V + A3*V^3, so the population's sample mean/std of A1 and A3 at each G0 are known in closed form from the
  // xi sample: mean = law + mean(xi)*sigma-law, std = |sigma-law|*std(xi). The card's A3 and both sigma laws
  // have the form of these sample figures, so they fit them exactly (measured: 5e-15); 1e-6 leaves room for
  // rounding and ngspice's DC solution, while a lost T term or a population/sample mix-up is off by > 1e-3. The mean-A1
  // law is linear in G0 and cannot carry the mean(xi)*p3*G0^2 term of the sample mean; its least-squares error is
  // bounded by twice that term's largest value on the grid (plus 0.5 % for rounding and the fit's conditioning).
  std::vector<double> xi;
  for (size_t k = 0; k < k_devices; ++k) {
    core::Rng rng(k_seed, "calibrate.spice.d2d", k);
    xi.push_back(rng.normal());
  }
  const double xm = mean_of(xi), xs = sd_of(xi);
  const devices::MetalOxideParams truth_p;
  const devices::MetalOxide truth{truth_p};
  const std::vector<double> grid{5e-6, 2e-5, 6e-5, 1.2e-4};
  const double a1_form_a = 2 * std::fabs(xm * truth_p.sigma_a1_law_si[3]) * grid.back() * grid.back();
  auto tcfg = core::Config::from_string(card.to_toml());
  auto sec = tcfg.root();
  const devices::MetalOxide fitted(devices::MetalOxideParams::from_config(sec));
  double worst = 0, worst_a1 = 0;
  for (double g0 : grid) {
    const auto t = truth.iv_coefficients(g0);
    const auto f = fitted.iv_coefficients(g0);
    const double a1_sample = t[0] + xm * t[2];
    const double e_a1 = std::fabs(f[0] - a1_sample);
    const double e_a3 = std::fabs(f[1] / (t[1] + xm * t[3]) - 1);
    const double e_s1 = std::fabs(f[2] / (std::fabs(t[2]) * xs) - 1);
    const double e_s3 = std::fabs(std::fabs(f[3]) / (std::fabs(t[3]) * xs) - 1);
    worst = std::max({worst, e_a3, e_s1, e_s3});
    worst_a1 = std::max(worst_a1, e_a1 / std::fabs(a1_sample));
    CHECK(e_a1 <= a1_form_a + 5e-3 * std::fabs(a1_sample));
    CHECK(e_a3 <= 1e-6);
    CHECK(e_s1 <= 1e-6);
    CHECK(e_s3 <= 1e-6);
  }
  std::cout << "  card vs sample truth: worst rel error of A3, sigma_A1, sigma_A3 laws " << worst << ", of the A1 law "
            << worst_a1 << " (mean xi = " << xm << ")\n";

  // Small-array read check recorded: one 4x4 size, both patterns used, error of the card vs SPICE small. A
  // column current is a positive sum of cell currents, so its error is at most its cells'. A cell with draw xi
  // is off by about (A1-law term above + mean(xi)*sigma_A1 + xi*(std(xi) - 1)*sigma_A1) / A1: the card's laws are
  // the sample's, not the population's (std(xi) of 1000 draws: +-2.2 %); with |xi| <= 3 and sigma_A1/A1 <~ 0.15
  // (source laws, 3-150 uS) that is <= ~1.5 %; 3 % bounds it. (The solver itself is checked against ngspice to 1e-14 in
  // array_check_test.cpp; here the point is the pipeline: SPICE arrays run, compared, recorded.)
  REQUIRE(card.array_check.count("max_rel_error") == 1);
  CHECK(card.array_check.at("n_rows") == std::vector<double>{4});
  CHECK(card.array_check.at("n_patterns_used") == std::vector<double>{2});
  CHECK(card.array_check.at("r_driver_ohm") == std::vector<double>{100});
  const double arr_max = card.array_check.at("max_rel_error").at(0);
  const double arr_mean = card.array_check.at("mean_rel_error").at(0);
  std::cout << "  array check 4x4: max rel column-current error " << arr_max << ", mean " << arr_mean << "\n";
  CHECK(arr_max < 0.03);
  CHECK(arr_mean <= arr_max);
  CHECK(card.derived.at("array_check_max_rel_error") == arr_max);

  // Provenance: every netlist hashed (4 I–V sweeps + 2 array reads), ngspice version, seed, config; /meta.
  CHECK(card.netlist_names.size() == 6);
  CHECK(card.netlist_sha256.size() == 6);
  bool array_netlist = false;
  for (const auto& n : card.netlist_names) {
    array_netlist = array_netlist || n.find("array read 4x4") != std::string::npos;
  }
  CHECK(array_netlist);
  for (const auto& h : card.netlist_sha256) {
    CHECK(h.size() == 64);
  }
  CHECK(card.ngspice_version.rfind("ngspice-", 0) == 0);
  CHECK(card.seed == 5);
  CHECK(card.config_text.find("array_check") != std::string::npos);
  io::ResultReader meta(card_path);
  CHECK(meta.exists("/meta"));
  CHECK(meta.attr_string("/meta", "tool") == "pimtx");
  CHECK_FALSE(meta.attr_string("/meta", "git_commit").empty());
  CHECK(meta.attr_string("/meta", "config").find("metal_oxide") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("pimtx calibrate vteam from SPICE recovers a spread-free device", "[spice][cli]") {
  const auto d = scratch("vteam");
  const auto cfg = d / "vteam.toml";
  const auto card_path = d / "vteam.h5";
  // No d2d spreads: every SPICE device is the truth, so the read-only protocol's extraction is tested alone
  // (exact up to the 1 ns edges: < 1e-4, vteam_fit.h), without Monte-Carlo scatter. No update verification.
  put(cfg, R"(seed = 9
[calibrate]
model = "vteam"
source = "spice"
n_devices = 4
verify_n_devices = 0
[calibrate.device]
r_on_ohm = 2e3
r_off_ohm = 8e4
v_off_v = 0.5
v_on_v = -0.7
k_off_per_s = 3e5
k_on_per_s = -1e5
k_d2d_sigma_rel = 0
v_th_d2d_sigma_rel = 0
r_d2d_sigma_rel = 0
)");
  const Run r = run_pimtx("calibrate --quiet " + cfg.string() + " -o " + card_path.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::cout << "pimtx calibrate vteam (4 devices): " << r.wall_s << " s\n";
  const auto card = devices::load_device_card(card_path);
  CHECK(card.model == "vteam");
  CHECK(card.failed_points.empty());
  // 1 %: the extraction is exact up to edge effects (< 1e-4) and ngspice's step control (~1e-5 on x).
  CHECK(card.params.at("r_on_ohm") == Approx(2e3).epsilon(0.01));
  CHECK(card.params.at("r_off_ohm") == Approx(8e4).epsilon(0.01));
  CHECK(card.params.at("v_off_v") == Approx(0.5).epsilon(0.01));
  CHECK(card.params.at("v_on_v") == Approx(-0.7).epsilon(0.01));
  CHECK(card.params.at("k_off_per_s") == Approx(3e5).epsilon(0.01));
  CHECK(card.params.at("k_on_per_s") == Approx(-1e5).epsilon(0.01));
  // Spreads of identical devices: zero up to the same extraction error.
  CHECK(card.params.at("r_d2d_sigma_rel") < 0.01);
  CHECK(card.params.at("k_d2d_sigma_rel") < 0.01);
  CHECK(card.params.at("v_th_d2d_sigma_rel") < 0.01);
  CHECK(card.netlist_sha256.size() == 1);
  fs::remove_all(d);
}

TEST_CASE("pimtx calibrate rejects bad input with exit 2, naming key or file and column, writing nothing",
          "[spice][cli]") {
  const auto d = scratch("bad");
  const auto out = d / "card.h5";
  // Unknown key (a typo of n_devices), caught before any SPICE work.
  put(d / "typo.toml", "[calibrate]\nmodel = \"metal_oxide\"\nsource = \"spice\"\nn_device = 10\n");
  const Run typo = run_pimtx("calibrate " + (d / "typo.toml").string() + " -o " + out.string());
  CHECK(typo.code == 2);
  CHECK_THAT(typo.output, Catch::Contains("n_device"));
  CHECK_FALSE(fs::exists(out));
  // Unknown key inside the array-check table.
  put(d / "typo2.toml",
      "[calibrate]\nmodel = \"metal_oxide\"\nsource = \"spice\"\n[calibrate.array_check]\nsize = [4]\n");
  const Run typo2 = run_pimtx("calibrate " + (d / "typo2.toml").string() + " -o " + out.string());
  CHECK(typo2.code == 2);
  CHECK_THAT(typo2.output, Catch::Contains("array_check.size"));
  CHECK_FALSE(fs::exists(out));
  // CSV with a missing column (no i_a).
  put(d / "iv.csv", "g0_s,v_v\n1e-4,0.1\n1e-4,0.2\n");
  put(d / "csv.toml", "[calibrate]\nmodel = \"metal_oxide\"\nsource = \"csv\"\niv_csv = \"iv.csv\"\n");
  const Run csv = run_pimtx("calibrate " + (d / "csv.toml").string() + " -o " + out.string());
  CHECK(csv.code == 2);
  CHECK_THAT(csv.output, Catch::Contains("iv.csv"));
  CHECK_THAT(csv.output, Catch::Contains("i_a"));
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(d);
}

// The committed gain-cell card's per-access energies (used by the cost model, src/cost gain_cell_access) are not
// hand-entered: re-running the card's own calibration command integrates −∫V·I dt of the word- and bit-line
// sources over the same ngspice transients and must give the card's numbers. Tolerance 1e-9 relative: the same
// deterministic transients in the same ngspice build; only the last digits of the trapezoid sums may differ.
TEST_CASE("gain-cell card energies equal the ngspice transients' integrated source energy", "[spice][cli]") {
  const auto d = scratch("gc_energy");
  const auto out = d / "gc.h5";
  const Run r = run_pimtx("calibrate --quiet experiments/calibration/si_3t_gaincell.toml -o " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto fresh = devices::load_device_card(out);
  const auto committed = devices::load_device_card("data/devices/si_3t_gaincell.h5");
  for (const char* key : {"energy.e_write_j", "energy.e_read_j", "energy.t_read_s"}) {
    INFO(key);
    REQUIRE(fresh.params.count(key) == 1);
    REQUIRE(committed.params.count(key) == 1);
    const double a = fresh.params.at(key), b = committed.params.at(key);
    CHECK(b > 0);
    CHECK(std::abs(a - b) <= 1e-9 * std::abs(b));
  }
  // Orders of magnitude a 1 fF storage node and a ~26 uA, 20 ns read imply (C·V² ~ 1 fJ; I·V·t ~ 0.2 pJ).
  CHECK(committed.params.at("energy.e_write_j") > 1e-16);
  CHECK(committed.params.at("energy.e_write_j") < 1e-14);
  CHECK(committed.params.at("energy.e_read_j") > 1e-14);
  CHECK(committed.params.at("energy.e_read_j") < 1e-12);
}
