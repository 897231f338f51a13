// Programming slot of xbar (STYLE.md §2): how a target conductance, or a random pulse train from the
// reset state, becomes a device's actual conductance and read law.
//
// Contract: a ProgrammingModel is immutable (const methods, thread-safe). Randomness comes only from the
// Rngs passed in: `d2d` is the device's own stream (the caller derives it from (seed, "xbar.d2d", cell),
// so the same cell always gets the same device-to-device draws), `c2c` a run-time stream advanced per
// programming event. Conductances in siemens stay in [g_min_s(), g_max_s()]. Units: S, S/V².
// Units registered in registry.cpp:
//   "ideal"     "gaussian" with every sigma 0: exact targets, linear cells.
//   "gaussian"  target·(1 + g_d2d_sigma_rel·ξ) + g_c2c_sigma_rel·(g_max − g_min)·N(0,1) per event, clamped;
//               random pulses: n_pulses SET pulses from g_min, each ΔG = dg_pulse_rel·(g_max − g_min)·
//               (1 + pulse_d2d_sigma_rel·ζ)·U(0, 2), a stand-in for a pulse law with device spread.
//   "device"    cells are devices::MemristorModel instances (metal_oxide pulse law, A1/A3 read law with the
//               instance's d2d), from a device card or the model's own parameters: device_programming.h.
// read_law() receives a fresh copy of the same d2d stream as program(), so both see one device.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/rng.h"

namespace pimtx::xbar {

class ProgrammingModel {
 public:
  virtual ~ProgrammingModel() = default;
  [[nodiscard]] virtual std::string type() const = 0;
  [[nodiscard]] virtual double g_min_s() const = 0;
  [[nodiscard]] virtual double g_max_s() const = 0;
  // One programming event from conductance g_now_s towards g_target_s; returns the achieved conductance.
  // Write-verify (mapping.h) calls it again with the read-back value. n_pulses (if given) is increased by the
  // number of programming pulses this event applied (gaussian: 1 per event; device: the planned train).
  virtual double program(double g_now_s, double g_target_s, core::Rng& d2d, core::Rng& c2c,
                         int64_t* n_pulses = nullptr) const = 0;
  // Reset the device, then apply n_pulses random programming pulses; returns the final conductance.
  virtual double random_pulses(int n_pulses, core::Rng& d2d, core::Rng& c2c) const = 0;
  // Read law of a device at nominal conductance g_s: {a1 (S), a3 (S/V²)}.
  [[nodiscard]] virtual std::array<double, 2> read_law(double g_s, core::Rng& d2d) const {
    (void)d2d;
    return {g_s, 0.0};
  }
};

struct GaussianProgrammingParams {
  double g_min_s = 3.16e-6;  // devices.md §2.7 metal-oxide range
  double g_max_s = 316e-6;
  double g_d2d_sigma_rel = 0.0;
  double g_c2c_sigma_rel = 0.0;
  double dg_pulse_rel = 0.02;
  double pulse_d2d_sigma_rel = 0.0;
  void validate() const;
  static GaussianProgrammingParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads (not `type`)
  bool operator==(const GaussianProgrammingParams&) const = default;
};

class GaussianProgramming final : public ProgrammingModel {
 public:
  explicit GaussianProgramming(GaussianProgrammingParams p, std::string type_name = "gaussian");
  [[nodiscard]] std::string type() const override { return type_; }
  [[nodiscard]] double g_min_s() const override { return p_.g_min_s; }
  [[nodiscard]] double g_max_s() const override { return p_.g_max_s; }
  double program(double g_now_s, double g_target_s, core::Rng& d2d, core::Rng& c2c,
                 int64_t* n_pulses = nullptr) const override;
  double random_pulses(int n_pulses, core::Rng& d2d, core::Rng& c2c) const override;

 private:
  GaussianProgrammingParams p_;
  std::string type_;
};

}  // namespace pimtx::xbar
