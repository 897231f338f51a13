// Explicit unit lists of the device layer (no self-registration: static linking would drop it). Each add() carries
// the unit's example config (core/registry.h), which contract_test.cpp builds and exercises.
#include "devices/registry.h"

#include "devices/metal_oxide.h"
#include "devices/vteam.h"

namespace pimtx::devices {

const MemristorRegistry& memristor_registry() {
  static const MemristorRegistry r = [] {
    MemristorRegistry reg("memristor model");
    reg.add(
        "vteam", [](core::Section& s) { return std::make_unique<Vteam>(VteamParams::from_config(s)); },
        "type = \"vteam\"\nk_c2c_sigma_rel = 0.1\nk_d2d_sigma_rel = 0.2\n"
        "[switching]\ntype = \"hazard\"\ntau0_s = 1e-2\nv0_v = 0.1\n");
    reg.add(
        "metal_oxide", [](core::Section& s) { return std::make_unique<MetalOxide>(MetalOxideParams::from_config(s)); },
        "type = \"metal_oxide\"\ntemperature_k = 313.15\nupdate_c2c_sigma_rel = 0.1\n");
    return reg;
  }();
  return r;
}

const ReadNoiseRegistry& read_noise_registry() {
  static const ReadNoiseRegistry r = [] {
    ReadNoiseRegistry reg("read noise model");
    reg.add(
        "none", [](core::Section&) { return std::make_unique<NoReadNoise>(); }, "type = \"none\"\n");
    reg.add(
        "white_rtn", [](core::Section& s) { return std::make_unique<WhiteRtnNoise>(WhiteRtnParams::from_config(s)); },
        "type = \"white_rtn\"\nwhite_sigma_rel = 0.02\nthermal_bandwidth_hz = 1e8\n"
        "rtn_amplitude_rel = -0.05\nrtn_tau_low_s = 2e-6\nrtn_tau_high_s = 1e-6\n");
    return reg;
  }();
  return r;
}

}  // namespace pimtx::devices
