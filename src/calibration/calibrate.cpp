#include "calibration/calibrate.h"

#include <fmt/format.h>

#include <algorithm>

#include "calibration/array_check.h"
#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "calibration/spice_experiments.h"
#include "calibration/vteam_fit.h"
#include "core/errors.h"
#include "core/progress.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"
#include "devices/vteam.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

void put_metal_oxide_params(devices::DeviceCard& c, const devices::MetalOxideParams& p) {
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

void put_provenance(devices::DeviceCard& c, const SpiceRun& r) {
  c.netlist_names.insert(c.netlist_names.end(), r.netlist_names.begin(), r.netlist_names.end());
  c.netlist_sha256.insert(c.netlist_sha256.end(), r.netlist_sha256.begin(), r.netlist_sha256.end());
  c.failed_points.insert(c.failed_points.end(), r.failed.begin(), r.failed.end());
  c.ngspice_version = ngspice_version();
  c.derived["spice_wall_s"] = r.wall_s;
}

size_t read_workers(core::Section& cal) {
  return static_cast<size_t>(cal.get_int("spice_workers", 2, core::Range::closed(0, 256)));
}

class MetalOxideCalibration final : public Calibration {
 public:
  MetalOxideCalibration(core::Section& cal, std::string source, uint64_t seed)
      : source_(std::move(source)), seed_(seed) {
    auto dev = cal.section("device");
    base_ = devices::MetalOxideParams::from_config(dev);
    if (source_ == "csv") {
      iv_csv_ = cal.get_path("iv_csv", "", cal.has("iv_csv"));
      pulse_csv_ = cal.get_path("pulse_csv", "", cal.has("pulse_csv"));
      if (iv_csv_.empty() && pulse_csv_.empty()) {
        cal.fail("source", "source = \"csv\" needs iv_csv and/or pulse_csv");
      }
    }
    if (source_ == "spice") {
      g0_s_ = cal.get_double_array("g0_s", {3.16e-6, 1e-5, 2e-5, 4e-5, 7e-5, 1e-4, 1.5e-4},
                                   core::Range::closed(3.16e-6, 316e-6));
      n_devices_ = static_cast<size_t>(cal.get_int("n_devices", 100, core::Range::closed(3, 100000)));
      v_step_v_ = cal.get_double("v_step_v", 0.05, core::Range::closed(1e-3, 0.2));
      workers_ = read_workers(cal);
      read_array_check(cal.section("array_check"));
    }
  }
  devices::DeviceCard run() override {
    devices::DeviceCard c;
    c.model = "metal_oxide";
    c.source = source_;
    devices::MetalOxideParams p = base_;
    if (source_ == "spice") {
      spice::WorkerPool pool(workers_);
      const auto pop =
          run_metal_oxide_iv(pool, g0_s_, n_devices_, base_.temperature_k, base_.v_read_max_v, v_step_v_, seed_);
      const auto f = fit_metal_oxide_iv_population(pop.g0_s, pop.v_v, pop.i_a, n_devices_, base_);
      p.a1_law_si = f.a1_law_si;
      p.a3_law_si = f.a3_law_si;
      p.sigma_a1_law_si = f.sigma_a1_law_si;
      p.sigma_a3_law_si = f.sigma_a3_law_si;
      p.iv_d2d_scale_rel = 1.0;
      c.fits["iv_mean_a1_law"] = quality_of(f.a1_fit);
      c.fits["iv_mean_a3_law"] = quality_of(f.a3_fit);
      c.fits["iv_sigma_a1_law"] = quality_of(f.sigma_a1_fit);
      c.fits["iv_sigma_a3_law"] = quality_of(f.sigma_a3_fit);
      c.derived["iv_max_rel_error_of_laws"] = f.max_rel_mean_error;
      c.derived["n_devices_used"] = static_cast<double>(f.n_devices_used);
      c.strings["pulse_law_source"] =
          "reference: caixunshiren dynamic_params.txt (circuits/metal_oxide.sub models the read I-V only)";
      SpiceRun prov = pop.run;
      if (!array_.sizes.empty()) {
        const auto reads = run_metal_oxide_array_reads(pool, array_, seed_);
        merge_runs(prov, reads.run);
        put_array_check(c, compare_array_reads(devices::MetalOxide(p), reads, array_.sizes));
      }
      put_provenance(c, prov);
    }
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
  // [calibrate.array_check]: small crossbars of calibrated-range cells read in SPICE vs the card's prediction
  // (array_check.h). sizes = [] turns it off.
  void read_array_check(core::Section a) {
    using core::Range;
    array_.sizes = a.get_int_array("sizes", array_.sizes, Range::closed(1, 16));
    array_.n_patterns = static_cast<size_t>(a.get_int("n_patterns", 4, Range::closed(1, 1000)));
    array_.g0_min_s = a.get_double("g0_min_s", *std::min_element(g0_s_.begin(), g0_s_.end()),
                                   Range::closed(base_.g_min_s, base_.g_max_s));
    array_.g0_max_s = a.get_double("g0_max_s", *std::max_element(g0_s_.begin(), g0_s_.end()),
                                   Range::closed(array_.g0_min_s, base_.g_max_s));
    array_.v_min_v = a.get_double("v_min_v", 0.05, Range::closed(0, base_.v_read_max_v));
    array_.v_max_v = a.get_double("v_max_v", base_.v_read_max_v, Range::closed(array_.v_min_v, base_.v_read_max_v));
    array_.r_wire_row_ohm = a.get_double("r_wire_row_ohm", array_.r_wire_row_ohm, Range::closed(0, 1e4));
    array_.r_wire_col_ohm = a.get_double("r_wire_col_ohm", array_.r_wire_col_ohm, Range::closed(0, 1e4));
    array_.r_driver_ohm = a.get_double("r_driver_ohm", array_.r_driver_ohm, Range::closed(0, 1e4));
    array_.r_sense_ohm = a.get_double("r_sense_ohm", array_.r_sense_ohm, Range::closed(0, 1e4));
    array_.temp_k = base_.temperature_k;
  }
  void put_array_check(devices::DeviceCard& c, const ArrayCheckResult& r) const {
    auto& a = c.array_check;
    for (size_t s = 0; s < r.sizes.size(); ++s) {
      a["n_rows"].push_back(static_cast<double>(r.sizes[s]));
      a["n_cols"].push_back(static_cast<double>(r.sizes[s]));
      a["n_patterns_used"].push_back(static_cast<double>(r.n_cases_used[s]));
      a["max_rel_error"].push_back(r.max_rel_error[s]);
      a["mean_rel_error"].push_back(r.mean_rel_error[s]);
    }
    a["r_wire_row_ohm"] = {array_.r_wire_row_ohm};
    a["r_wire_col_ohm"] = {array_.r_wire_col_ohm};
    a["r_driver_ohm"] = {array_.r_driver_ohm};
    a["r_sense_ohm"] = {array_.r_sense_ohm};
    a["v_in_range_v"] = {array_.v_min_v, array_.v_max_v};
    a["g0_range_s"] = {array_.g0_min_s, array_.g0_max_s};
    c.derived["array_check_max_rel_error"] = r.max_rel_error_all;
  }

  std::string source_;
  devices::MetalOxideParams base_;
  ArrayCheckOptions array_;
  std::string iv_csv_, pulse_csv_;
  std::vector<double> g0_s_;
  size_t n_devices_ = 0, workers_ = 2;
  double v_step_v_ = 0.05;
  uint64_t seed_ = 0;
};

class GainCellCalibration final : public Calibration {
 public:
  GainCellCalibration(core::Section& cal, std::string source) : source_(std::move(source)) {
    if (source_ == "spice") {
      using core::Range;
      spice_.w_m = cal.get_double("w_m", spice_.w_m, Range::closed(0.1e-6, 10e-6));
      spice_.l_m = cal.get_double("l_m", spice_.l_m, Range::closed(0.05e-6, 1e-6));
      spice_.v_wwl_on_v = cal.get_double("v_wwl_on_v", spice_.v_wwl_on_v, Range::closed(0, 3));
      spice_.v_rbl_v = cal.get_double("v_rbl_v", spice_.v_rbl_v, Range::closed(0, 3));
      retention_write_v_ = cal.get_double_array("retention_write_v", {0.7, 0.9, 1.1}, Range::closed(0, 3));
      t_hold_s_ = cal.get_double("t_hold_s", 150e-6, Range::closed(1e-9, 1e-2));
      read_write_v_ =
          cal.get_double_array("read_write_v", {0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3}, Range::closed(0, 3));
      read_rwl_v_ = cal.get_double_array("read_rwl_v", {0.6, 0.7, 0.8, 0.9, 1.0}, Range::closed(0, 3));
      read_v_store_min_v_ = cal.get_double("read_v_store_min_v", 0.5, Range::closed(-1, 3));
      workers_ = read_workers(cal);
    }
    auto dev = cal.section("device");
    base_ = devices::GainCellParams::from_config(dev);
    degree_ = static_cast<int>(cal.get_int("read_degree", 3, core::Range::closed(1, 6)));
    offset_v_ = cal.get_double("read_offset_v", 0.45, core::Range::closed(-2, 2));
    if (source_ == "csv") {
      retention_csv_ = cal.get_path("retention_csv", "", cal.has("retention_csv"));
      read_csv_ = cal.get_path("read_csv", "", cal.has("read_csv"));
      if (retention_csv_.empty() && read_csv_.empty()) {
        cal.fail("source", "source = \"csv\" needs retention_csv and/or read_csv");
      }
    }
  }
  devices::DeviceCard run() override {
    devices::DeviceCard c;
    c.model = "gain_cell";
    c.source = source_;
    devices::GainCellParams p = base_;
    if (source_ == "spice") {
      spice::WorkerPool pool(workers_);
      spice_.c_sn_f = p.c_store_f;
      spice_.v_wbl_hold_v = p.v_hold_v;
      SpiceRun prov;
      const auto ret = run_gaincell_retention(pool, spice_, retention_write_v_, t_hold_s_, 40, prov);
      const auto rd = run_gaincell_read(pool, spice_, read_write_v_, read_rwl_v_, prov);
      put_provenance(c, prov);
      if (ret.t_s.empty()) {
        throw CalibrationError("gain_cell retention: the SPICE transient failed: " +
                               (prov.failed.empty() ? std::string("?") : prov.failed.front()));
      }
      const auto f = fit_retention(ret, p.v_hold_v);
      p.retention = "exponential";
      p.tau_ret_s = f.tau_median_s;
      // The SPICE cell has no device-to-device variation: the per-cell spread stays as configured, and the
      // spread of τ across stored levels (a model-mismatch figure, not a d2d spread) goes to derived/.
      c.derived["tau_ln_spread_across_levels"] = f.ln_tau_sigma;
      for (size_t k = 0; k < f.tau_cell_s.size(); ++k) {
        c.derived[fmt::format("tau_at_write_{}v_s", retention_write_v_[k])] = f.tau_cell_s[k];
      }
      c.fits["retention"] = f.quality;
      ReadData in;
      for (size_t k = 0; k < rd.i_read_a.size(); ++k) {
        if (rd.v_store_v[k] >= read_v_store_min_v_) {
          in.v_store_v.push_back(rd.v_store_v[k]);
          in.v_read_v.push_back(rd.v_read_v[k]);
          in.i_read_a.push_back(rd.i_read_a[k]);
        }
      }
      if (in.i_read_a.empty()) {
        throw CalibrationError(fmt::format("gain_cell read: no SPICE read point with V_SN >= read_v_store_min_v = {} V",
                                           read_v_store_min_v_));
      }
      const auto rf = fit_read_polynomial(in.v_store_v, in.v_read_v, in.i_read_a, degree_, offset_v_);
      p.read = rf.poly;
      c.fits["read"] = quality_of(rf.fit);
      c.strings["read.v_read_meaning"] = "read word-line (RWL) level of the 3T cell; RBL held at v_rbl_v";
      c.derived["read_v_rbl_v"] = spice_.v_rbl_v;
    }
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
  GainCellSpiceOptions spice_;
  std::vector<double> retention_write_v_, read_write_v_, read_rwl_v_;
  double t_hold_s_ = 150e-6, read_v_store_min_v_ = 0.5;
  size_t workers_ = 2;
};

void put_vteam_params(devices::DeviceCard& c, const devices::VteamParams& p) {
  c.params["r_on_ohm"] = p.r_on_ohm;
  c.params["r_off_ohm"] = p.r_off_ohm;
  c.params["v_on_v"] = p.v_on_v;
  c.params["v_off_v"] = p.v_off_v;
  c.params["k_on_per_s"] = p.k_on_per_s;
  c.params["k_off_per_s"] = p.k_off_per_s;
  c.params["alpha_on_ratio"] = p.alpha_on_ratio;
  c.params["alpha_off_ratio"] = p.alpha_off_ratio;
  c.params["k_d2d_sigma_rel"] = p.k_d2d_sigma_rel;
  c.params["v_th_d2d_sigma_rel"] = p.v_th_d2d_sigma_rel;
  c.params["r_d2d_sigma_rel"] = p.r_d2d_sigma_rel;
  c.params["k_c2c_sigma_rel"] = p.k_c2c_sigma_rel;
  c.strings["switching.type"] = p.switching.type;
}

// VTEAM from a SPICE Monte Carlo: the population is drawn from [calibrate.device] (its spreads), characterised
// with the read-only protocol of vteam_fit.h, fitted, and then verified out of sample: the calibrated model's
// conductance-update mean/std against a fresh SPICE population at `verify_pulses`.
class VteamCalibration final : public Calibration {
 public:
  VteamCalibration(core::Section& cal, std::string source, uint64_t seed) : source_(std::move(source)), seed_(seed) {
    using core::Range;
    auto dev = cal.section("device");
    base_ = devices::VteamParams::from_config(dev);
    if (source_ == "csv") {
      cal.fail("source", "model = \"vteam\" is calibrated from \"spice\" (or written as \"reference\"); no CSV format");
    }
    if (source_ == "spice") {
      n_devices_ = static_cast<size_t>(cal.get_int("n_devices", 400, Range::closed(3, 100000)));
      n_verify_ = static_cast<size_t>(cal.get_int("verify_n_devices", 2000, Range::closed(0, 100000)));
      proto_.v_read_v = cal.get_double("v_read_v", proto_.v_read_v, Range::closed(1e-3, 1));
      proto_.reset_v = cal.get_double_array("reset_v", proto_.reset_v, Range::closed(0, 10));
      proto_.set_v = cal.get_double_array("set_v", proto_.set_v, Range::closed(-10, 0));
      verify_ = cal.get_double_array("verify_pulses", {0.8, 20e-6, 1.0, 5e-6, -1.1, 5e-6});
      if (verify_.size() % 2 != 0) {
        cal.fail("verify_pulses", "must hold (amplitude_v, width_s) pairs");
      }
      workers_ = read_workers(cal);
    }
  }
  devices::DeviceCard run() override {
    devices::DeviceCard c;
    c.model = "vteam";
    c.source = source_;
    devices::VteamParams p = base_;
    c.validity["v_v"] = {-2.0, 2.0};
    if (source_ == "spice") {
      spice::WorkerPool pool(workers_);
      const auto pop = draw_vteam_population(base_, n_devices_, seed_);
      const auto wave = vteam_protocol_wave(proto_, base_);
      VteamSpiceOptions opt;
      opt.tmax_per_width = 0.2;
      const auto tr = run_vteam_bench(pool, pop, 1.0, wave.wave, wave.min_width_s, wave.t_read_s, opt, "vteam_char");
      SpiceRun prov = tr.run;
      std::vector<VteamDeviceFit> fits;
      for (size_t k = 0; k < pop.size(); ++k) {
        if (!tr.current_a[k]) {
          continue;
        }
        try {
          fits.push_back(fit_vteam_device(wave, *tr.current_a[k], base_, fmt::format("device {}", k)));
        } catch (const CalibrationError& e) {
          prov.failed.push_back(fmt::format("vteam_char device {}: {}", k, e.what()));
        }
      }
      const auto f = fit_vteam_population(fits, base_);
      p = f.params;
      c.std_err = f.std_err;
      c.fits["vteam_population"] = f.quality;
      c.derived["n_devices_used"] = static_cast<double>(f.n_devices);
      const auto verify_pop = draw_vteam_population(base_, n_verify_, seed_ + 1);
      for (size_t j = 0; n_verify_ > 1 && j < verify_.size(); j += 2) {
        const auto s = run_vteam_update(pool, verify_pop, 0.5, proto_, verify_[j], verify_[j + 1], opt, prov);
        const auto m = sample_vteam_update(p, 20000, seed_, 0.5, proto_, verify_[j], verify_[j + 1]);
        const std::string key = fmt::format("update_{}v_{}s", verify_[j], verify_[j + 1]);
        c.derived[key + "_spice_mean_s"] = s.mean_s;
        c.derived[key + "_spice_std_s"] = s.std_s;
        c.derived[key + "_model_mean_s"] = m.mean_s;
        c.derived[key + "_model_std_s"] = m.std_s;
      }
      put_provenance(c, prov);
    }
    put_vteam_params(c, p);
    return c;
  }

 private:
  std::string source_;
  uint64_t seed_;
  devices::VteamParams base_;
  VteamProtocol proto_;
  size_t n_devices_ = 400, n_verify_ = 2000, workers_ = 2;
  std::vector<double> verify_;
};

}  // namespace

std::unique_ptr<Calibration> build_calibration(core::Section& cal, uint64_t seed, const std::string& config_text) {
  const std::string model = cal.require_string("model", {"metal_oxide", "gain_cell", "vteam"});
  const std::string source = cal.get_string("source", "csv", {"csv", "reference", "spice"});
  std::unique_ptr<Calibration> inner;
  if (model == "metal_oxide") {
    inner = std::make_unique<MetalOxideCalibration>(cal, source, seed);
  } else if (model == "vteam") {
    inner = std::make_unique<VteamCalibration>(cal, source, seed);
  } else {
    inner = std::make_unique<GainCellCalibration>(cal, source);
  }
  // Stamp provenance on the card the model-specific run produces.
  class Stamped final : public Calibration {
   public:
    Stamped(std::unique_ptr<Calibration> c, uint64_t s, std::string t)
        : c_(std::move(c)), seed_(s), text_(std::move(t)) {}
    devices::DeviceCard run() override {
      devices::DeviceCard card = c_->run();
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
