#include "devices/vteam.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/numeric/odeint.hpp>
#include <cmath>

#include "core/errors.h"

namespace pimtx::devices {

namespace odeint = boost::numeric::odeint;
using State = std::array<double, 1>;

void VteamParams::validate() const {
  auto fail = [](const std::string& what) { throw ConfigError("vteam parameters: " + what); };
  if (!(r_on_ohm > 0) || !(r_off_ohm > r_on_ohm)) {
    fail(fmt::format("need 0 < r_on_ohm ({}) < r_off_ohm ({})", r_on_ohm, r_off_ohm));
  }
  if (!(v_on_v < 0) || !(v_off_v > 0)) {
    fail(fmt::format("need v_on_v ({}) < 0 < v_off_v ({})", v_on_v, v_off_v));
  }
  if (!(k_on_per_s < 0) || !(k_off_per_s > 0)) {
    fail(fmt::format("need k_on_per_s ({}) < 0 < k_off_per_s ({})", k_on_per_s, k_off_per_s));
  }
  if (!(alpha_on_ratio >= 1) || !(alpha_off_ratio >= 1)) {
    fail(fmt::format("alpha_on_ratio ({}) and alpha_off_ratio ({}) must be >= 1", alpha_on_ratio, alpha_off_ratio));
  }
  for (double s : {k_d2d_sigma_rel, v_th_d2d_sigma_rel, r_d2d_sigma_rel, k_c2c_sigma_rel}) {
    if (!(s >= 0 && s < 1)) {
      fail(fmt::format("spreads (*_sigma_rel) must be in [0, 1), got {}", s));
    }
  }
  if (!(ode_rtol_rel > 0) || !(ode_atol > 0) || !(ode_max_step_s >= 0)) {
    fail("ode tolerances must be > 0 and ode_max_step_s >= 0");
  }
  switching.validate();
}

VteamParams VteamParams::from_config(core::Section& s) {
  VteamParams p;
  using core::Range;
  p.r_on_ohm = s.get_double("r_on_ohm", p.r_on_ohm, Range::positive());
  p.r_off_ohm = s.get_double("r_off_ohm", p.r_off_ohm, Range::positive());
  p.v_on_v = s.get_double("v_on_v", p.v_on_v, Range{-10.0, 0.0, true, false});
  p.v_off_v = s.get_double("v_off_v", p.v_off_v, Range{0.0, 10.0, false, true});
  p.k_on_per_s = s.get_double("k_on_per_s", p.k_on_per_s, Range{-1e15, 0.0, true, false});
  p.k_off_per_s = s.get_double("k_off_per_s", p.k_off_per_s, Range{0.0, 1e15, false, true});
  p.alpha_on_ratio = s.get_double("alpha_on_ratio", p.alpha_on_ratio, Range::closed(1, 20));
  p.alpha_off_ratio = s.get_double("alpha_off_ratio", p.alpha_off_ratio, Range::closed(1, 20));
  p.k_d2d_sigma_rel = s.get_double("k_d2d_sigma_rel", p.k_d2d_sigma_rel, Range{0, 1, true, false});
  p.v_th_d2d_sigma_rel = s.get_double("v_th_d2d_sigma_rel", p.v_th_d2d_sigma_rel, Range{0, 1, true, false});
  p.r_d2d_sigma_rel = s.get_double("r_d2d_sigma_rel", p.r_d2d_sigma_rel, Range{0, 1, true, false});
  p.k_c2c_sigma_rel = s.get_double("k_c2c_sigma_rel", p.k_c2c_sigma_rel, Range{0, 1, true, false});
  p.ode_rtol_rel = s.get_double("ode_rtol_rel", p.ode_rtol_rel, Range::closed(1e-14, 1e-2));
  p.ode_atol = s.get_double("ode_atol", p.ode_atol, Range::closed(1e-16, 1e-2));
  p.ode_max_step_s = s.get_double("ode_max_step_s", p.ode_max_step_s, Range::non_negative());
  auto sw = s.section("switching");
  p.switching = SwitchingParams::from_config(sw);
  if (!(p.r_off_ohm > p.r_on_ohm)) {
    s.fail("r_off_ohm", fmt::format("must be > r_on_ohm ({}), got {}", p.r_on_ohm, p.r_off_ohm));
  }
  p.validate();
  return p;
}

void VteamParams::to_config(core::Section& s) const {
  s.set_string("type", "vteam");
  s.set_double("r_on_ohm", r_on_ohm);
  s.set_double("r_off_ohm", r_off_ohm);
  s.set_double("v_on_v", v_on_v);
  s.set_double("v_off_v", v_off_v);
  s.set_double("k_on_per_s", k_on_per_s);
  s.set_double("k_off_per_s", k_off_per_s);
  s.set_double("alpha_on_ratio", alpha_on_ratio);
  s.set_double("alpha_off_ratio", alpha_off_ratio);
  s.set_double("k_d2d_sigma_rel", k_d2d_sigma_rel);
  s.set_double("v_th_d2d_sigma_rel", v_th_d2d_sigma_rel);
  s.set_double("r_d2d_sigma_rel", r_d2d_sigma_rel);
  s.set_double("k_c2c_sigma_rel", k_c2c_sigma_rel);
  s.set_double("ode_rtol_rel", ode_rtol_rel);
  s.set_double("ode_atol", ode_atol);
  s.set_double("ode_max_step_s", ode_max_step_s);
  auto sw = s.section("switching");
  switching.to_config(sw);
}

Vteam::Vteam(VteamParams p) : p_(std::move(p)) { p_.validate(); }

double Vteam::dxdt(const VteamParams& q, double v, double x) {
  if (v > q.v_off_v) {
    return q.k_off_per_s * std::pow(v / q.v_off_v - 1.0, q.alpha_off_ratio) * (1.0 - x);
  }
  if (v < q.v_on_v) {
    return q.k_on_per_s * std::pow(v / q.v_on_v - 1.0, q.alpha_on_ratio) * x;
  }
  return 0.0;
}

namespace {

// Integrate x over one linear voltage segment (va at ta → vb at tb) with error-controlled Dormand–Prince 5(4),
// splitting the segment at the threshold crossings so the RHS is smooth on each piece (RK order is kept).
void advance(const VteamParams& q, double& x, double ta, double tb, double va, double vb) {
  if (!(tb > ta)) {
    return;
  }
  auto inside = [&](double v) { return v <= q.v_off_v && v >= q.v_on_v; };
  if (inside(va) && inside(vb)) {
    return;  // linear segment between two sub-threshold values stays sub-threshold: no motion
  }
  std::vector<double> cuts{ta};
  for (double vth : {q.v_on_v, q.v_off_v}) {
    if ((va - vth) * (vb - vth) < 0) {
      cuts.push_back(ta + (tb - ta) * (vth - va) / (vb - va));
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(tb);
  const double slope = (vb - va) / (tb - ta);
  auto vt = [&](double t) { return va + slope * (t - ta); };
  auto sys = [&](const State& s, State& ds, double t) { ds[0] = Vteam::dxdt(q, vt(t), s[0]); };
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double t0 = cuts[k];
    const double t1 = cuts[k + 1];
    if (!(t1 > t0) || (inside(vt(t0)) && inside(vt(t1)))) {
      continue;
    }
    State s{x};
    auto stepper =
        odeint::make_controlled(q.ode_atol, q.ode_rtol_rel, q.ode_max_step_s, odeint::runge_kutta_dopri5<State>());
    const double dt0 = std::min((t1 - t0) * 1e-3, q.ode_max_step_s > 0 ? q.ode_max_step_s : (t1 - t0));
    odeint::integrate_adaptive(stepper, sys, s, t0, t1, dt0);
    x = std::clamp(s[0], 0.0, 1.0);
  }
}

}  // namespace

VteamParams Vteam::effective(const MemristorInstance& dev) const {
  VteamParams q = p_;
  const double kf = std::exp(p_.k_d2d_sigma_rel * dev.d2d[0]);
  q.k_on_per_s *= kf;
  q.k_off_per_s *= kf;
  const double vf = std::max(0.05, 1.0 + p_.v_th_d2d_sigma_rel * dev.d2d[1]);
  q.v_on_v *= vf;
  q.v_off_v *= vf;
  const double rf = std::exp(p_.r_d2d_sigma_rel * dev.d2d[2]);
  q.r_on_ohm *= rf;
  q.r_off_ohm *= rf;
  return q;
}

MemristorInstance Vteam::make_instance(double g_init_s, core::Rng* d2d) const {
  MemristorInstance dev = draw_instance(d2d);
  set_conductance(dev, g_init_s);
  return dev;
}

double Vteam::current_a(const MemristorInstance& dev, double v_v) const {
  const VteamParams q = effective(dev);
  return v_v / (q.r_on_ohm + (q.r_off_ohm - q.r_on_ohm) * dev.state);
}

double Vteam::conductance_s(const MemristorInstance& dev) const { return current_a(dev, 1.0); }

void Vteam::set_conductance(MemristorInstance& dev, double g_s) const {
  const VteamParams q = effective(dev);
  const double r = 1.0 / std::max(g_s, 1e-300);
  dev.state = std::clamp((r - q.r_on_ohm) / (q.r_off_ohm - q.r_on_ohm), 0.0, 1.0);
}

void Vteam::program(MemristorInstance& dev, const Waveform& w, core::Rng* c2c) const {
  w.validate();
  const VteamParams base = effective(dev);
  VteamParams q = base;
  double hazard_left = 0.0;  // hazard still to accumulate before the state may move in this pulse
  double x = dev.state;
  for (size_t i = 0; i + 1 < w.t_s.size(); ++i) {
    double ta = w.t_s[i];
    const double tb = w.t_s[i + 1];
    double va = w.v_v[i];
    const double vb = w.v_v[i + 1];
    if (va == 0.0 && vb != 0.0) {  // a new pulse: new switching event draws
      q = base;
      if (c2c != nullptr && p_.k_c2c_sigma_rel > 0) {
        const double f = std::exp(p_.k_c2c_sigma_rel * c2c->normal());
        q.k_on_per_s *= f;
        q.k_off_per_s *= f;
      }
      if (p_.switching.enabled()) {
        hazard_left = c2c != nullptr ? c2c->exponential(1.0) : std::log(2.0);
      }
    }
    if (p_.switching.enabled() && hazard_left > 0) {
      const double th = hazard_time_to(p_.switching, va, vb, tb - ta, hazard_left);
      if (th >= tb - ta) {
        hazard_left -= hazard_integral(p_.switching, va, vb, tb - ta);
        hazard_left = std::max(hazard_left, 1e-300);  // not yet reached: stay gated
        continue;
      }
      va = w.at(ta + th);
      ta += th;
      hazard_left = 0.0;
    }
    advance(q, x, ta, tb, va, vb);
  }
  dev.state = x;
}

void Vteam::program_pulse(MemristorInstance& dev, double v_pulse_v, double t_pulse_s, core::Rng* c2c) const {
  // Rectangular pulse approximated by a trapezoid with edges of 1e-6 of the width (state change on the
  // edges is negligible; keeps the PWL strictly increasing).
  const double e = t_pulse_s * 1e-6;
  Waveform w{{0.0, e, e + t_pulse_s, 2 * e + t_pulse_s}, {0.0, v_pulse_v, v_pulse_v, 0.0}};
  program(dev, w, c2c);
}

std::vector<double> Vteam::trajectory(const MemristorInstance& dev, const Waveform& w,
                                      const std::vector<double>& t_out_s) const {
  w.validate();
  const VteamParams q = effective(dev);
  std::vector<double> out;
  out.reserve(t_out_s.size());
  double x = dev.state;
  double t = w.t_s.front();
  size_t seg = 0;
  for (double to : t_out_s) {
    if (to < t) {
      throw NumericError(fmt::format("vteam trajectory: output times must be sorted ({} after {})", to, t));
    }
    while (t < to) {
      while (seg + 1 < w.t_s.size() && w.t_s[seg + 1] <= t) {
        ++seg;
      }
      if (seg + 1 >= w.t_s.size()) {
        t = to;  // past the end: voltage held at the last value (0 for pulse trains)
        break;
      }
      const double t1 = std::min(to, w.t_s[seg + 1]);
      advance(q, x, t, t1, w.at(t), w.at(t1));
      t = t1;
    }
    out.push_back(x);
  }
  return out;
}

}  // namespace pimtx::devices
