// Contract tests of the device registries over every registered unit, from its example config (tests/contract.h):
// memristor models (a pulse train's conductances, currents and read law) and read-noise models (noisy samples).
// Bounds and the zero-pulse rule of the memristor interface: "memristor contract" in vteam_test.cpp.
#include "tests/contract.h"

#include <catch2/catch.hpp>

#include "devices/registry.h"

using namespace pimtx;
using namespace pimtx::devices;

namespace {

contract::Outcome run_memristor(const std::string& text, uint64_t seed) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  auto m = memristor_registry().create(sec, "vteam");
  cfg.check_unknown();
  core::Rng d2d(seed, "devices.d2d");
  core::Rng c2c(seed, "devices.c2c");
  auto dev = m->make_instance(std::sqrt(m->g_min_s() * m->g_max_s()), &d2d);
  // Pulse widths where both models move by a fraction of their window per pulse (vteam: µs; metal-oxide: 0.5 ms).
  const double t_pulse_s = m->type() == "vteam" ? 2e-6 : 5e-4;
  contract::Outcome o;
  for (int k = 0; k < 20; ++k) {
    m->program_pulse(dev, k % 3 == 2 ? -1.2 : 1.0, t_pulse_s, &c2c);
    o.output.push_back(m->conductance_s(dev));
    o.output.push_back(m->current_a(dev, 0.1 * (k % 4 + 1)));
  }
  const auto law = m->read_law(dev, 0.2);
  o.output.insert(o.output.end(), law.begin(), law.end());
  o.resolved = cfg.resolved_text();
  return o;
}

contract::Outcome run_read_noise(const std::string& text, uint64_t seed) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  auto unit = read_noise_registry().create(sec, "none");
  cfg.check_unknown();
  core::Rng rng(seed, "devices.read_noise");
  ReadNoiseState st;
  contract::Outcome o;
  for (int k = 0; k < 64; ++k) {
    o.output.push_back(unit->apply(1e-5 * (1 + k % 5), 0.2, k * 1e-6, st, rng));
  }
  o.resolved = cfg.resolved_text();
  return o;
}

}  // namespace

TEST_CASE("contract: every memristor model from its example", "[devices][contract]") {
  contract::check_registry("memristor", memristor_registry(), run_memristor);
}

TEST_CASE("contract: every read-noise model from its example, and white_rtn with no noise is none",
          "[devices][contract]") {
  contract::check_registry("read_noise", read_noise_registry(), run_read_noise);
  // Degenerate case (read_noise.h): every amplitude 0 adds exactly nothing: I·(1 + 0) + 0.
  contract::check_same_outputs(
      run_read_noise, "type = \"white_rtn\"\nwhite_sigma_rel = 0\nthermal_bandwidth_hz = 0\nrtn_amplitude_rel = 0\n",
      "type = \"none\"\n", 0.0);
}
