// Read-noise slot (STYLE.md §2: an independent effect with its own `type`), devices.md §2.8.
//
// Units:
//   "none"       no noise.
//   "white_rtn"  I_noisy = I·(1 + σ_w·N(0,1) + a_rtn·s(t)) + sqrt(4·k_B·T·|I/V|·Δf)·N(0,1)
//                white relative noise σ_w = white_sigma_rel; thermal current noise over bandwidth
//                thermal_bandwidth_hz (0: off) at temperature_k; two-level random telegraph noise s(t) ∈ {0,1}
//                with exponential dwell times of means rtn_tau_low_s (in s=0) and rtn_tau_high_s (in s=1),
//                relative amplitude rtn_amplitude_rel (negative: a captured trap lowers the current).
//                (The caixunshiren implementation uses 4kTfI/V itself as the std; we use the physical
//                Johnson–Nyquist form sqrt(4kTGΔf).)
// Contract: apply() takes the noise-free current, the device voltage and the absolute read time t_now_s
// (non-decreasing per device); it mutates only the per-device ReadNoiseState (RTN level and next flip
// time) and draws from `rng` (a run-time stream, never the d2d stream). Units: A, V, s.
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/rng.h"

namespace pimtx::devices {

struct ReadNoiseState {
  int rtn_level = -1;        // -1: not initialised (drawn from the stationary distribution at first use)
  double t_next_flip_s = 0;  // absolute time of the next RTN transition
  double t_last_s = 0;
};

class ReadNoise {
 public:
  virtual ~ReadNoise() = default;
  [[nodiscard]] virtual std::string type() const = 0;
  // Writes `type` and the keys its read_noise_registry() factory reads (the inverse of construction from config).
  virtual void to_config(core::Section& s) const = 0;
  virtual double apply(double i_a, double v_v, double t_now_s, ReadNoiseState& st, core::Rng& rng) const = 0;
};

class NoReadNoise final : public ReadNoise {
 public:
  [[nodiscard]] std::string type() const override { return "none"; }
  void to_config(core::Section& s) const override { s.set_string("type", type()); }
  double apply(double i_a, double, double, ReadNoiseState&, core::Rng&) const override { return i_a; }
};

struct WhiteRtnParams {
  double white_sigma_rel = 0.01;
  double thermal_bandwidth_hz = 0.0;
  double temperature_k = 300.0;
  double rtn_amplitude_rel = 0.0;
  double rtn_tau_low_s = 1e-3;
  double rtn_tau_high_s = 1e-3;

  void validate() const;
  static WhiteRtnParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const WhiteRtnParams&) const = default;
};

class WhiteRtnNoise final : public ReadNoise {
 public:
  explicit WhiteRtnNoise(WhiteRtnParams p);
  [[nodiscard]] std::string type() const override { return "white_rtn"; }
  void to_config(core::Section& s) const override;
  [[nodiscard]] const WhiteRtnParams& params() const { return p_; }
  double apply(double i_a, double v_v, double t_now_s, ReadNoiseState& st, core::Rng& rng) const override;
  // RTN level at t_now_s (advances the telegraph process; exposed for tests).
  int rtn_level(double t_now_s, ReadNoiseState& st, core::Rng& rng) const;

 private:
  WhiteRtnParams p_;
};

// Two read-noise slots hold the same unit: both empty, or the same type with the same written keys (to_config()).
bool same_read_noise(const ReadNoise* a, const ReadNoise* b);

}  // namespace pimtx::devices
