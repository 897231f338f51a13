// Passive 0T1R metal-oxide memristor (Pt/Al2O3/TiO2−x; phenomenological model of the Strukov group, IEEE
// TNANO 2020, ieeexplore 9047174), as summarised in devices.md §2.7. Parameter values: the public
// implementation caixunshiren/pytorch-metal-oxide-memristor-crossbar, files memristor/params.yaml (static
// law) and memristor/dynamic_params.txt (all eight conductance bands of the pulse law; devices.md quotes only
// the 10–17.8 µS band). The temperature T in the static law is in °C there (params.yaml units "C-1S"), so we
// convert temperature_k to °C before applying it.
//
// Read I–V (validity |V| ≤ v_read_max_v = 0.4 V):
//   I = A1·V + A3·V³ + ξ·(σ_A1·V + σ_A3·V³),  ξ = d2d[0] ~ N(0,1) per device (times iv_d2d_scale_rel)
//   A1 = a0 + a1·G0 + a2·T,  A3 = b0·G0 + b1·G0² + b2·T^(−1.33)
//   σ_A1 = p0 + p1·G0 + p2·T + p3·G0²,  σ_A3 = q0 + q1·G0 + q2·T + q3·G0² + q4·G0·T
// Pulse programming (one rectangular pulse V_p, t_p; coefficients of the band containing G0):
//   SET   (V_p > 0): ΔG_m = c0·(1 − tanh(c1·(ln t_p − c2)))·(tanh(c3·V_p − c4) + 1)
//   RESET (V_p < 0): ΔG_m = c0·(−1 − tanh(c1·(ln t_p − c2)))·(tanh(c3·V_p − c4) − 1)
//   ΔG = ΔG_m·(1 + ζ·(d0 + d1·(ln t_p)² + d2·V_p·ln t_p + d3·V_p²·ln t_p + d4·V_p³))·(1 + σ_c2c·N(0,1))
//   ζ = d2d[1] per device (times update_d2d_scale_rel); G0 clamped to [g_min_s, g_max_s] = [3.16, 316] µS.
// Validity of the pulse law: SET 0.8–1.15 V, RESET −0.8…−1.5 V, t_p around 0.5 ms, T = 333 K (the operating
// conditions of the source). A PWL waveform is cut into pulses (runs of non-zero voltage); each pulse acts as
// a rectangular pulse of its peak amplitude and equivalent width ∫|V|dt / |V_peak|.
// The pulse law is a closed-form map per pulse (that is how the source model is defined), so no ODE is
// integrated here; with the `switching` slot set to "hazard", a pulse changes G only with probability
// 1 − exp(−t_p/τ(V_p)).
#pragma once

#include <array>
#include <vector>

#include "core/config.h"
#include "devices/memristor.h"
#include "devices/switching.h"

namespace pimtx::devices {

// Pulse-law coefficients of one conductance band [g_lo_s, g_hi_s).
struct PulseBand {
  double g_lo_s = 0;
  double g_hi_s = 0;
  std::array<double, 5> c_set{}, d_set{}, c_reset{}, d_reset{};
  bool operator==(const PulseBand&) const = default;
};

struct MetalOxideParams {
  double temperature_k = 333.15;
  double g_min_s = 3.16e-6;
  double g_max_s = 316e-6;
  double v_read_max_v = 0.4;
  // Static law, SI with T in °C: A1 = a[0] + a[1]·G0 + a[2]·T;  A3 = b[0]·G0 + b[1]·G0² + b[2]·T^b[3].
  std::array<double, 3> a1_law_si{-2.58e-6, 0.977, 1.166e-7};
  std::array<double, 4> a3_law_si{1.18, 6596.0, 1.605e-3, -1.33};
  std::array<double, 4> sigma_a1_law_si{-1.07e-6, 0.25, 2.20e-8, -1300.0};
  std::array<double, 5> sigma_a3_law_si{1.17e-5, 1.30, -1.0e-7, -6500.0, -2.50e-3};
  double iv_d2d_scale_rel = 1.0;      // multiplies ξ·σ (0: no I–V d2d)
  double update_d2d_scale_rel = 1.0;  // multiplies ζ·(d-polynomial) (0: no update d2d)
  double update_c2c_sigma_rel = 0.0;  // per-pulse relative spread of ΔG
  // Config key pulse_bands_si: flat (n_bands, 22) array g_lo_s, g_hi_s, c_set, d_set, c_reset, d_reset.
  std::vector<PulseBand> bands = default_bands();
  SwitchingParams switching;

  void validate() const;
  static MetalOxideParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads, `type` included
  static std::vector<PulseBand> default_bands();
  bool operator==(const MetalOxideParams&) const = default;
};

class MetalOxide final : public MemristorModel {
 public:
  explicit MetalOxide(MetalOxideParams p);
  [[nodiscard]] std::string type() const override { return "metal_oxide"; }
  [[nodiscard]] const MetalOxideParams& params() const { return p_; }

  [[nodiscard]] MemristorInstance make_instance(double g_init_s, core::Rng* d2d) const override;
  [[nodiscard]] double current_a(const MemristorInstance& dev, double v_v) const override;
  [[nodiscard]] double conductance_s(const MemristorInstance& dev) const override { return dev.state; }
  void set_conductance(MemristorInstance& dev, double g_s) const override;
  void program(MemristorInstance& dev, const Waveform& w, core::Rng* c2c) const override;
  void program_pulse(MemristorInstance& dev, double v_pulse_v, double t_pulse_s, core::Rng* c2c) const override;
  [[nodiscard]] double g_min_s() const override { return p_.g_min_s; }
  [[nodiscard]] double g_max_s() const override { return p_.g_max_s; }
  // The terms of current_a(): {A1 + s·σ_A1, A3 + s·σ_A3}, s = iv_d2d_scale_rel·ξ (v_fit_v unused: exact).
  [[nodiscard]] std::array<double, 2> read_law(const MemristorInstance& dev, double v_fit_v) const override;

  // Mean A1 (S) and A3 (S/V²) and their d2d standard deviations at nominal conductance g0_s.
  [[nodiscard]] std::array<double, 4> iv_coefficients(double g0_s) const;
  // ΔG_m (S) of the nominal device (no d2d, no c2c, no clamp) for a pulse starting at g0_s.
  [[nodiscard]] double delta_g_nominal_s(double g0_s, double v_pulse_v, double t_pulse_s) const;
  // The d2d relative sensitivity polynomial (d-terms) of the band containing g0_s.
  [[nodiscard]] double delta_g_d2d_rel(double g0_s, double v_pulse_v, double t_pulse_s) const;
  [[nodiscard]] const PulseBand& band(double g0_s) const;

 private:
  MetalOxideParams p_;
};

}  // namespace pimtx::devices
