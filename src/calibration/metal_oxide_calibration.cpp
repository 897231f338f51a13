#include "calibration/metal_oxide_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "calibration/array_check.h"
#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "calibration/spice_experiments.h"
#include "core/errors.h"
#include "core/progress.h"
#include "devices/metal_oxide.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

// The card's model keys are written by MetalOxideParams::to_config() (the inverse of from_config()), so the card
// reloads to exactly these parameters (switching gate, pulse bands and all).
void put_metal_oxide_params(devices::DeviceCard& c, const devices::MetalOxideParams& p) {
  core::Config table;
  core::Section root = table.root();
  p.to_config(root);
  c.set_model_params(root);
  c.validity["v_read_v"] = {-p.v_read_max_v, p.v_read_max_v};
  c.validity["g0_s"] = {p.g_min_s, p.g_max_s};
  c.validity["v_set_v"] = {0.8, 1.15};
  c.validity["v_reset_v"] = {-1.5, -0.8};
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
      if (std::set<double>(g0_s_.begin(), g0_s_.end()).size() < 3) {
        cal.fail("g0_s", fmt::format("the I-V fit needs at least 3 distinct conductances, got {}", g0_s_.size()));
      }
      n_devices_ = static_cast<size_t>(cal.get_int("n_devices", 100, core::Range::closed(3, 100000)));
      v_step_v_ = cal.get_double("v_step_v", 0.05, core::Range::closed(1e-3, 0.2));
      workers_ = read_spice_workers(cal);
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
    array_.parasitics = circuits::Parasitics::from_config(a, array_.parasitics);
    array_.temperature_k = base_.temperature_k;
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
    a["r_wire_row_ohm"] = {array_.parasitics.r_wire_row_ohm};
    a["r_wire_col_ohm"] = {array_.parasitics.r_wire_col_ohm};
    a["r_driver_ohm"] = {array_.parasitics.r_driver_ohm};
    a["r_sense_ohm"] = {array_.parasitics.r_sense_ohm};
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

}  // namespace

std::unique_ptr<Calibration> make_metal_oxide_calibration(core::Section& cal, const std::string& source,
                                                          uint64_t seed) {
  return std::make_unique<MetalOxideCalibration>(cal, source, seed);
}

}  // namespace pimtx::calibration
