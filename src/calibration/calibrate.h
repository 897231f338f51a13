// The calibration driver behind `pimtx calibrate CONFIG.toml -o data/devices/NAME.h5`.
//
// Config (all keys under [calibrate]):
//   model  = "metal_oxide" | "gain_cell"
//   source = "csv" (measured data files below) | "reference" (the source parameter set, no fit)
//   metal_oxide + csv: iv_csv (g0_s, v_v, i_a) and/or pulse_csv (v_pulse_v, t_pulse_s, g_before_s, g_after_s)
//   gain_cell   + csv: retention_csv (cell, t_s, v_store_v) and/or read_csv (v_store_v, v_read_v, i_read_a),
//                      read_degree (3), read_offset_v (0.45)
//   metal_oxide + spice: g0_s, n_devices, v_step_v, spice_workers; [calibrate.array_check] sizes ([4, 8]; [] = off),
//                      n_patterns, g0_min_s, g0_max_s, v_min_v, v_max_v, r_wire_row_ohm, r_wire_col_ohm,
//                      r_driver_ohm, r_sense_ohm (array_check.h; results in the card's /device/array_check)
//   [calibrate.device]: base parameters of the model (its own keys, e.g. temperature_k), used where the data
//                      do not determine a parameter.
// Methods: one per device model, registered by name in registry.cpp (`model` selects it), one file each:
// metal_oxide_calibration.h, gain_cell_calibration.h, vteam_calibration.h.
// Contract: build() reads every key (so unknown keys are rejected before any work); run() fits and returns
// the card, showing a core::Progress line per stage. CSV problems are ConfigErrors naming file/line/column.
#pragma once

#include <memory>
#include <string>

#include "calibration/spice_runner.h"
#include "core/config.h"
#include "core/registry.h"
#include "devices/card.h"

namespace pimtx::calibration {

class Calibration {
 public:
  virtual ~Calibration() = default;
  virtual devices::DeviceCard run() = 0;
};

// Calibration methods by model name; the factory gets the [calibrate] table, `source` and the seed.
using CalibrationRegistry = core::Registry<Calibration, const std::string&, uint64_t>;
const CalibrationRegistry& calibration_registry();  // "gain_cell", "metal_oxide", "vteam"

// Shared by the methods: spice_workers (default 2) and the SPICE provenance of a card.
size_t read_spice_workers(core::Section& cal);
void put_provenance(devices::DeviceCard& c, const SpiceRun& r);

std::unique_ptr<Calibration> build_calibration(core::Section& cal, uint64_t seed, const std::string& config_text);

}  // namespace pimtx::calibration
