#include "xbar/registry.h"

#include "xbar/device_programming.h"
#include "xbar/encoding_differential.h"
#include "xbar/encoding_offset.h"

namespace pimtx::xbar {

const ProgrammingRegistry& programming_registry() {
  static const ProgrammingRegistry reg = [] {
    ProgrammingRegistry r("programming model");
    r.add("ideal", [](core::Section& s) {
      GaussianProgrammingParams p;
      p.g_min_s = s.get_double("g_min_s", p.g_min_s, core::Range::non_negative());
      p.g_max_s = s.get_double("g_max_s", p.g_max_s, core::Range::positive());
      return std::make_unique<GaussianProgramming>(p, "ideal");
    });
    r.add("gaussian", [](core::Section& s) {
      return std::make_unique<GaussianProgramming>(GaussianProgrammingParams::from_config(s));
    });
    r.add("device", [](core::Section& s) { return make_device_programming(s); });
    return r;
  }();
  return reg;
}

const AdcRegistry& adc_registry() {
  static const AdcRegistry reg = [] {
    AdcRegistry r("ADC");
    r.add("ideal", [](core::Section&, Eigen::Index, core::Rng*) { return std::make_unique<IdealAdc>(); });
    r.add("uniform", [](core::Section& s, Eigen::Index cols, core::Rng* d2d) {
      return std::make_unique<UniformAdc>(UniformAdcParams::from_config(s), cols, *d2d);
    });
    return r;
  }();
  return reg;
}

const SignedEncodingRegistry& signed_encoding_registry() {
  static const SignedEncodingRegistry reg = [] {
    SignedEncodingRegistry r("signed weight encoding");
    r.add("differential", [](core::Section&) { return std::make_unique<DifferentialEncoding>(); });
    r.add("offset", [](core::Section&) { return std::make_unique<OffsetEncoding>(); });
    return r;
  }();
  return reg;
}

}  // namespace pimtx::xbar
