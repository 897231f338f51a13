#include "calibration/gain_cell_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "calibration/fitters.h"
#include "calibration/measured_data.h"
#include "calibration/spice_experiments.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/rng.h"
#include "devices/gain_cell.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

class GainCellCalibration final : public Calibration {
 public:
  GainCellCalibration(core::Section& cal, std::string source, uint64_t seed) : source_(std::move(source)), seed_(seed) {
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
      // Device-to-device Monte Carlo (card version 2): V_T mismatch σ = a_vt_v_m / sqrt(W·L) (Pelgrom).
      a_vt_v_m_ = cal.get_double("a_vt_v_m", 3.5e-9, Range::closed(0, 1e-7));
      n_mc_cells_ = static_cast<size_t>(cal.get_int("n_mc_cells", 24, Range::closed(0, 512)));
      mc_read_write_v_ = cal.get_double_array("mc_read_write_v", {0.8, 1.0, 1.2}, Range::closed(0, 3));
      mc_rwl_v_ = cal.get_double("mc_rwl_v", 0.9, Range::closed(0, 3));
      mc_retention_write_v_ = cal.get_double("mc_retention_write_v", 0.9, Range::closed(0, 3));
      if (n_mc_cells_ > 0 && mc_read_write_v_.size() < 3) {
        cal.fail("mc_read_write_v", "the per-cell read fit (shift and gain) needs at least 3 levels");
      }
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
      GainCellEnergy energy;
      const auto rd =
          run_gaincell_read(pool, spice_, read_write_v_, read_rwl_v_, prov, &energy, read_v_store_min_v_, mc_rwl_v_);
      GainCellMc mc;
      const double sigma_vt_v = a_vt_v_m_ / std::sqrt(spice_.w_m * spice_.l_m);
      if (n_mc_cells_ > 0) {
        std::vector<double> dvt;
        for (size_t k = 0; k < n_mc_cells_; ++k) {
          core::Rng r(seed_, "calibrate.gain_cell.vt_mismatch", k);
          for (int q = 0; q < 3; ++q) {
            dvt.push_back(sigma_vt_v * r.normal());
          }
        }
        mc =
            run_gaincell_mc(pool, spice_, dvt, mc_retention_write_v_, t_hold_s_, 40, mc_read_write_v_, mc_rwl_v_, prov);
      }
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
      p.e_write_j = energy.e_write_j;
      p.e_read_j = energy.e_read_j;
      p.t_read_s = energy.t_read_s;
      c.derived["energy_v_rwl_v"] = energy.v_rwl_v;
      c.derived["energy_n_cells"] = static_cast<double>(energy.n_cells);
      if (n_mc_cells_ > 0) {
        fit_mc(c, p, mc, sigma_vt_v);
      }
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
  // Per-cell retention τ (lognormal spread) and per-cell read law I_k = (1 + g_k)·I(V − δ_k) from the Monte Carlo.
  // The read fit is linear least squares on the first-order expansion I_k,l − I_ref,l = g_k·I_ref,l − δ_k·I'(V_ref,l)
  // against the offset-free reference cell written with the same WBL level, so δ_k also carries the cell's
  // write-level offset (charge injection of its own write transistor).
  void fit_mc(devices::DeviceCard& c, devices::GainCellParams& p, const GainCellMc& mc, double sigma_vt_v) const {
    c.derived["a_vt_v_m"] = a_vt_v_m_;
    c.derived["sigma_vt_v"] = sigma_vt_v;
    c.derived["mc_n_cells"] = static_cast<double>(mc.n_cells);
    if (mc.retention.t_s.empty() || !mc.read_ok) {
      throw CalibrationError("gain_cell Monte Carlo: a SPICE transient failed (see the card's failed points)");
    }
    const auto fr = fit_retention(mc.retention, p.v_hold_v);
    p.tau_ret_d2d_sigma_rel = fr.ln_tau_sigma;
    c.derived["mc_tau_median_s"] = fr.tau_median_s;
    c.fits["retention_mc"] = fr.quality;
    const size_t nl = mc.n_levels;
    std::vector<double> shift, gain;
    double max_rel = 0, sw = 0, sw2 = 0;
    for (size_t k = 0; k < mc.n_cells; ++k) {
      std::vector<double> design, y;
      for (size_t l = 0; l < nl; ++l) {
        const double v = mc.ref_v_store_v[l];
        const double h = 1e-3;
        const double vr = mc_rwl_v_;
        const double lo = std::max(v - h, p.read.v_store_min_v), hi = std::min(v + h, p.read.v_store_max_v);
        const double slope = (p.read.eval(hi, vr) - p.read.eval(lo, vr)) / (hi - lo);
        design.insert(design.end(), {mc.ref_i_read_a[l], -slope});
        y.push_back(mc.i_read_a[k * nl + l] - mc.ref_i_read_a[l]);
        const double dw = mc.v_store_v[k * nl + l] - v;
        sw += dw;
        sw2 += dw * dw;
      }
      const auto f = fit_linear(design, 2, y, {}, fmt::format("Monte-Carlo read law of cell {}", k));
      gain.push_back(f.params[0]);
      shift.push_back(f.params[1]);
      for (size_t l = 0; l < nl; ++l) {
        const double pred = design[2 * l] * f.params[0] + design[2 * l + 1] * f.params[1];
        max_rel = std::max(max_rel, std::abs(pred - y[l]) / mc.i_read_a[k * nl + l]);
      }
    }
    auto sd = [](const std::vector<double>& x) {
      double m = 0, m2 = 0;
      for (double v : x) {
        m += v;
        m2 += v * v;
      }
      m /= static_cast<double>(x.size());
      return std::sqrt(std::max(0.0, m2 / static_cast<double>(x.size()) - m * m));
    };
    p.read.v_shift_d2d_sigma_v = sd(shift);
    p.read.gain_d2d_sigma_rel = sd(gain);
    const double n = static_cast<double>(mc.n_cells * nl);
    c.derived["mc_write_level_sigma_v"] = std::sqrt(std::max(0.0, sw2 / n - (sw / n) * (sw / n)));
    c.derived["mc_read_fit_max_rel_residual"] = max_rel;
    c.derived["mc_rwl_v"] = mc_rwl_v_;
  }

  std::string source_;
  devices::GainCellParams base_;
  double a_vt_v_m_ = 3.5e-9, mc_rwl_v_ = 0.9, mc_retention_write_v_ = 0.9;
  size_t n_mc_cells_ = 0;
  std::vector<double> mc_read_write_v_;
  uint64_t seed_ = 0;
  int degree_ = 3;
  double offset_v_ = 0.45;
  std::string retention_csv_, read_csv_;
  GainCellSpiceOptions spice_;
  std::vector<double> retention_write_v_, read_write_v_, read_rwl_v_;
  double t_hold_s_ = 150e-6, read_v_store_min_v_ = 0.5;
  size_t workers_ = 2;
};

}  // namespace

// The seed keys the V_T-mismatch draws of the Monte-Carlo cells (stream "calibrate.gain_cell.vt_mismatch").
std::unique_ptr<Calibration> make_gain_cell_calibration(core::Section& cal, const std::string& source, uint64_t seed) {
  return std::make_unique<GainCellCalibration>(cal, source, seed);
}

}  // namespace pimtx::calibration
