// Interface of the two-terminal memristor models used by the crossbar simulator (src/xbar) and the
// calibration layer.
//
// Contract: a MemristorModel is immutable after construction (its const methods are thread-safe); all
// per-device state lives in a MemristorInstance owned by the caller and is mutated only by program()
// and set_conductance(). Units: volts, seconds, amperes, siemens. Randomness comes only from the Rng
// passed in: `d2d` draws (once per device, in make_instance) must use a different stream from run-time
// `c2c` draws (per switching event, in program) and read noise (ReadNoise, read_noise.h), so that the
// device population does not change when programming or read sequences change (STYLE.md §5).
// A null Rng pointer means "no variability" for that slot. Conductances stay in [g_min_s(), g_max_s()].
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <string>

#include "core/rng.h"
#include "devices/waveform.h"

namespace pimtx::devices {

// Per-device state. `state` is the model's internal variable (VTEAM: normalised x in [0,1], 1 = OFF;
// metal-oxide: nominal conductance G0 in S). `d2d` holds the device's fixed standard-normal draws, one
// per varied parameter (meaning documented by each model).
struct MemristorInstance {
  double state = 0.0;
  std::array<double, 4> d2d{};  // N(0,1) draws fixed at construction
};

class MemristorModel {
 public:
  virtual ~MemristorModel() = default;
  [[nodiscard]] virtual std::string type() const = 0;

  // A new device with (nominal, noise-free) read conductance g_init_s, clamped to the range. d2d may be null.
  [[nodiscard]] virtual MemristorInstance make_instance(double g_init_s, core::Rng* d2d) const = 0;
  // Noise-free DC current (A) at device voltage v_v, including the device's d2d I–V deviation.
  [[nodiscard]] virtual double current_a(const MemristorInstance& dev, double v_v) const = 0;
  // Nominal conductance (S) that defines the programmed state (VTEAM: 1/R(x); metal-oxide: G0).
  [[nodiscard]] virtual double conductance_s(const MemristorInstance& dev) const = 0;
  // Place the device at nominal conductance g_s (clamped), e.g. for ideal weight mapping.
  virtual void set_conductance(MemristorInstance& dev, double g_s) const = 0;
  // Apply a voltage waveform across the device (positive = towards higher conductance for the metal-oxide
  // device; polarity per model). c2c may be null (deterministic).
  virtual void program(MemristorInstance& dev, const Waveform& w, core::Rng* c2c) const = 0;
  // One rectangular pulse of amplitude v_pulse_v and width t_pulse_s.
  virtual void program_pulse(MemristorInstance& dev, double v_pulse_v, double t_pulse_s, core::Rng* c2c) const = 0;

  [[nodiscard]] virtual double g_min_s() const = 0;
  [[nodiscard]] virtual double g_max_s() const = 0;

  // Read law of the instance as the cubic I(V) = A1·V + A3·V³ used by the crossbar solvers: {A1 (S),
  // A3 (S/V²)}, d2d included. Default: the exact two-point fit of current_a() at v_fit_v/2 and v_fit_v, with
  // A3 set to 0 when below 1e-12 of A1·V² (a linear model such as vteam stays linear). Models whose read law
  // is this cubic (metal_oxide) return their own coefficients.
  [[nodiscard]] virtual std::array<double, 2> read_law(const MemristorInstance& dev, double v_fit_v) const {
    const double v1 = 0.5 * v_fit_v, v2 = v_fit_v;
    const double y1 = current_a(dev, v1) / v1, y2 = current_a(dev, v2) / v2;  // A1 + A3·V²
    double a3 = (y2 - y1) / (v2 * v2 - v1 * v1);
    const double a1 = y1 - a3 * v1 * v1;
    if (std::abs(a3) * v2 * v2 <= 1e-12 * std::abs(a1)) {
      a3 = 0.0;
    }
    return {a1, a3};
  }

 protected:
  // A device with its fixed d2d draws (N(0,1), from d2d if given, else 0); state is left for the model to set.
  static MemristorInstance draw_instance(core::Rng* d2d) {
    MemristorInstance dev;
    if (d2d != nullptr) {
      for (auto& z : dev.d2d) {
        z = d2d->normal();
      }
    }
    return dev;
  }
};

}  // namespace pimtx::devices
