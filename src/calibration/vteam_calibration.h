// Calibration method "vteam" (registry.cpp): the VTEAM threshold memristor of devices/vteam.h.
//   source = "spice": a population drawn from [calibrate.device] with its spreads, characterised with the
//   read-only protocol of vteam_fit.h, fitted, then verified out of sample (conductance-update mean/std vs a
//   fresh SPICE population at verify_pulses). source = "reference": the [calibrate.device] parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "calibration/calibrate.h"
#include "core/config.h"

namespace pimtx::calibration {

// Registry factory (registry.cpp): reads every key of [calibrate] the method needs; ConfigError on bad keys.
std::unique_ptr<Calibration> make_vteam_calibration(core::Section& cal, const std::string& source, uint64_t seed);

}  // namespace pimtx::calibration
