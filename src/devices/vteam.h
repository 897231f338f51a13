// VTEAM voltage-controlled threshold memristor (Kvatinsky et al., IEEE TCAS-II 62(8), 2015), integrated
// with Boost.Odeint; the same equations as the SPICE subcircuit in circuits/ (devices.md §2.9):
//   dx/dt = k_off·(v/v_off − 1)^α_off·(1 − x)   for v > v_off > 0     (x → 1: high resistance)
//         = k_on ·(v/v_on  − 1)^α_on ·x         for v < v_on  < 0     (k_on < 0: x → 0, low resistance)
//         = 0                                    otherwise
//   i = v / (R_on + (R_off − R_on)·x)           (linear I–V; window (1−x) / x)
// Default parameters: the "test set" of devices.md §2.3 (chosen, not from a paper): R_on 1 kΩ, R_off 100 kΩ,
// v_off 0.6 V, v_on −0.8 V, k_off 1e5 s⁻¹, k_on −2e5 s⁻¹ (normalised x), α = 3. Validity: |v| ≤ 2 V.
//
// Integration: pulse by pulse over the PWL breakpoints (no step straddles an edge), and each ramp is also cut
// where it crosses v_on/v_off, so the right-hand side is smooth on every piece; on each piece odeint's
// error-controlled Dormand–Prince 5(4) (tolerances ode_rtol_rel/ode_atol, optional ode_max_step_s).
// Stiffness: on a flat top the Jacobian is −|rate| ≤ |k|·(|v|/|v_th| − 1)^α, and the controller shrinks
// the step to keep |rate|·dt inside the stability region, which costs steps but never accuracy.
// rosenbrock4 (the L-stable choice of §2.9) does not compile with Boost 1.74's uBLAS under C++20
// (std::allocator::construct was removed), so it is not used.
//
// Variability, each in its own slot (STYLE.md §2–3):
//   d2d[0]: k_on, k_off × exp(k_d2d_sigma_rel·ξ0)      (lognormal, per device)
//   d2d[1]: v_on, v_off × (1 + v_th_d2d_sigma_rel·ξ1)   (normal, per device)
//   d2d[2]: R_on, R_off × exp(r_d2d_sigma_rel·ξ2)       (lognormal, per device)
//   c2c:    k × exp(k_c2c_sigma_rel·N(0,1)) drawn at the start of every pulse (switching event)
//   switching: "hazard" gate (switching.h): within a pulse the state moves only after ∫dt/τ(V) exceeds an
//              Exp(1) draw; with a null c2c Rng the draw is replaced by its median ln 2.
// A pulse starts at a breakpoint where v = 0 and the next segment is non-zero.
#pragma once

#include "core/config.h"
#include "devices/memristor.h"
#include "devices/switching.h"

namespace pimtx::devices {

struct VteamParams {
  double r_on_ohm = 1e3;
  double r_off_ohm = 1e5;
  double v_on_v = -0.8;
  double v_off_v = 0.6;
  double k_on_per_s = -2e5;
  double k_off_per_s = 1e5;
  double alpha_on_ratio = 3.0;
  double alpha_off_ratio = 3.0;
  double k_d2d_sigma_rel = 0.0;
  double v_th_d2d_sigma_rel = 0.0;
  double r_d2d_sigma_rel = 0.0;
  double k_c2c_sigma_rel = 0.0;
  double ode_rtol_rel = 1e-9;   // Dormand–Prince 5(4) error control, relative
  double ode_atol = 1e-11;      // Dormand–Prince 5(4) error control, absolute on the dimensionless state x
  double ode_max_step_s = 0.0;  // 0: no cap
  SwitchingParams switching;

  void validate() const;
  static VteamParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads, `type` included
  bool operator==(const VteamParams&) const = default;
};

class Vteam final : public MemristorModel {
 public:
  explicit Vteam(VteamParams p);
  [[nodiscard]] std::string type() const override { return "vteam"; }
  [[nodiscard]] const VteamParams& params() const { return p_; }

  [[nodiscard]] MemristorInstance make_instance(double g_init_s, core::Rng* d2d) const override;
  [[nodiscard]] double current_a(const MemristorInstance& dev, double v_v) const override;
  [[nodiscard]] double conductance_s(const MemristorInstance& dev) const override;
  void set_conductance(MemristorInstance& dev, double g_s) const override;
  void program(MemristorInstance& dev, const Waveform& w, core::Rng* c2c) const override;
  void program_pulse(MemristorInstance& dev, double v_pulse_v, double t_pulse_s, core::Rng* c2c) const override;
  [[nodiscard]] double g_min_s() const override { return 1.0 / p_.r_off_ohm; }
  [[nodiscard]] double g_max_s() const override { return 1.0 / p_.r_on_ohm; }

  // The device's effective (d2d-varied) parameters.
  [[nodiscard]] VteamParams effective(const MemristorInstance& dev) const;
  // dx/dt for parameters q at voltage v and state x (the SPICE B-source expression).
  static double dxdt(const VteamParams& q, double v_v, double x);
  // Integrate the state over w with the device's parameters, sampling x at the times `t_out_s` (sorted,
  // within the waveform). Deterministic (no c2c, no hazard gate). Returns x at each output time.
  [[nodiscard]] std::vector<double> trajectory(const MemristorInstance& dev, const Waveform& w,
                                               const std::vector<double>& t_out_s) const;

 private:
  VteamParams p_;
};

}  // namespace pimtx::devices
