#include "calibration/calibrate.h"

#include <fmt/format.h>

#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "core/errors.h"
#include "core/progress.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"

namespace pimtx::calibration {

namespace {

void put_metal_oxide_params(DeviceCard& c, const devices::MetalOxideParams& p) {
  c.params["temperature_k"] = p.temperature_k;
  c.params["g_min_s"] = p.g_min_s;
  c.params["g_max_s"] = p.g_max_s;
  c.params["v_read_max_v"] = p.v_read_max_v;
  c.params["iv_d2d_scale_rel"] = p.iv_d2d_scale_rel;
  c.params["update_d2d_scale_rel"] = p.update_d2d_scale_rel;
  c.params["update_c2c_sigma_rel"] = p.update_c2c_sigma_rel;
  c.arrays["a1_law_si"] = {p.a1_law_si.begin(), p.a1_law_si.end()};
  c.arrays["a3_law_si"] = {p.a3_law_si.begin(), p.a3_law_si.end()};
  c.arrays["sigma_a1_law_si"] = {p.sigma_a1_law_si.begin(), p.sigma_a1_law_si.end()};
  c.arrays["sigma_a3_law_si"] = {p.sigma_a3_law_si.begin(), p.sigma_a3_law_si.end()};
  c.strings["switching.type"] = p.switching.type;
  c.validity["v_read_v"] = {-p.v_read_max_v, p.v_read_max_v};
  c.validity["g0_s"] = {p.g_min_s, p.g_max_s};
  c.validity["v_set_v"] = {0.8, 1.15};
  c.validity["v_reset_v"] = {-1.5, -0.8};
}

class MetalOxideCalibration final : public Calibration {
 public:
  MetalOxideCalibration(core::Section& cal, std::string source) : source_(std::move(source)) {
    auto dev = cal.section("device");
    base_ = devices::MetalOxideParams::from_config(dev);
    if (source_ == "csv") {
      iv_csv_ = cal.get_path("iv_csv", "", true);
      pulse_csv_ = cal.get_path("pulse_csv", "", true);
      if (iv_csv_.empty() && pulse_csv_.empty()) {
        cal.fail("source", "source = \"csv\" needs iv_csv and/or pulse_csv");
      }
    }
  }
  DeviceCard run() override {
    DeviceCard c;
    c.model = "metal_oxide";
    c.source = source_;
    devices::MetalOxideParams p = base_;
    core::Progress prog("calibrate metal_oxide", 2, "fit");
    if (!iv_csv_.empty()) {
      const auto d = read_iv_csv(iv_csv_);
      const auto f = fit_metal_oxide_iv(d, base_);
      p.a1_law_si = f.a1_law_si;
      p.a3_law_si = f.a3_law_si;
      c.fits["iv_a1_law"] = quality_of(f.a1_fit);
      c.fits["iv_a3_law"] = quality_of(f.a3_fit);
      c.std_err["a1_law_si.a0"] = f.a1_fit.std_err[0];
      c.data_files.push_back(iv_csv_);
    }
    prog.advance();
    if (!pulse_csv_.empty()) {
      const auto d = read_pulse_csv(pulse_csv_);
      const auto f = fit_metal_oxide_pulses(d, base_);
      for (auto& b : p.bands) {
        b.c_set[0] *= f.set_scale_rel;
        b.c_reset[0] *= f.reset_scale_rel;
      }
      p.update_c2c_sigma_rel = f.c2c_sigma_rel;
      c.derived["set_scale_rel"] = f.set_scale_rel;
      c.std_err["set_scale_rel"] = f.set_scale_std_err;
      c.derived["reset_scale_rel"] = f.reset_scale_rel;
      c.std_err["reset_scale_rel"] = f.reset_scale_std_err;
      c.fits["pulse_set"] = quality_of(f.set_fit);
      c.fits["pulse_reset"] = quality_of(f.reset_fit);
      c.data_files.push_back(pulse_csv_);
    }
    prog.advance();
    put_metal_oxide_params(c, p);
    std::vector<double> bands;  // (n_bands, 22): g_lo, g_hi, c_set, d_set, c_reset, d_reset
    for (const auto& b : p.bands) {
      bands.push_back(b.g_lo_s);
      bands.push_back(b.g_hi_s);
      for (const auto* a : {&b.c_set, &b.d_set, &b.c_reset, &b.d_reset}) {
        bands.insert(bands.end(), a->begin(), a->end());
      }
    }
    c.arrays["pulse_bands_si"] = bands;
    return c;
  }

 private:
  std::string source_;
  devices::MetalOxideParams base_;
  std::string iv_csv_, pulse_csv_;
};

class GainCellCalibration final : public Calibration {
 public:
  GainCellCalibration(core::Section& cal, std::string source) : source_(std::move(source)) {
    auto dev = cal.section("device");
    base_ = devices::GainCellParams::from_config(dev);
    degree_ = static_cast<int>(cal.get_int("read_degree", 3, core::Range::closed(1, 6)));
    offset_v_ = cal.get_double("read_offset_v", 0.45, core::Range::closed(-2, 2));
    if (source_ == "csv") {
      retention_csv_ = cal.get_path("retention_csv", "", true);
      read_csv_ = cal.get_path("read_csv", "", true);
      if (retention_csv_.empty() && read_csv_.empty()) {
        cal.fail("source", "source = \"csv\" needs retention_csv and/or read_csv");
      }
    }
  }
  DeviceCard run() override {
    DeviceCard c;
    c.model = "gain_cell";
    c.source = source_;
    devices::GainCellParams p = base_;
    core::Progress prog("calibrate gain_cell", 2, "fit");
    if (!retention_csv_.empty()) {
      const auto f = fit_retention(read_retention_csv(retention_csv_), p.v_hold_v);
      p.retention = "exponential";
      p.tau_ret_s = f.tau_median_s;
      p.tau_ret_d2d_sigma_rel = f.ln_tau_sigma;
      c.fits["retention"] = f.quality;
      c.data_files.push_back(retention_csv_);
    }
    prog.advance();
    if (!read_csv_.empty()) {
      const auto d = read_gain_read_csv(read_csv_);
      const auto f = fit_read_polynomial(d.v_store_v, d.v_read_v, d.i_read_a, degree_, offset_v_);
      p.read = f.poly;
      c.fits["read"] = quality_of(f.fit);
      c.data_files.push_back(read_csv_);
    }
    prog.advance();
    c.params["c_store_f"] = p.c_store_f;
    c.params["temperature_k"] = p.temperature_k;
    c.params["v_hold_v"] = p.v_hold_v;
    c.strings["retention.type"] = p.retention;
    c.params["retention.tau_ret_s"] = p.tau_ret_s;
    c.params["retention.tau_ret_d2d_sigma_rel"] = p.tau_ret_d2d_sigma_rel;
    c.params["read.n_degree"] = p.read.n_degree;
    c.params["read.v_store_offset_v"] = p.read.v_store_offset_v;
    c.params["read.v_store_min_v"] = p.read.v_store_min_v;
    c.params["read.v_store_max_v"] = p.read.v_store_max_v;
    c.params["read.v_read_min_v"] = p.read.v_read_min_v;
    c.params["read.v_read_max_v"] = p.read.v_read_max_v;
    c.arrays["read.coef_si"] = p.read.coef_si;
    c.validity["v_store_v"] = {p.read.v_store_min_v, p.read.v_store_max_v};
    c.validity["v_read_v"] = {p.read.v_read_min_v, p.read.v_read_max_v};
    return c;
  }

 private:
  std::string source_;
  devices::GainCellParams base_;
  int degree_ = 3;
  double offset_v_ = 0.45;
  std::string retention_csv_, read_csv_;
};

}  // namespace

std::unique_ptr<Calibration> build_calibration(core::Section& cal, uint64_t seed, const std::string& config_text) {
  const std::string model = cal.require_string("model", {"metal_oxide", "gain_cell"});
  const std::string source = cal.get_string("source", "csv", {"csv", "reference"});
  std::unique_ptr<Calibration> inner;
  if (model == "metal_oxide") {
    inner = std::make_unique<MetalOxideCalibration>(cal, source);
  } else {
    inner = std::make_unique<GainCellCalibration>(cal, source);
  }
  // Stamp provenance on the card the model-specific run produces.
  class Stamped final : public Calibration {
   public:
    Stamped(std::unique_ptr<Calibration> c, uint64_t s, std::string t) : c_(std::move(c)), seed_(s), text_(std::move(t)) {}
    DeviceCard run() override {
      DeviceCard card = c_->run();
      card.seed = static_cast<int64_t>(seed_);
      card.config_text = text_;
      return card;
    }

   private:
    std::unique_ptr<Calibration> c_;
    uint64_t seed_;
    std::string text_;
  };
  return std::make_unique<Stamped>(std::move(inner), seed, config_text);
}

}  // namespace pimtx::calibration
