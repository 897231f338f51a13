// Calibration method "metal_oxide" (registry.cpp): the passive TiOx device of devices/metal_oxide.h.
//   source = "spice": DC I–V sweeps of n_devices devices per conductance g0_s on the device bench (SPICE Monte
//   Carlo over d2d), fit of the mean and σ laws, then the small-array read check ([calibrate.array_check],
//   array_check.h) against xbar's nodal solver; the pulse law stays the reference one (the subcircuit models
//   the read I–V only). source = "csv": iv_csv and/or pulse_csv (measured_data.h). source = "reference": the
//   [calibrate.device] parameters as they are.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "calibration/calibrate.h"
#include "core/config.h"

namespace pimtx::calibration {

// Registry factory (registry.cpp): reads every key of [calibrate] the method needs; ConfigError on bad keys.
std::unique_ptr<Calibration> make_metal_oxide_calibration(core::Section& cal, const std::string& source, uint64_t seed);

}  // namespace pimtx::calibration
