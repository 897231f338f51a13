#include "calibration/vteam_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace pimtx::calibration {

ProtocolWave vteam_protocol_wave(const VteamProtocol& p, const devices::VteamParams& q) {
  ProtocolWave out;
  out.v_read_v = p.v_read_v;
  auto& w = out.wave;
  double t = 0;
  w.t_s.push_back(t);
  w.v_v.push_back(0);
  out.min_width_s = p.t_read_s;
  auto flat = [&](double v, double width) {  // gap, rise, flat top, fall; returns the flat-top start
    t += p.t_gap_s;
    w.t_s.push_back(t);
    w.v_v.push_back(0);
    t += p.t_edge_s;
    w.t_s.push_back(t);
    w.v_v.push_back(v);
    const double start = t;
    t += width;
    w.t_s.push_back(t);
    w.v_v.push_back(v);
    t += p.t_edge_s;
    w.t_s.push_back(t);
    w.v_v.push_back(0);
    out.min_width_s = std::min(out.min_width_s, width);
    return start;
  };
  auto read = [&]() {
    out.t_read_s.push_back(flat(p.v_read_v, p.t_read_s) + 0.5 * p.t_read_s);
    return out.t_read_s.size() - 1;
  };
  auto pulse = [&](double v, double width) { out.t_pulse_end_s.push_back(flat(v, width) + width); };
  read();  // R_off
  pulse(p.v_sat_set_v, p.t_sat_s);
  size_t last = read();  // R_on
  for (double v : p.reset_v) {
    const double rate = devices::Vteam::dxdt(q, v, 0.0);  // (1−x) decay rate at x = 0
    if (!(rate > 0)) {
      throw ConfigError(fmt::format("vteam protocol: RESET amplitude {} V is not above v_off_v = {} V", v, q.v_off_v));
    }
    const double width = p.step_ln / rate;
    pulse(v, width);
    const size_t r = read();
    out.reset.push_back({v, width, last, r});
    last = r;
  }
  for (double v : p.set_v) {
    const double rate = -devices::Vteam::dxdt(q, v, 1.0);  // x decay rate
    if (!(rate > 0)) {
      throw ConfigError(fmt::format("vteam protocol: SET amplitude {} V is not below v_on_v = {} V", v, q.v_on_v));
    }
    const double width = p.step_ln / rate;
    pulse(v, width);
    const size_t r = read();
    out.set.push_back({v, width, last, r});
    last = r;
  }
  t += p.t_gap_s;
  w.t_s.push_back(t);
  w.v_v.push_back(0);
  return out;
}

namespace {

// Linearised rate law r^(1/α) = a·V + b → (k magnitude, threshold), and the fit's R².
std::array<double, 3> rate_line(const std::vector<double>& v, const std::vector<double>& rate, double alpha,
                                const std::string& what) {
  std::vector<double> design, y;
  for (size_t i = 0; i < v.size(); ++i) {
    design.insert(design.end(), {v[i], 1.0});
    y.push_back(std::pow(rate[i], 1.0 / alpha));
  }
  const auto f = fit_linear(design, 2, y, {}, what);
  const double a = f.params[0];
  const double b = f.params[1];
  if (!(b < 0)) {
    throw CalibrationError(fmt::format("{}: rate line intercept {} is not negative (no threshold)", what, b));
  }
  return {std::pow(-b, alpha), -b / a, f.r2};
}

}  // namespace

VteamDeviceFit fit_vteam_device(const ProtocolWave& w, const std::vector<double>& i, const devices::VteamParams& base,
                                const std::string& device) {
  if (i.size() != w.t_read_s.size()) {
    throw CalibrationError(
        fmt::format("vteam fit of {}: {} read currents for {} reads", device, i.size(), w.t_read_s.size()));
  }
  std::vector<double> r(i.size());
  for (size_t k = 0; k < i.size(); ++k) {
    if (!(i[k] > 0)) {
      throw CalibrationError(fmt::format("vteam fit of {}: read {} current {} A is not positive", device, k, i[k]));
    }
    r[k] = w.v_read_v / i[k];
  }
  VteamDeviceFit f;
  f.r_off_ohm = r[0];
  f.r_on_ohm = r[1];
  if (!(f.r_off_ohm > f.r_on_ohm)) {
    throw CalibrationError(fmt::format("vteam fit of {}: R_off {} <= R_on {} ohm", device, f.r_off_ohm, f.r_on_ohm));
  }
  auto x = [&](size_t k) { return (r[k] - f.r_on_ohm) / (f.r_off_ohm - f.r_on_ohm); };
  std::vector<double> vr, rr, vs, rs;
  for (const auto& p : w.reset) {
    vr.push_back(p.v_v);
    rr.push_back(std::log((1 - x(p.read_before)) / (1 - x(p.read_after))) / p.t_w_s);
  }
  for (const auto& p : w.set) {
    vs.push_back(p.v_v);
    rs.push_back(std::log(x(p.read_before) / x(p.read_after)) / p.t_w_s);
  }
  for (double v : rr) {
    if (!(v > 0) || !std::isfinite(v)) {
      throw CalibrationError(fmt::format("vteam fit of {}: a RESET pulse did not raise R (rate {})", device, v));
    }
  }
  for (double v : rs) {
    if (!(v > 0) || !std::isfinite(v)) {
      throw CalibrationError(fmt::format("vteam fit of {}: a SET pulse did not lower R (rate {})", device, v));
    }
  }
  const auto off = rate_line(vr, rr, base.alpha_off_ratio, "vteam RESET rate law of " + device);
  const auto on = rate_line(vs, rs, base.alpha_on_ratio, "vteam SET rate law of " + device);
  f.k_off_per_s = off[0];
  f.v_off_v = off[1];
  f.k_on_per_s = -on[0];
  f.v_on_v = on[1];
  f.r2_min = std::min(off[2], on[2]);
  return f;
}

VteamPopulationFit fit_vteam_population(const std::vector<VteamDeviceFit>& devs, const devices::VteamParams& base) {
  if (devs.size() < 3) {
    throw CalibrationError(fmt::format("vteam population fit: need >= 3 devices, got {}", devs.size()));
  }
  const double n = static_cast<double>(devs.size());
  auto col = [&](auto get) {
    std::vector<double> v;
    for (const auto& d : devs) {
      v.push_back(get(d));
    }
    return v;
  };
  const auto ln_ron = col([](const VteamDeviceFit& d) { return std::log(d.r_on_ohm); });
  const auto ln_roff = col([](const VteamDeviceFit& d) { return std::log(d.r_off_ohm); });
  const auto ln_koff = col([](const VteamDeviceFit& d) { return std::log(d.k_off_per_s); });
  const auto ln_kon = col([](const VteamDeviceFit& d) { return std::log(-d.k_on_per_s); });
  const auto voff = col([](const VteamDeviceFit& d) { return d.v_off_v; });
  const auto von = col([](const VteamDeviceFit& d) { return d.v_on_v; });
  VteamPopulationFit out;
  out.n_devices = devs.size();
  auto& p = out.params;
  p = base;
  // Medians of the lognormal quantities, means of the normal ones (vteam.h d2d law).
  p.r_on_ohm = std::exp(mean(ln_ron));
  p.r_off_ohm = std::exp(mean(ln_roff));
  p.k_off_per_s = std::exp(mean(ln_koff));
  p.k_on_per_s = -std::exp(mean(ln_kon));
  p.v_off_v = mean(voff);
  p.v_on_v = mean(von);
  // The model draws one factor for R_on and R_off (and one for k_on, k_off; one for both thresholds): the
  // spread is the mean of the two per-parameter spreads.
  p.r_d2d_sigma_rel = 0.5 * (stddev(ln_ron) + stddev(ln_roff));
  p.k_d2d_sigma_rel = 0.5 * (stddev(ln_koff) + stddev(ln_kon));
  p.v_th_d2d_sigma_rel = 0.5 * (stddev(voff) / std::fabs(p.v_off_v) + stddev(von) / std::fabs(p.v_on_v));
  const double rn = 1.0 / std::sqrt(n);
  out.std_err["r_on_ohm"] = p.r_on_ohm * stddev(ln_ron) * rn;
  out.std_err["r_off_ohm"] = p.r_off_ohm * stddev(ln_roff) * rn;
  out.std_err["k_off_per_s"] = p.k_off_per_s * stddev(ln_koff) * rn;
  out.std_err["k_on_per_s"] = std::fabs(p.k_on_per_s) * stddev(ln_kon) * rn;
  out.std_err["v_off_v"] = stddev(voff) * rn;
  out.std_err["v_on_v"] = stddev(von) * rn;
  // Standard error of a sample standard deviation: σ/sqrt(2(n−1)).
  const double rs = 1.0 / std::sqrt(2.0 * (n - 1));
  out.std_err["r_d2d_sigma_rel"] = p.r_d2d_sigma_rel * rs;
  out.std_err["k_d2d_sigma_rel"] = p.k_d2d_sigma_rel * rs;
  out.std_err["v_th_d2d_sigma_rel"] = p.v_th_d2d_sigma_rel * rs;
  out.quality.r2 = 1.0;
  for (const auto& d : devs) {
    out.quality.r2 = std::min(out.quality.r2, d.r2_min);
  }
  out.quality.n_points = static_cast<int64_t>(devs.size());
  p.validate();
  return out;
}

}  // namespace pimtx::calibration
