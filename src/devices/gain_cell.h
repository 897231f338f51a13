// Gain-cell (2T/3T eDRAM) storage-node model, devices.md §3.2–3.4.
//
// Write: V_SN = V_write + sqrt(k_B·T/C_SN)·N(0,1) (kT/C noise of opening the write switch; ≈ 2 mV at 1 fF).
// Hold (retention slot `retention.type`):
//   "exponential"  V_SN(t) = V_hold + (V_SN(0) − V_hold)·exp(−t/τ_cell), τ_cell = tau_ret_s·exp(σ·ξ), ξ ~ N(0,1)
//                  per cell (lognormal per-cell retention, Meinerzhagen/Teman/Burg; σ = tau_ret_d2d_sigma_rel).
//   "leakage_ode"  C_SN·dV/dt = −I_leak, subthreshold write-transistor leakage with DIBL:
//                  I_leak = i0·exp(σ·ξ)·exp((v_wwl_hold − V_hold − v_t + η·(V − V_hold))/(n·kT/q))
//                          ·(1 − exp(−(V − V_hold)/(kT/q))),  integrated with Boost.Odeint (Dormand–Prince 5(4),
//                          rtol 1e-10, atol 1e-12 V; rosenbrock4 needs uBLAS, which fails under C++20).
//                  The DIBL term makes the decay accelerate as in the BSIM4 transient of §3.3.
// Read: I_read = Σ_{i+j ≤ degree} c_ij·(V_SN − v_store_offset_v)^i·V_read^j, V_read = read word-line (RWL)
//   level of the 3T cell, RBL at its fixed level (0.45 V in the SPICE calibration); coefficients fitted to SPICE by
//   `pimtx calibrate` (src/calibration), valid only inside [v_store_min_v, v_store_max_v] × [v_read_min_v,
//   v_read_max_v]; outside it throws.
// Device-to-device read spread (card version 2, from a SPICE Monte Carlo of Pelgrom V_T mismatch): cell k reads
//   I_k(V_SN, V_read) = (1 + gain_d2d_sigma_rel·ξ_g)·I(V_SN − v_shift_d2d_sigma_v·ξ_v, V_read), ξ ~ N(0,1) per cell.
// Outside the fitted V_SN range the extended read law (eval_extended, read_current_cell_a) continues the polynomial
// below v_store_min_v as the exponential I(v_min)·exp(k·(V − v_min)) with k = I'(v_min)/I(v_min) (value and slope
// continuous: the moderate-inversion roll-off toward subthreshold, devices.md §3.3 table), and above v_store_max_v
// linearly with the polynomial's slope there (the decayed nodes of a KV cache fall below the fitted range).
// Energy (card version 2, [energy]): e_write_j per cell write and e_read_j per cell read of duration t_read_s,
// integrated from the supply currents of the calibration transients; 0 = not measured.
// Default numbers: tau_ret_s = 1.39e-4 s from the BSIM4-default 3T cell of §3.3 (half-life 96 µs → τ =
// 96 µs / ln 2); C_SN = 1 fF; no default read polynomial (it must come from a calibration card).
//
// Contract: GainCell is immutable after construction; per-cell state (GainCellInstance) is mutated by write()
// and hold(). d2d draws (make_instance) and write noise use separate Rng streams chosen by the caller.
// Units: V, s, F, A.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/rng.h"

namespace pimtx::devices {

struct ReadPolynomial {
  int n_degree = 3;
  double v_store_offset_v = 0.45;
  std::vector<double> coef_si;  // ordered i = 0..deg, j = 0..deg−i (A/V^(i+j))
  double v_store_min_v = 0.0, v_store_max_v = 0.9;
  double v_read_min_v = 0.0, v_read_max_v = 0.9;
  double v_shift_d2d_sigma_v = 0.0;  // σ of the per-cell V_SN shift (storage-transistor V_T mismatch)
  double gain_d2d_sigma_rel = 0.0;   // σ of the per-cell relative current factor

  [[nodiscard]] static size_t n_terms(int degree) { return static_cast<size_t>((degree + 1) * (degree + 2) / 2); }
  // The basis values for (vs, vr), in coefficient order.
  [[nodiscard]] std::vector<double> basis(double v_store_v, double v_read_v) const;
  // I_read (A); NumericError outside the validity box, ConfigError if there are no coefficients.
  [[nodiscard]] double eval(double v_store_v, double v_read_v) const;
  // eval() continued outside [v_store_min_v, v_store_max_v] (see the file header); v_read_v must be inside.
  [[nodiscard]] double eval_extended(double v_store_v, double v_read_v) const;
  bool operator==(const ReadPolynomial&) const = default;
};

struct GainCellParams {
  double c_store_f = 1e-15;
  double temperature_k = 300.0;
  double v_hold_v = 0.0;
  bool write_noise = true;
  std::string retention = "exponential";  // "exponential" | "leakage_ode"
  double tau_ret_s = 1.39e-4;
  double tau_ret_d2d_sigma_rel = 0.0;  // σ of ln τ (or ln i0) per cell
  double i0_a = 1e-7;                  // leakage_ode: subthreshold current at V_GS = V_T
  double v_t_v = 0.4;
  double n_ratio = 1.5;
  double dibl_ratio = 0.1;
  double v_wwl_hold_v = 0.0;
  ReadPolynomial read;
  double e_write_j = 0.0;  // [energy] per cell write (0 = not measured)
  double e_read_j = 0.0;   // [energy] per cell read of t_read_s
  double t_read_s = 0.0;   // [energy] read duration e_read_j refers to

  void validate() const;
  static GainCellParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const GainCellParams&) const = default;
};

struct GainCellInstance {
  double v_store_v = 0.0;
  double d2d = 0.0;        // ξ ~ N(0,1), per cell (retention)
  double d2d_shift = 0.0;  // ξ_v ~ N(0,1) (read V_SN shift)
  double d2d_gain = 0.0;   // ξ_g ~ N(0,1) (read current factor)
};

class GainCell {
 public:
  explicit GainCell(GainCellParams p);
  [[nodiscard]] const GainCellParams& params() const { return p_; }

  [[nodiscard]] GainCellInstance make_instance(core::Rng* d2d) const;
  // Write v_write_v; noise may be null (no kT/C noise).
  void write(GainCellInstance& cell, double v_write_v, core::Rng* noise) const;
  // Let the node decay for t_hold_s.
  void hold(GainCellInstance& cell, double t_hold_s) const;
  // Nominal read law at the cell's node voltage (throws outside the fitted range).
  [[nodiscard]] double read_current_a(const GainCellInstance& cell, double v_read_v) const;
  // Read with the cell's d2d read spread and the extended law (valid for any V_SN).
  [[nodiscard]] double read_current_cell_a(const GainCellInstance& cell, double v_read_v) const;
  // kT/C write-noise standard deviation (V).
  [[nodiscard]] double write_noise_sigma_v() const;
  // Cell retention time constant (exponential retention).
  [[nodiscard]] double tau_cell_s(const GainCellInstance& cell) const;
  // Leakage current (A) at node voltage v for this cell (leakage_ode retention).
  [[nodiscard]] double leakage_a(const GainCellInstance& cell, double v_v) const;

 private:
  GainCellParams p_;
};

}  // namespace pimtx::devices
