#include "calibration/gain_cell_calibration.h"

#include <fmt/format.h>

#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "calibration/spice_experiments.h"
#include "core/errors.h"
#include "core/progress.h"
#include "devices/gain_cell.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

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
      workers_ = read_spice_workers(cal);
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
    {
      // Model keys from GainCellParams::to_config() (the inverse of from_config()).
      core::Config table;
      core::Section root = table.root();
      p.to_config(root);
      c.set_model_params(root);
    }
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

}  // namespace

// The gain-cell experiments draw nothing at random (the SPICE cell has no d2d), so the seed is unused.
std::unique_ptr<Calibration> make_gain_cell_calibration(core::Section& cal, const std::string& source,
                                                        uint64_t /*seed*/) {
  return std::make_unique<GainCellCalibration>(cal, source);
}

}  // namespace pimtx::calibration
