// Explicit unit lists of xbar; each add() carries the unit's example config (core/registry.h), which
// contract_test.cpp builds and exercises.
#include "xbar/registry.h"

#include "xbar/device_programming.h"
#include "xbar/encoding_differential.h"
#include "xbar/encoding_offset.h"

namespace pimtx::xbar {

const ProgrammingRegistry& programming_registry() {
  static const ProgrammingRegistry reg = [] {
    ProgrammingRegistry r("programming model");
    r.add(
        "ideal",
        [](core::Section& s) {
          GaussianProgrammingParams p;
          p.g_min_s = s.get_double("g_min_s", p.g_min_s, core::Range::non_negative());
          p.g_max_s = s.get_double("g_max_s", p.g_max_s, core::Range::positive());
          return std::make_unique<GaussianProgramming>(p, "ideal");
        },
        "type = \"ideal\"\ng_min_s = 1e-5\ng_max_s = 1e-4\n");
    r.add(
        "gaussian",
        [](core::Section& s) {
          return std::make_unique<GaussianProgramming>(GaussianProgrammingParams::from_config(s));
        },
        "type = \"gaussian\"\ng_d2d_sigma_rel = 0.05\ng_c2c_sigma_rel = 0.01\npulse_d2d_sigma_rel = 0.1\n");
    r.add(
        "device", [](core::Section& s) { return make_device_programming(s); },
        "type = \"device\"\ndevice_card = \"data/devices/tiox_passive.h5\"\nn_max_pulses = 400\n"
        "rand_v_min_v = 0.9\n");
    return r;
  }();
  return reg;
}

const AdcRegistry& adc_registry() {
  static const AdcRegistry reg = [] {
    AdcRegistry r("ADC");
    r.add(
        "ideal", [](core::Section&, Eigen::Index, core::Rng*) { return std::make_unique<IdealAdc>(); },
        "type = \"ideal\"\n");
    r.add(
        "uniform",
        [](core::Section& s, Eigen::Index cols, core::Rng* d2d) {
          return std::make_unique<UniformAdc>(UniformAdcParams::from_config(s), cols, *d2d);
        },
        "type = \"uniform\"\nn_bits = 6\ncalibration_margin_rel = 1.1\noffset_sigma_v = 1e-3\nnoise_sigma_v = 5e-4\n");
    return r;
  }();
  return reg;
}

const SignedEncodingRegistry& signed_encoding_registry() {
  static const SignedEncodingRegistry reg = [] {
    SignedEncodingRegistry r("signed weight encoding");
    r.add(
        "differential", [](core::Section&) { return std::make_unique<DifferentialEncoding>(); },
        "type = \"differential\"\n");
    r.add(
        "offset", [](core::Section&) { return std::make_unique<OffsetEncoding>(); }, "type = \"offset\"\n");
    return r;
  }();
  return reg;
}

}  // namespace pimtx::xbar
