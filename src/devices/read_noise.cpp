#include "devices/read_noise.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"

namespace pimtx::devices {

namespace {
constexpr double k_boltzmann_j_per_k = 1.380649e-23;
}

void WhiteRtnParams::validate() const {
  if (!(white_sigma_rel >= 0) || !(thermal_bandwidth_hz >= 0) || !(temperature_k > 0) || !(rtn_tau_low_s > 0) ||
      !(rtn_tau_high_s > 0) || !(std::fabs(rtn_amplitude_rel) < 1)) {
    throw ConfigError(fmt::format(
        "white_rtn read noise: need white_sigma_rel >= 0 ({}), thermal_bandwidth_hz >= 0 ({}), temperature_k > 0 "
        "({}), rtn taus > 0 ({}, {}), |rtn_amplitude_rel| < 1 ({})",
        white_sigma_rel, thermal_bandwidth_hz, temperature_k, rtn_tau_low_s, rtn_tau_high_s, rtn_amplitude_rel));
  }
}

WhiteRtnParams WhiteRtnParams::from_config(core::Section& s) {
  using core::Range;
  WhiteRtnParams p;
  p.white_sigma_rel = s.get_double("white_sigma_rel", p.white_sigma_rel, Range::closed(0, 1));
  p.thermal_bandwidth_hz = s.get_double("thermal_bandwidth_hz", p.thermal_bandwidth_hz, Range::non_negative());
  p.temperature_k = s.get_double("temperature_k", p.temperature_k, Range::positive());
  p.rtn_amplitude_rel = s.get_double("rtn_amplitude_rel", p.rtn_amplitude_rel, Range{-1, 1, false, false});
  p.rtn_tau_low_s = s.get_double("rtn_tau_low_s", p.rtn_tau_low_s, Range::positive());
  p.rtn_tau_high_s = s.get_double("rtn_tau_high_s", p.rtn_tau_high_s, Range::positive());
  p.validate();
  return p;
}

void WhiteRtnParams::to_config(core::Section& s) const {
  s.set_double("white_sigma_rel", white_sigma_rel);
  s.set_double("thermal_bandwidth_hz", thermal_bandwidth_hz);
  s.set_double("temperature_k", temperature_k);
  s.set_double("rtn_amplitude_rel", rtn_amplitude_rel);
  s.set_double("rtn_tau_low_s", rtn_tau_low_s);
  s.set_double("rtn_tau_high_s", rtn_tau_high_s);
}

void WhiteRtnNoise::to_config(core::Section& s) const {
  s.set_string("type", type());
  p_.to_config(s);
}

bool same_read_noise(const ReadNoise* a, const ReadNoise* b) {
  if (a == nullptr || b == nullptr) {
    return a == b;
  }
  core::Config ca;
  core::Config cb;
  core::Section ra = ca.root();
  core::Section rb = cb.root();
  a->to_config(ra);
  b->to_config(rb);
  return ra.same_table(rb);
}

WhiteRtnNoise::WhiteRtnNoise(WhiteRtnParams p) : p_(p) { p_.validate(); }

int WhiteRtnNoise::rtn_level(double t_now, ReadNoiseState& st, core::Rng& rng) const {
  if (st.rtn_level < 0) {
    // Stationary start: P(high) = τ_high / (τ_low + τ_high); the first dwell is exponential (memoryless).
    st.rtn_level = rng.uniform() < p_.rtn_tau_high_s / (p_.rtn_tau_low_s + p_.rtn_tau_high_s) ? 1 : 0;
    st.t_next_flip_s = t_now + rng.exponential(1.0 / (st.rtn_level == 1 ? p_.rtn_tau_high_s : p_.rtn_tau_low_s));
    st.t_last_s = t_now;
  }
  if (t_now < st.t_last_s) {
    throw NumericError(
        fmt::format("read noise: read time {} s is before the previous read at {} s", t_now, st.t_last_s));
  }
  while (st.t_next_flip_s <= t_now) {
    st.rtn_level = 1 - st.rtn_level;
    st.t_next_flip_s += rng.exponential(1.0 / (st.rtn_level == 1 ? p_.rtn_tau_high_s : p_.rtn_tau_low_s));
  }
  st.t_last_s = t_now;
  return st.rtn_level;
}

double WhiteRtnNoise::apply(double i_a, double v_v, double t_now, ReadNoiseState& st, core::Rng& rng) const {
  double rel = 0.0;
  if (p_.rtn_amplitude_rel != 0.0) {
    rel += p_.rtn_amplitude_rel * rtn_level(t_now, st, rng);
  }
  if (p_.white_sigma_rel > 0) {
    rel += p_.white_sigma_rel * rng.normal();
  }
  double out = i_a * (1 + rel);
  if (p_.thermal_bandwidth_hz > 0 && v_v != 0.0) {
    const double g = std::fabs(i_a / v_v);
    out += std::sqrt(4 * k_boltzmann_j_per_k * p_.temperature_k * g * p_.thermal_bandwidth_hz) * rng.normal();
  }
  return out;
}

}  // namespace pimtx::devices
