// Explicit unit lists of the device layer (no self-registration: static linking would drop it).
#include "devices/registry.h"

#include "devices/metal_oxide.h"
#include "devices/vteam.h"

namespace pimtx::devices {

const MemristorRegistry& memristor_registry() {
  static const MemristorRegistry r = [] {
    MemristorRegistry reg("memristor model");
    reg.add("vteam", [](core::Section& s) { return std::make_unique<Vteam>(VteamParams::from_config(s)); });
    reg.add("metal_oxide",
            [](core::Section& s) { return std::make_unique<MetalOxide>(MetalOxideParams::from_config(s)); });
    return reg;
  }();
  return r;
}

const ReadNoiseRegistry& read_noise_registry() {
  static const ReadNoiseRegistry r = [] {
    ReadNoiseRegistry reg("read noise model");
    reg.add("none", [](core::Section&) { return std::make_unique<NoReadNoise>(); });
    reg.add("white_rtn",
            [](core::Section& s) { return std::make_unique<WhiteRtnNoise>(WhiteRtnParams::from_config(s)); });
    return reg;
  }();
  return r;
}

}  // namespace pimtx::devices
