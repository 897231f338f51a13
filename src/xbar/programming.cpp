#include "xbar/programming.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"

namespace pimtx::xbar {

void GaussianProgrammingParams::validate() const {
  if (!(g_min_s >= 0.0 && g_max_s > g_min_s)) {
    throw ConfigError(
        fmt::format("programming: need 0 <= g_min_s < g_max_s, got g_min_s = {}, g_max_s = {}", g_min_s, g_max_s));
  }
}

GaussianProgrammingParams GaussianProgrammingParams::from_config(core::Section& s) {
  GaussianProgrammingParams p;
  p.g_min_s = s.get_double("g_min_s", p.g_min_s, core::Range::non_negative());
  p.g_max_s = s.get_double("g_max_s", p.g_max_s, core::Range::positive());
  p.g_d2d_sigma_rel = s.get_double("g_d2d_sigma_rel", p.g_d2d_sigma_rel, core::Range::closed(0, 1));
  p.g_c2c_sigma_rel = s.get_double("g_c2c_sigma_rel", p.g_c2c_sigma_rel, core::Range::closed(0, 1));
  p.dg_pulse_rel = s.get_double("dg_pulse_rel", p.dg_pulse_rel, core::Range::closed(0, 1));
  p.pulse_d2d_sigma_rel = s.get_double("pulse_d2d_sigma_rel", p.pulse_d2d_sigma_rel, core::Range::closed(0, 1));
  if (p.g_max_s <= p.g_min_s) {
    s.fail("g_max_s", fmt::format("must exceed g_min_s = {}", p.g_min_s));
  }
  return p;
}

void GaussianProgrammingParams::to_config(core::Section& s) const {
  s.set_double("g_min_s", g_min_s);
  s.set_double("g_max_s", g_max_s);
  s.set_double("g_d2d_sigma_rel", g_d2d_sigma_rel);
  s.set_double("g_c2c_sigma_rel", g_c2c_sigma_rel);
  s.set_double("dg_pulse_rel", dg_pulse_rel);
  s.set_double("pulse_d2d_sigma_rel", pulse_d2d_sigma_rel);
}

GaussianProgramming::GaussianProgramming(GaussianProgrammingParams p, std::string type_name)
    : p_(p), type_(std::move(type_name)) {
  p_.validate();
}

double GaussianProgramming::program(double /*g_now_s*/, double g_target_s, core::Rng& d2d, core::Rng& c2c,
                                    int64_t* n_pulses) const {
  if (n_pulses != nullptr) {
    ++*n_pulses;  // one programming event stands for one pulse
  }
  const double xi = d2d.normal();  // the device's fixed gain error (same draw every call: fresh d2d Rng)
  const double range = p_.g_max_s - p_.g_min_s;
  double g = g_target_s * (1.0 + p_.g_d2d_sigma_rel * xi);
  if (p_.g_c2c_sigma_rel > 0.0) {
    g += p_.g_c2c_sigma_rel * range * c2c.normal();
  }
  return std::clamp(g, p_.g_min_s, p_.g_max_s);
}

double GaussianProgramming::random_pulses(int n_pulses, core::Rng& d2d, core::Rng& c2c) const {
  const double range = p_.g_max_s - p_.g_min_s;
  const double gain = 1.0 + p_.pulse_d2d_sigma_rel * d2d.normal();
  double g = p_.g_min_s;
  for (int k = 0; k < n_pulses; ++k) {
    g = std::min(p_.g_max_s, g + p_.dg_pulse_rel * range * gain * 2.0 * c2c.uniform());
  }
  return std::max(g, p_.g_min_s);
}

}  // namespace pimtx::xbar
