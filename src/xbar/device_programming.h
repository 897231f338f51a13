// Programming unit "device" (programming.h slot): every cell is a devices::MemristorModel instance
// (registry of src/devices, e.g. "metal_oxide" with its per-band pulse law ΔG(V_p, t_p), d2d drawn in
// make_instance and c2c in program_pulse), so the programming error, the conductance spread of random
// programming and the cell read law are what the device model produces — nothing is re-modelled here.
//
// Device parameters: `device_card = "path"` (a calibrated card, devices/card.h, read with
// load_device_card() and fed to the model's from_config() through to_toml()), or else a `[device]` sub-table
// with the model's own keys (`type = "metal_oxide"` by default). Both at once is a ConfigError. A card's
// validity ranges `v_set_v` / `v_reset_v` are enforced on the pulse amplitudes below.
//
// Writing a target (program()): the programmer knows only the nominal law (no d2d, no c2c). From the device's
// present conductance it plans a train of identical pulses (SET v_set_v or RESET v_reset_v, width t_pulse_s)
// on a nominal twin and stops when the next pulse would no longer bring the twin closer to the target (so the
// nominal residual is at most half a step, ≈ 1 µS at 1 V / 0.5 ms for metal_oxide). The real device receives
// the same pulses with its own d2d update factor and per-pulse c2c, and ends where the model puts it.
// Write-verify (mapping.h n_write_verify) calls program() again from the read-back conductance: each round
// re-plans from the actual state, so the residual shrinks towards the pulse granularity.
// Random programming (random_pulses(), hash planes; Mao et al. 2022 / Cai et al. 2024, papers.md §2): the
// device is reset to g_reset_s (0 = the model's g_min_s, the end state of a long RESET train) and receives
// n_pulses pulses of width rand_t_pulse_s whose amplitudes are uniform in [rand_v_min_v, rand_v_max_v]
// (a negative range gives RESET pulses) — the conductance spread that results (random amplitudes through the
// tanh pulse law, the device's d2d update factor, c2c) is the random plane.
// Read law (read_law()): {A1, A3} of the programmed instance, from MemristorModel::read_law() (memristor.h):
// metal_oxide returns the terms of its current_a() (A1, A3 at G0 plus iv_d2d_scale_rel·ξ·(σ_A1, σ_A3)); other
// models the exact two-point fit at v_fit_v/2 and v_fit_v (a linear model such as vteam stays linear).
//
// Contract: as ProgrammingModel. The instance's d2d draws come from the `d2d` Rng passed in (a fresh copy
// of the cell's stream at every call, so program() and read_law() see the same device); random amplitudes
// and c2c come from `c2c`. Conductances stay in the model's [g_min_s, g_max_s].
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/config.h"
#include "devices/card.h"
#include "devices/memristor.h"
#include "xbar/programming.h"

namespace pimtx::xbar {

struct DeviceProgrammingParams {
  double v_set_v = 1.0;         // metal_oxide SET validity 0.8–1.15 V (devices.md §2.7)
  double v_reset_v = -1.2;      // metal_oxide RESET validity −0.8…−1.5 V
  double t_pulse_s = 5e-4;      // the source model's operating width
  int64_t n_max_pulses = 2000;  // per programming event
  double g_reset_s = 0.0;       // reset state of random programming; 0 = model g_min_s
  double rand_v_min_v = 0.8;    // random-pulse amplitude range (same sign; negative = RESET)
  double rand_v_max_v = 1.15;
  double rand_t_pulse_s = 5e-4;
  double v_fit_v = 0.2;  // read-law extraction voltage for models other than metal_oxide
  // "full": I = A1·V + A3·V³ (every read is a nonlinear Newton solve of the array). "linear": drop the cubic
  // term and keep A1 with its d2d part (the small-signal read law): the array becomes linear, so a programmed
  // tile reduces to one effective matrix — orders of magnitude faster for model-scale sweeps. The price is the
  // read nonlinearity (A3·V²/A1 ≈ 0.2 at 0.4 V for the TiOx device); experiments using it say so and check
  // the full law on a shorter run.
  std::string read_law = "full";
  void validate() const;
  // Reads the keys above from s (the [programming] table itself).
  static DeviceProgrammingParams from_config(core::Section& s);
  // Writes the keys above (not `type`, `device_card` or `[device]`: the programming_registry() factory reads those).
  void to_config(core::Section& s) const;
  bool operator==(const DeviceProgrammingParams&) const = default;
};

// The model a memristor device card describes, with the checks applied when a card is read (its keys through
// the model's from_config(): finite, in range, no unknown key); ConfigError naming `origin` otherwise.
// pimtx calibrate runs it before writing a card, so it never writes one that reading rejects.
std::shared_ptr<const devices::MemristorModel> memristor_model_from_card(const devices::DeviceCard& card,
                                                                         const std::string& origin);
// The memristor model selected by s: device_card (if given) or the [device] sub-table of s.
// `validity` receives the card's validity ranges (empty for model parameters).
std::shared_ptr<const devices::MemristorModel> load_memristor_model(
    core::Section& s, std::map<std::string, std::pair<double, double>>* validity);

class DeviceProgramming final : public ProgrammingModel {
 public:
  DeviceProgramming(DeviceProgrammingParams p, std::shared_ptr<const devices::MemristorModel> model);
  [[nodiscard]] std::string type() const override { return "device"; }
  [[nodiscard]] double g_min_s() const override { return model_->g_min_s(); }
  [[nodiscard]] double g_max_s() const override { return model_->g_max_s(); }
  double program(double g_now_s, double g_target_s, core::Rng& d2d, core::Rng& c2c,
                 int64_t* n_pulses = nullptr) const override;
  double random_pulses(int n_pulses, core::Rng& d2d, core::Rng& c2c) const override;
  [[nodiscard]] std::array<double, 2> read_law(double g_s, core::Rng& d2d) const override;

  [[nodiscard]] const devices::MemristorModel& model() const { return *model_; }
  [[nodiscard]] const DeviceProgrammingParams& params() const { return p_; }

 private:
  DeviceProgrammingParams p_;
  std::shared_ptr<const devices::MemristorModel> model_;
};

// Registry factory: params from s, model from device_card / [device] (validity ranges checked).
std::unique_ptr<ProgrammingModel> make_device_programming(core::Section& s);

}  // namespace pimtx::xbar
