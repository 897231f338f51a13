// Stochastic switching gate: integrated hazard P = 1 − exp(−∫dt/τ(V)) (devices.md §2.8).
//
// Physics: Poisson switching of filamentary devices (Jo, Kim & Lu, Nano Lett. 2009; Gaba et al., Nanoscale
// 2013): each switching event is random with rate 1/τ(V), τ(V) = τ0·exp(−|V|/V0). The device switches when
// the integrated hazard H(t) = ∫dt/τ(V(t)) first exceeds an Exp(1) draw, which is exact for time-varying V.
// On a piecewise-linear waveform H is integrated in closed form segment by segment.
//
// Contract: SwitchingParams is read from a `switching` sub-table with `type` = "deterministic" (no gate,
// every pulse may switch) or "hazard" (tau0_s, v0_v). Functions are pure; units seconds and volts.
#pragma once

#include <string>

#include "core/config.h"

namespace pimtx::devices {

struct SwitchingParams {
  std::string type = "deterministic";  // "deterministic" | "hazard"
  double tau0_s = 2.85e5;              // τ at 0 V (Ag/a-Si fit quoted in devices.md §2.8, recall level)
  double v0_v = 0.156;                 // voltage scale of τ(V)

  [[nodiscard]] bool enabled() const { return type == "hazard"; }
  void validate() const;
  static SwitchingParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const SwitchingParams&) const = default;
};

// τ(V) in seconds.
double hazard_tau_s(const SwitchingParams& p, double v_v);
// ∫_{0}^{dt} dt'/τ(V(t')) for V linear from va to vb over a duration dt (any signs; split at zero internally).
double hazard_integral(const SwitchingParams& p, double va_v, double vb_v, double dt_s);
// Time within the segment (0..dt) at which the integrated hazard reaches `target` (>= 0); returns a value
// > dt_s if it is not reached inside the segment.
double hazard_time_to(const SwitchingParams& p, double va_v, double vb_v, double dt_s, double target);
// Probability that a rectangular pulse of amplitude v and width t switches: 1 − exp(−t/τ(v)).
double switch_probability(const SwitchingParams& p, double v_v, double t_s);

}  // namespace pimtx::devices
