// Calibration method "gain_cell" (registry.cpp): the 3T gain cell of devices/gain_cell.h.
//   source = "spice": write/hold/read transients of the 3T cell (circuits/gaincell.h): retention τ (median over
//   stored levels) and the read polynomial. source = "csv": retention_csv and/or read_csv. source =
//   "reference": the [calibrate.device] parameters as they are.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "calibration/calibrate.h"
#include "core/config.h"

namespace pimtx::calibration {

// Registry factory (registry.cpp): reads every key of [calibrate] the method needs; ConfigError on bad keys.
std::unique_ptr<Calibration> make_gain_cell_calibration(core::Section& cal, const std::string& source, uint64_t seed);

}  // namespace pimtx::calibration
