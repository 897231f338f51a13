// CAM card calibration; what is measured and the config keys: cam_calibration.h.
#include "calibration/cam_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "calibration/fit.h"
#include "calibration/fitters.h"
#include "calibration/spice_experiments.h"
#include "circuits/netlist.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"
#include "devices/cam_row.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

double poly(const std::vector<double>& c, double x) {
  double y = 0.0;
  for (size_t i = c.size(); i-- > 0;) {
    y = y * x + c[i];
  }
  return y;
}

// Least-squares polynomial of `degree` through (x, y).
FitResult fit_poly(const std::vector<double>& x, const std::vector<double>& y, int degree, const std::string& what) {
  const auto np = static_cast<size_t>(degree + 1);
  std::vector<double> a;
  for (double xi : x) {
    double p = 1.0;
    for (size_t j = 0; j < np; ++j) {
      a.push_back(p);
      p *= xi;
    }
  }
  return fit_linear(a, np, y, {}, what);
}

class CamCalibration final : public Calibration {
 public:
  CamCalibration(core::Section& cal, std::string source, uint64_t seed) : source_(std::move(source)), seed_(seed) {
    using core::Range;
    if (source_ != "spice") {
      cal.fail("source", fmt::format("= \"{}\": model = \"cam\" is calibrated from \"spice\" only", source_));
    }
    auto& r = row_;
    r.n_bits = static_cast<size_t>(cal.get_int("n_bits", 64, Range::closed(2, 1024)));
    const auto n = static_cast<int64_t>(r.n_bits);
    std::vector<int64_t> def_h;
    for (int64_t h = 0; h <= n; h += std::max<int64_t>(1, n / 16)) {
      def_h.push_back(h);
    }
    if (def_h.back() != n) {
      def_h.push_back(n);
    }
    const std::vector<int64_t> def_c = {0, n / 4, n / 2, 3 * n / 4, n};
    hamming_ = cal.get_int_array("hamming", def_h, Range::closed(0, static_cast<double>(n)));
    corner_h_ = cal.get_int_array("corner_hamming", def_c, Range::closed(0, static_cast<double>(n)));
    vdd_rel_ = cal.get_double_array("vdd_rel", {0.9, 1.0, 1.1}, Range::closed(0.5, 1.5));
    temp_c_ = cal.get_double_array("temp_c", {0.0, 27.0, 85.0}, Range::closed(-55, 150));
    n_mc_ = static_cast<size_t>(cal.get_int("n_mc", 20, Range::closed(0, 100000)));
    mc_h_ = cal.get_int_array("mc_hamming", def_c, Range::closed(0, static_cast<double>(n)));
    a_vt_v_m_ = cal.get_double("a_vt_v_m", a_vt_v_m_, Range::closed(0, 1e-7));
    c_sigma_rel_ = cal.get_double("c_mismatch_sigma_rel", c_sigma_rel_, Range::closed(0, 0.3));
    law_degree_ = static_cast<int>(cal.get_int("law_degree", 2, Range::closed(1, 6)));
    sigma_degree_ = static_cast<int>(cal.get_int("sigma_degree", 1, Range::closed(0, 4)));
    r.c_unit_f = cal.get_double("c_unit_f", r.c_unit_f, Range::closed(1e-17, 1e-12));
    r.c_ml_f = cal.get_double("c_ml_f", r.c_ml_f, Range::closed(0, 1e-11));
    r.vdd_v = cal.get_double("vdd_v", r.vdd_v, Range::closed(0.3, 3));
    r.v_boost_v = cal.get_double("v_boost_v", r.v_boost_v, Range::closed(0.3, 5));
    r.w_m = cal.get_double("w_m", r.w_m, Range::closed(0.05e-6, 10e-6));
    r.l_m = cal.get_double("l_m", r.l_m, Range::closed(0.03e-6, 1e-6));
    t_step_s_ = cal.get_double("t_step_s", t_step_s_, Range::closed(1e-13, 1e-9));
    t_max_step_s_ = cal.get_double("t_max_step_s", t_max_step_s_, Range::closed(1e-13, 1e-9));
    workers_ = static_cast<size_t>(cal.get_int("spice_workers", 2, Range::closed(0, 256)));
    if (static_cast<int64_t>(hamming_.size()) < law_degree_ + 2) {
      cal.fail("hamming", fmt::format("has {} points; the degree-{} law needs at least {} (one left for residuals)",
                                      hamming_.size(), law_degree_, law_degree_ + 2));
    }
    if (n_mc_ > 0 && n_mc_ < 3) {
      cal.fail("n_mc", fmt::format("= {}: a spread needs at least 3 Monte Carlo rows (or 0 = none)", n_mc_));
    }
    if (n_mc_ > 0 && static_cast<int64_t>(mc_h_.size()) < sigma_degree_ + 1) {
      cal.fail("mc_hamming", fmt::format("has {} points; the degree-{} spread law needs {}", mc_h_.size(),
                                         sigma_degree_, sigma_degree_ + 1));
    }
  }

  devices::DeviceCard run() override {
    devices::DeviceCard c;
    c.model = "cam";
    c.source = source_;
    spice::WorkerPool pool(workers_);
    SpiceRun prov;
    const double n = static_cast<double>(row_.n_bits);
    // 1. Nominal sweep and the law.
    std::vector<circuits::CamRowSpec> specs;
    for (size_t k = 0; k < hamming_.size(); ++k) {
      circuits::CamRowSpec s = row_;
      draw_cam_bits(s, static_cast<size_t>(hamming_[k]), seed_, k);
      specs.push_back(s);
    }
    const auto nom = run_cam_searches(pool, specs, t_step_s_, t_max_step_s_, prov, "cam nominal");
    std::vector<double> m, v, e;
    for (size_t k = 0; k < nom.size(); ++k) {
      if (nom[k]) {
        m.push_back(static_cast<double>(hamming_[k]) / n);
        v.push_back(nom[k]->v_ml_v);
        e.push_back(nom[k]->energy_j);
      }
    }
    if (static_cast<int>(m.size()) < law_degree_ + 2) {
      put_provenance(c, prov);
      throw CalibrationError(
          fmt::format("cam: only {} nominal SPICE points succeeded; need {} for the law", m.size(), law_degree_ + 2));
    }
    const FitResult law = fit_poly(m, v, law_degree_, "cam match-line law");
    const double v0 = poly(law.params, 0.0), v1 = poly(law.params, 1.0);
    const double fs = v1 - v0;
    if (!(fs > 0.0)) {
      throw CalibrationError(fmt::format("cam: the fitted law does not increase (V(0) = {} V, V(1) = {} V)", v0, v1));
    }
    c.fits["v_law"] = quality_of(law);
    c.derived["law_max_abs_residual_fs"] = law.max_abs_residual / fs;
    c.derived["full_scale_v"] = fs;
    // Settling: the last time after the share start at which V_ml is more than 0.5 % FS from its final value.
    double t_settle = 0.0;
    for (const auto& r : nom) {
      if (!r) {
        continue;
      }
      const double vf = r->v_ml_trace_v.back();
      for (size_t i = r->t_s.size(); i-- > 0;) {
        if (std::abs(r->v_ml_trace_v[i] - vf) > 0.005 * fs) {
          t_settle = std::max(t_settle, r->t_s[std::min(i + 1, r->t_s.size() - 1)] - r->t_s.front());
          break;
        }
      }
    }
    // 2. Corners.
    std::vector<circuits::CamRowSpec> cspecs;
    std::vector<double> c_vdd, c_temp, c_h;
    uint64_t point = hamming_.size();
    for (double vr : vdd_rel_) {
      for (double tc : temp_c_) {
        for (int64_t h : corner_h_) {
          circuits::CamRowSpec s = row_;
          s.vdd_v = row_.vdd_v * vr;
          s.temp_c = tc;
          draw_cam_bits(s, static_cast<size_t>(h), seed_, point++);
          cspecs.push_back(s);
          c_vdd.push_back(s.vdd_v);
          c_temp.push_back(tc);
          c_h.push_back(static_cast<double>(h));
        }
      }
    }
    const auto cor = run_cam_searches(pool, cspecs, t_step_s_, t_max_step_s_, prov, "cam corners");
    std::vector<double> dev;
    std::vector<double> corner_v;
    for (size_t k = 0; k < cor.size(); ++k) {
      corner_v.push_back(cor[k] ? cor[k]->v_ml_v : std::nan(""));
      if (cor[k]) {
        dev.push_back(std::abs(cor[k]->v_ml_v - poly(law.params, c_h[k] / n)) / fs);
      }
    }
    if (!dev.empty()) {
      c.derived["pvt_max_abs_dev_fs"] = *std::max_element(dev.begin(), dev.end());
      c.derived["pvt_mean_abs_dev_fs"] = mean(dev);
    }
    c.array_check["corner_vdd_v"] = c_vdd;
    c.array_check["corner_temp_c"] = c_temp;
    c.array_check["corner_hamming"] = c_h;
    c.array_check["corner_v_ml_v"] = corner_v;
    // 3. Mismatch Monte Carlo at the nominal corner.
    std::vector<double> sigma_m, sigma_v, mc_err;
    const double sigma_vt = a_vt_v_m_ / std::sqrt(row_.w_m * row_.l_m);
    const double sigma_vt_rst = a_vt_v_m_ / std::sqrt(2 * row_.w_m * row_.l_m);
    if (n_mc_ > 0) {
      std::vector<circuits::CamRowSpec> mspecs;
      for (size_t r = 0; r < n_mc_; ++r) {
        core::Rng d2d(seed_, "calibrate.spice.cam.d2d", r);
        std::vector<double> dvt, crel;
        for (size_t i = 0; i < 4 * row_.n_bits; ++i) {
          dvt.push_back(sigma_vt * d2d.normal());
        }
        dvt.push_back(sigma_vt_rst * d2d.normal());
        for (size_t i = 0; i < row_.n_bits; ++i) {
          crel.push_back(std::max(0.05, 1.0 + c_sigma_rel_ * d2d.normal()));
        }
        for (int64_t h : mc_h_) {
          circuits::CamRowSpec s = row_;
          s.delvto_v = dvt;
          s.c_unit_rel = crel;
          draw_cam_bits(s, static_cast<size_t>(h), seed_, point++);
          mspecs.push_back(s);
        }
      }
      const auto mc = run_cam_searches(pool, mspecs, t_step_s_, t_max_step_s_, prov, "cam Monte Carlo");
      std::vector<double> mc_v(mc.size(), std::nan(""));
      for (size_t j = 0; j < mc_h_.size(); ++j) {
        std::vector<double> vs;
        for (size_t r = 0; r < n_mc_; ++r) {
          const auto& x = mc[r * mc_h_.size() + j];
          if (x) {
            vs.push_back(x->v_ml_v);
            mc_v[r * mc_h_.size() + j] = x->v_ml_v;
            mc_err.push_back(std::abs(x->v_ml_v - poly(law.params, static_cast<double>(mc_h_[j]) / n)) / fs);
          }
        }
        if (vs.size() >= 3) {
          sigma_m.push_back(static_cast<double>(mc_h_[j]) / n);
          sigma_v.push_back(stddev(vs));
        }
      }
      c.array_check["mc_hamming"] = std::vector<double>(mc_h_.begin(), mc_h_.end());
      c.array_check["mc_v_ml_v"] = mc_v;  // (n_mc, n_mc_hamming)
    }
    std::vector<double> sigma_coef = {0.0};
    if (static_cast<int>(sigma_m.size()) >= sigma_degree_ + 1) {
      if (static_cast<int>(sigma_m.size()) > sigma_degree_ + 1) {
        const FitResult sf = fit_poly(sigma_m, sigma_v, sigma_degree_, "cam spread law");
        c.fits["sigma_law"] = quality_of(sf);
        sigma_coef = sf.params;
      } else {
        sigma_coef = fit_poly(sigma_m, sigma_v, sigma_degree_, "cam spread law").params;
      }
      // A fitted line may dip below 0 at an end; the spread is a magnitude.
      for (int i = 0; i <= 64; ++i) {
        if (poly(sigma_coef, i / 64.0) < 0.0) {
          sigma_coef = {mean(sigma_v)};
          c.strings["sigma_law_note"] = "the fitted spread law went negative; replaced by the mean spread";
          break;
        }
      }
      c.derived["mc_sigma_max_fs"] = *std::max_element(sigma_v.begin(), sigma_v.end()) / fs;
      c.derived["mc_sigma_mean_fs"] = mean(sigma_v) / fs;
      c.derived["mc_mean_abs_err_fs"] = mean(mc_err);
    }
    c.array_check["mc_sigma_hamming"] = sigma_m;
    c.array_check["mc_sigma_v"] = sigma_v;
    c.array_check["nominal_hamming"] = std::vector<double>(m.size());
    for (size_t k = 0; k < m.size(); ++k) {
      c.array_check["nominal_hamming"][k] = m[k] * n;
    }
    c.array_check["nominal_v_ml_v"] = v;
    c.array_check["nominal_energy_j"] = e;
    // Card parameters: the model keys written by CamRowParams::to_config() (the inverse of from_config()).
    devices::CamRowParams fitted;
    fitted.n_bits_row = static_cast<int>(n);
    fitted.vdd_v = row_.vdd_v;
    fitted.v_law_coef_v = law.params;
    fitted.sigma_law_coef_v = sigma_coef;
    fitted.e_search_row_j = mean(e);
    fitted.t_settle_s = t_settle;
    {
      core::Config table;
      core::Section root = table.root();
      fitted.to_config(root);
      c.set_model_params(root);
    }
    c.derived["e_search_row_min_j"] = *std::min_element(e.begin(), e.end());
    c.derived["e_search_row_max_j"] = *std::max_element(e.begin(), e.end());
    c.derived["mc_sigma_vt_v"] = sigma_vt;
    c.derived["a_vt_v_m"] = a_vt_v_m_;
    c.derived["c_mismatch_sigma_rel"] = c_sigma_rel_;
    c.derived["n_mc"] = static_cast<double>(n_mc_);
    c.derived["c_unit_f"] = row_.c_unit_f;
    c.derived["c_ml_f"] = row_.c_ml_f;
    c.derived["v_boost_v"] = row_.v_boost_v;
    c.validity["match_frac"] = {0.0, 1.0};
    c.validity["temp_c"] = {*std::min_element(temp_c_.begin(), temp_c_.end()),
                            *std::max_element(temp_c_.begin(), temp_c_.end())};
    c.strings["mismatch_inputs"] = fmt::format(
        "Pelgrom a_vt_v_m = {} V m (sigma_vt = {:.4g} V at W/L = {}/{} m) and capacitor sigma_rel = {} are assumed "
        "inputs of the Monte Carlo, not measured figures",
        a_vt_v_m_, sigma_vt, row_.w_m, row_.l_m, c_sigma_rel_);
    put_provenance(c, prov);
    return c;
  }

 private:
  static void put_provenance(devices::DeviceCard& c, const SpiceRun& r) {
    c.netlist_names = r.netlist_names;
    c.netlist_sha256 = r.netlist_sha256;
    c.failed_points = r.failed;
    c.ngspice_version = ngspice_version();
    c.derived["spice_wall_s"] = r.wall_s;
  }

  std::string source_;
  uint64_t seed_;
  circuits::CamRowSpec row_;
  std::vector<int64_t> hamming_, corner_h_, mc_h_;
  std::vector<double> vdd_rel_, temp_c_;
  size_t n_mc_ = 20, workers_ = 2;
  // Pelgrom coefficient 3.5 mV um: an assumed, typical figure for ~65-90 nm bulk NMOS (not measured here).
  double a_vt_v_m_ = 3.5e-9;
  double c_sigma_rel_ = 0.01;
  int law_degree_ = 2, sigma_degree_ = 1;
  double t_step_s_ = 10e-12, t_max_step_s_ = 20e-12;
};

}  // namespace

void draw_cam_bits(circuits::CamRowSpec& s, size_t h, uint64_t seed, uint64_t point) {
  core::Rng rng(seed, "calibrate.spice.cam.bits", point);
  s.stored.clear();
  s.query.clear();
  for (size_t i = 0; i < s.n_bits; ++i) {
    s.stored.push_back(static_cast<int>(rng.uniform_int(2)));
  }
  s.query = s.stored;
  // Flip n − h cells chosen by a partial Fisher–Yates shuffle.
  std::vector<size_t> idx(s.n_bits);
  for (size_t i = 0; i < idx.size(); ++i) {
    idx[i] = i;
  }
  for (size_t k = 0; k < s.n_bits - h; ++k) {
    const size_t j = k + static_cast<size_t>(rng.uniform_int(s.n_bits - k));
    std::swap(idx[k], idx[j]);
    s.query[idx[k]] = 1 - s.query[idx[k]];
  }
}

std::vector<std::optional<CamSearch>> run_cam_searches(spice::WorkerPool& pool,
                                                       const std::vector<circuits::CamRowSpec>& specs, double t_step_s,
                                                       double t_max_step_s, SpiceRun& prov, const std::string& label) {
  std::vector<SpicePoint> pts;
  for (const auto& s0 : specs) {
    circuits::CamRowSpec s = s0;
    s.analysis.clear();
    spice::Job job;
    job.netlist = circuits::split_lines(circuits::cam_row_netlist(s));
    job.commands = {fmt::format("tran {} {} 0 {}", circuits::num(t_step_s),
                                circuits::num(circuits::cam_total_duration_s(s)), circuits::num(t_max_step_s))};
    job.save = {"time", "v(ml)"};
    const auto sources = circuits::cam_sources(s);
    for (const auto& src : sources) {
      job.save.push_back(src + "#branch");
      job.save.push_back("v(" + src.substr(1) + ")");  // the source's + node (all sources go to ground)
    }
    job.timeout_s = 300;
    pts.push_back({fmt::format("{}: h = {} of {}, vdd {} V, {} C{}", label, circuits::cam_matches(s), s.n_bits, s.vdd_v,
                               s.temp_c, s.delvto_v.empty() ? "" : ", mismatch"),
                   std::move(job)});
  }
  SpiceRun run = run_points(pool, pts, label);
  std::vector<std::optional<CamSearch>> out(specs.size());
  for (size_t k = 0; k < specs.size(); ++k) {
    if (!run.results[k]) {
      continue;
    }
    const spice::Result& r = *run.results[k];
    const auto& t = r.at("time").real;
    CamSearch cs;
    // Energy: every source delivers −v·i (ngspice's branch current flows into the + terminal); trapezoid in time.
    const auto sources = circuits::cam_sources(specs[k]);
    for (const auto& src : sources) {
      // The source's own voltage is its + node (all sources are referenced to ground): node names from the netlist.
      const std::string node = src.substr(1);
      const auto& i = r.at(src + "#branch").real;
      const auto& vn = r.at("v(" + node + ")").real;
      for (size_t j = 1; j < t.size(); ++j) {
        cs.energy_j -= 0.5 * (vn[j] * i[j] + vn[j - 1] * i[j - 1]) * (t[j] - t[j - 1]);
      }
    }
    const auto [t0, t1] = circuits::cam_share_window(specs[k]);
    cs.v_ml_v = sample_at(r, "v(ml)", t1);
    const auto& ml = r.at("v(ml)").real;
    for (size_t j = 0; j < t.size(); ++j) {
      if (t[j] >= t0) {
        cs.t_s.push_back(t[j]);
        cs.v_ml_trace_v.push_back(ml[j]);
      }
    }
    out[k] = std::move(cs);
  }
  merge_runs(prov, run);
  return out;
}

std::unique_ptr<Calibration> build_cam_calibration(core::Section& cal, const std::string& source, uint64_t seed) {
  return std::make_unique<CamCalibration>(cal, source, seed);
}

}  // namespace pimtx::calibration
