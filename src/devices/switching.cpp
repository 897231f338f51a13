#include "devices/switching.h"

#include <cmath>
#include <limits>

#include "core/errors.h"

namespace pimtx::devices {

void SwitchingParams::validate() const {
  // from_config checks ranges key by key; this guards programmatic construction.
  if (type != "deterministic" && type != "hazard") {
    throw ConfigError("switching.type must be 'deterministic' or 'hazard', got '" + type + "'");
  }
  if (!(tau0_s > 0) || !(v0_v > 0)) {
    throw ConfigError("switching.tau0_s and switching.v0_v must be > 0");
  }
}

SwitchingParams SwitchingParams::from_config(core::Section& s) {
  SwitchingParams p;
  p.type = s.get_string("type", p.type, {"deterministic", "hazard"});
  p.tau0_s = s.get_double("tau0_s", p.tau0_s, core::Range::positive());
  p.v0_v = s.get_double("v0_v", p.v0_v, core::Range::positive());
  p.validate();
  return p;
}

void SwitchingParams::to_config(core::Section& s) const {
  s.set_string("type", type);
  s.set_double("tau0_s", tau0_s);
  s.set_double("v0_v", v0_v);
}

double hazard_tau_s(const SwitchingParams& p, double v_v) { return p.tau0_s * std::exp(-std::fabs(v_v) / p.v0_v); }

namespace {
// ∫ exp(u(t)/V0) dt / τ0 for |V| = u linear from ua to ub (both >= 0) over dt.
double same_sign_integral(const SwitchingParams& p, double ua, double ub, double dt) {
  const double du = ub - ua;
  if (std::fabs(du) < 1e-12 * (ua + ub + p.v0_v)) {
    return dt * std::exp(0.5 * (ua + ub) / p.v0_v) / p.tau0_s;
  }
  // dt·V0/du·(e^{ub/V0} − e^{ua/V0}) written with expm1 for accuracy at small du.
  return dt * p.v0_v / du * std::exp(ua / p.v0_v) * std::expm1(du / p.v0_v) / p.tau0_s;
}
}  // namespace

double hazard_integral(const SwitchingParams& p, double va, double vb, double dt) {
  if (dt <= 0) {
    return 0.0;
  }
  if (va * vb < 0) {  // crosses zero: split there
    const double tz = dt * va / (va - vb);
    return same_sign_integral(p, std::fabs(va), 0.0, tz) + same_sign_integral(p, 0.0, std::fabs(vb), dt - tz);
  }
  return same_sign_integral(p, std::fabs(va), std::fabs(vb), dt);
}

double hazard_time_to(const SwitchingParams& p, double va, double vb, double dt, double target) {
  if (target <= 0) {
    return 0.0;
  }
  const double total = hazard_integral(p, va, vb, dt);
  if (total < target) {
    return std::numeric_limits<double>::infinity();
  }
  if (va * vb < 0) {
    const double tz = dt * va / (va - vb);
    const double first = hazard_integral(p, va, 0.0, tz);
    if (first >= target) {
      return hazard_time_to(p, va, 0.0, tz, target);
    }
    return tz + hazard_time_to(p, 0.0, vb, dt - tz, target - first);
  }
  const double ua = std::fabs(va);
  const double ub = std::fabs(vb);
  const double s = (ub - ua) / dt;  // d|V|/dt
  if (std::fabs(ub - ua) < 1e-12 * (ua + ub + p.v0_v)) {
    return target * p.tau0_s / std::exp(ua / p.v0_v);
  }
  // Solve V0/s·(e^{u/V0} − e^{ua/V0})/τ0 = target for u, then t = (u − ua)/s.
  const double u = p.v0_v * std::log(std::exp(ua / p.v0_v) + s * p.tau0_s * target / p.v0_v);
  return (u - ua) / s;
}

double switch_probability(const SwitchingParams& p, double v_v, double t_s) {
  return -std::expm1(-t_s / hazard_tau_s(p, v_v));
}

}  // namespace pimtx::devices
