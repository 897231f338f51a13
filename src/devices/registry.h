// Registries of the device layer (STYLE.md §2): models are selected by `type` in a config table, e.g.
//   [xbar.device]  type = "metal_oxide", temperature_k = 333.15
//   [xbar.device.read_noise]  type = "white_rtn", white_sigma_rel = 0.02
// Contract: the lists are explicit (registry.cpp); create() reads every key of the unit's table, so the
// owner's Config::check_unknown() can reject misspelt keys afterwards.
#pragma once

#include <memory>

#include "core/registry.h"
#include "devices/memristor.h"
#include "devices/read_noise.h"

namespace pimtx::devices {

using MemristorRegistry = core::Registry<MemristorModel>;
using ReadNoiseRegistry = core::Registry<ReadNoise>;

const MemristorRegistry& memristor_registry();   // "vteam", "metal_oxide"
const ReadNoiseRegistry& read_noise_registry();  // "none", "white_rtn"

}  // namespace pimtx::devices
