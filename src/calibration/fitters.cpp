#include "calibration/fitters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/errors.h"

namespace pimtx::calibration {

devices::FitQuality quality_of(const FitResult& f) {
  return {f.r2, f.rms_residual, f.max_abs_residual, f.max_rel_residual, static_cast<int64_t>(f.n_points)};
}

IvFit fit_metal_oxide_iv(const IvData& d, const devices::MetalOxideParams& base) {
  std::map<double, std::vector<size_t>> by_g;
  for (size_t i = 0; i < d.g0_s.size(); ++i) {
    by_g[d.g0_s[i]].push_back(i);
  }
  if (by_g.size() < 3) {
    throw ConfigError(fmt::format("metal_oxide I-V fit: need sweeps at >= 3 conductances, got {}", by_g.size()));
  }
  std::vector<double> g, a1, a3;
  for (const auto& [g0, idx] : by_g) {
    std::vector<double> design, y;
    for (size_t i : idx) {
      const double v = d.v_v[i];
      design.push_back(v);
      design.push_back(v * v * v);
      y.push_back(d.i_a[i]);
    }
    const auto f = fit_linear(design, 2, y, {}, fmt::format("metal_oxide I-V at G0 = {} S", g0));
    g.push_back(g0);
    a1.push_back(f.params[0]);
    a3.push_back(f.params[1]);
  }
  const double tc = base.temperature_k - 273.15;  // °C, as in the source law (metal_oxide.h)
  IvFit out;
  // A1 − a2·T = a0 + a1·G0
  std::vector<double> da1, ya1, da3, ya3;
  for (size_t k = 0; k < g.size(); ++k) {
    da1.insert(da1.end(), {1.0, g[k]});
    ya1.push_back(a1[k] - base.a1_law_si[2] * tc);
    da3.insert(da3.end(), {g[k], g[k] * g[k]});
    ya3.push_back(a3[k] - base.a3_law_si[2] * std::pow(tc, base.a3_law_si[3]));
  }
  out.a1_fit = fit_linear(da1, 2, ya1, {}, "metal_oxide A1(G0) law");
  out.a3_fit = fit_linear(da3, 2, ya3, {}, "metal_oxide A3(G0) law");
  out.a1_law_si = {out.a1_fit.params[0], out.a1_fit.params[1], base.a1_law_si[2]};
  out.a3_law_si = {out.a3_fit.params[0], out.a3_fit.params[1], base.a3_law_si[2], base.a3_law_si[3]};
  double imax = 0;
  for (double i : d.i_a) {
    imax = std::max(imax, std::fabs(i));
  }
  for (size_t i = 0; i < d.v_v.size(); ++i) {
    const double g0 = d.g0_s[i];
    const double v = d.v_v[i];
    const double pa1 = out.a1_law_si[0] + out.a1_law_si[1] * g0 + out.a1_law_si[2] * tc;
    const double pa3 =
        out.a3_law_si[0] * g0 + out.a3_law_si[1] * g0 * g0 + out.a3_law_si[2] * std::pow(tc, out.a3_law_si[3]);
    if (std::fabs(d.i_a[i]) > 1e-3 * imax) {
      out.max_rel_current_error =
          std::max(out.max_rel_current_error, std::fabs((pa1 * v + pa3 * v * v * v - d.i_a[i]) / d.i_a[i]));
    }
  }
  return out;
}

PulseFit fit_metal_oxide_pulses(const PulseData& d, const devices::MetalOxideParams& base) {
  devices::MetalOxideParams p = base;
  p.update_d2d_scale_rel = 0;
  const devices::MetalOxide m(p);
  PulseFit out;
  std::vector<double> rel;
  for (int sign : {+1, -1}) {
    std::vector<double> design, y;
    double dmax = 0;
    for (size_t i = 0; i < d.v_pulse_v.size(); ++i) {
      if (d.v_pulse_v[i] * sign <= 0) {
        continue;
      }
      const double dm = m.delta_g_nominal_s(d.g_before_s[i], d.v_pulse_v[i], d.t_pulse_s[i]);
      design.push_back(dm);
      y.push_back(d.g_after_s[i] - d.g_before_s[i]);
      dmax = std::max(dmax, std::fabs(dm));
    }
    if (y.empty()) {
      continue;
    }
    auto f = fit_linear(design, 1, y, {}, sign > 0 ? "metal_oxide SET pulse scale" : "metal_oxide RESET pulse scale");
    for (size_t i = 0; i < y.size(); ++i) {
      if (std::fabs(design[i]) > 1e-3 * dmax) {
        rel.push_back(y[i] / (f.params[0] * design[i]) - 1);
      }
    }
    if (sign > 0) {
      out.set_scale_rel = f.params[0];
      out.set_scale_std_err = f.std_err[0];
      out.set_fit = f;
    } else {
      out.reset_scale_rel = f.params[0];
      out.reset_scale_std_err = f.std_err[0];
      out.reset_fit = f;
    }
  }
  if (rel.size() < 2) {
    throw CalibrationError("metal_oxide pulse fit: fewer than 2 pulses with a usable model ΔG");
  }
  out.c2c_sigma_rel = stddev(rel);
  return out;
}

RetentionFit fit_retention(const RetentionData& d, double v_hold_v) {
  std::map<double, std::vector<size_t>> by_cell;
  for (size_t i = 0; i < d.cell.size(); ++i) {
    by_cell[d.cell[i]].push_back(i);
  }
  RetentionFit out;
  std::vector<double> ln_tau;
  out.quality.r2 = 1.0;
  double ss = 0;
  int64_t n = 0;
  for (const auto& [cell, idx] : by_cell) {
    double v0 = 0;
    double t0 = 1e300;
    for (size_t i : idx) {
      if (d.t_s[i] < t0) {
        t0 = d.t_s[i];
        v0 = d.v_store_v[i];
      }
    }
    std::vector<double> design, y;
    for (size_t i : idx) {
      const double dv = d.v_store_v[i] - v_hold_v;
      if (dv > 1e-3 * (v0 - v_hold_v) && dv > 0) {
        design.insert(design.end(), {1.0, d.t_s[i]});
        y.push_back(std::log(dv));
      }
    }
    const auto f = fit_linear(design, 2, y, {}, fmt::format("retention of cell {}", cell));
    if (!(f.params[1] < 0)) {
      throw CalibrationError(
          fmt::format("retention of cell {}: the node does not decay (slope {} 1/s)", cell, f.params[1]));
    }
    out.tau_cell_s.push_back(-1.0 / f.params[1]);
    ln_tau.push_back(std::log(out.tau_cell_s.back()));
    out.quality.r2 = std::min(out.quality.r2, f.r2);
    out.quality.max_abs_residual = std::max(out.quality.max_abs_residual, f.max_abs_residual);
    out.quality.max_rel_residual = std::max(out.quality.max_rel_residual, f.max_rel_residual);
    ss += f.rms_residual * f.rms_residual * static_cast<double>(f.n_points);
    n += static_cast<int64_t>(f.n_points);
  }
  out.quality.n_points = n;
  out.quality.rms_residual = n > 0 ? std::sqrt(ss / static_cast<double>(n)) : 0.0;
  out.tau_median_s = std::exp(mean(ln_tau));
  out.ln_tau_sigma = stddev(ln_tau);
  return out;
}

ReadFit fit_read_polynomial(const std::vector<double>& vs, const std::vector<double>& vr, const std::vector<double>& i,
                            int degree, double offset) {
  ReadFit out;
  out.poly.n_degree = degree;
  out.poly.v_store_offset_v = offset;
  out.poly.v_store_min_v = *std::min_element(vs.begin(), vs.end());
  out.poly.v_store_max_v = *std::max_element(vs.begin(), vs.end());
  out.poly.v_read_min_v = *std::min_element(vr.begin(), vr.end());
  out.poly.v_read_max_v = *std::max_element(vr.begin(), vr.end());
  const size_t nt = devices::ReadPolynomial::n_terms(degree);
  std::vector<double> design, w;
  for (size_t k = 0; k < vs.size(); ++k) {
    const auto b = out.poly.basis(vs[k], vr[k]);
    design.insert(design.end(), b.begin(), b.end());
    if (i[k] == 0) {
      throw CalibrationError(
          fmt::format("read polynomial fit: zero current at V_s = {} V, V_r = {} V (relative "
                      "weighting needs |I| > 0; restrict the read range)",
                      vs[k], vr[k]));
    }
    w.push_back(1.0 / std::fabs(i[k]));
  }
  out.fit = fit_linear(design, nt, i, w, "gain cell read polynomial");
  out.poly.coef_si = out.fit.params;
  return out;
}

}  // namespace pimtx::calibration

namespace pimtx::calibration {

IvPopulationFit fit_metal_oxide_iv_population(const std::vector<double>& g0_s, const std::vector<double>& v_v,
                                              const std::vector<std::optional<std::vector<double>>>& i_a,
                                              size_t n_devices, const devices::MetalOxideParams& base) {
  IvPopulationFit out;
  const double tc = base.temperature_k - 273.15;  // °C, as in metal_oxide.h
  std::vector<double> g, m1, m3, s1, s3;
  for (size_t gi = 0; gi < g0_s.size(); ++gi) {
    std::vector<double> a1, a3;
    for (size_t k = 0; k < n_devices; ++k) {
      const auto& cur = i_a[gi * n_devices + k];
      if (!cur) {
        continue;
      }
      std::vector<double> design;
      for (double v : v_v) {
        design.insert(design.end(), {v, v * v * v});
      }
      const auto f =
          fit_linear(design, 2, *cur, {}, fmt::format("metal_oxide I-V of device {} at G0 = {} S", k, g0_s[gi]));
      a1.push_back(f.params[0]);
      a3.push_back(f.params[1]);
    }
    if (a1.size() < 3) {
      continue;  // the sweep failed (reported by the caller)
    }
    out.n_devices_used += a1.size();
    g.push_back(g0_s[gi]);
    m1.push_back(mean(a1));
    m3.push_back(mean(a3));
    // One ξ drives both terms, so σ_A1 and σ_A3 carry the sign of their correlation: σ_A1 is taken >= 0
    // (the sign of ξ is arbitrary) and σ_A3 gets the sign of cov(A1, A3).
    double cov = 0;
    const double ma1 = mean(a1);
    const double ma3 = mean(a3);
    for (size_t k = 0; k < a1.size(); ++k) {
      cov += (a1[k] - ma1) * (a3[k] - ma3);
    }
    s1.push_back(stddev(a1));
    s3.push_back(cov < 0 ? -stddev(a3) : stddev(a3));
  }
  if (g.size() < 4) {
    throw CalibrationError(
        fmt::format("metal_oxide I-V population fit: need >= 4 conductances with data, got {}", g.size()));
  }
  std::vector<double> d1, y1, d3, y3, ds1, ys1, ds3, ys3;
  for (size_t k = 0; k < g.size(); ++k) {
    const double x = g[k];
    d1.insert(d1.end(), {1.0, x});  // A1 − a2·T = a0 + a1·G0
    y1.push_back(m1[k] - base.a1_law_si[2] * tc);
    d3.insert(d3.end(), {x, x * x, 1.0});  // A3 = b0·G0 + b1·G0² + c, c = b2·T^e
    y3.push_back(m3[k]);
    ds1.insert(ds1.end(), {1.0, x, x * x});  // σ_A1 − p2·T = p0 + p1·G0 + p3·G0²
    ys1.push_back(s1[k] - base.sigma_a1_law_si[2] * tc);
    ds3.insert(ds3.end(), {1.0, x, x * x});  // σ_A3 − q2·T − q4·G0·T = q0 + q1·G0 + q3·G0²
    ys3.push_back(s3[k] - base.sigma_a3_law_si[2] * tc - base.sigma_a3_law_si[4] * x * tc);
  }
  out.a1_fit = fit_linear(d1, 2, y1, {}, "metal_oxide mean A1(G0) law");
  out.a3_fit = fit_linear(d3, 3, y3, {}, "metal_oxide mean A3(G0) law");
  out.sigma_a1_fit = fit_linear(ds1, 3, ys1, {}, "metal_oxide sigma_A1(G0) law");
  out.sigma_a3_fit = fit_linear(ds3, 3, ys3, {}, "metal_oxide sigma_A3(G0) law");
  const double te = std::pow(tc, base.a3_law_si[3]);
  out.a1_law_si = {out.a1_fit.params[0], out.a1_fit.params[1], base.a1_law_si[2]};
  out.a3_law_si = {out.a3_fit.params[0], out.a3_fit.params[1], out.a3_fit.params[2] / te, base.a3_law_si[3]};
  out.sigma_a1_law_si = {out.sigma_a1_fit.params[0], out.sigma_a1_fit.params[1], base.sigma_a1_law_si[2],
                         out.sigma_a1_fit.params[2]};
  out.sigma_a3_law_si = {out.sigma_a3_fit.params[0], out.sigma_a3_fit.params[1], base.sigma_a3_law_si[2],
                         out.sigma_a3_fit.params[2], base.sigma_a3_law_si[4]};
  devices::MetalOxideParams p = base;
  p.a1_law_si = out.a1_law_si;
  p.a3_law_si = out.a3_law_si;
  p.sigma_a1_law_si = out.sigma_a1_law_si;
  p.sigma_a3_law_si = out.sigma_a3_law_si;
  const devices::MetalOxide m(p);
  for (size_t k = 0; k < g.size(); ++k) {
    const auto c = m.iv_coefficients(g[k]);
    out.max_rel_mean_error = std::max({out.max_rel_mean_error, std::fabs(c[0] / m1[k] - 1), std::fabs(c[1] / m3[k] - 1),
                                       std::fabs(c[2] / s1[k] - 1), std::fabs(c[3] / s3[k] - 1)});
  }
  return out;
}

}  // namespace pimtx::calibration
