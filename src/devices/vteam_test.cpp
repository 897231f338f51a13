#include "devices/vteam.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/config.h"
#include "core/errors.h"
#include "devices/registry.h"

using namespace pimtx;
using namespace pimtx::devices;

TEST_CASE("vteam: flat-top pulse matches the closed-form solution", "[devices][vteam]") {
  // On the flat top dx/dt = r·(1 − x) with constant r, so x = 1 − (1 − x0)·exp(−r·t). Edges are 1e-6 of the
  // width, so their contribution is below 1e-6·r·t_p; tolerance 1e-6 covers that plus the 1e-9 ODE control.
  VteamParams p;
  Vteam m(p);
  MemristorInstance dev;
  dev.state = 0.2;
  const double v = 0.9;
  const double tp = 2e-5;
  const double r = p.k_off_per_s * std::pow(v / p.v_off_v - 1, 3);
  m.program_pulse(dev, v, tp, nullptr);
  CHECK(dev.state == Approx(1 - 0.8 * std::exp(-r * tp)).margin(1e-6));
  // RESET direction: dx/dt = r_on·x, r_on < 0.
  dev.state = 0.9;
  const double vn = -1.1;
  const double ron = p.k_on_per_s * std::pow(vn / p.v_on_v - 1, 3);
  m.program_pulse(dev, vn, tp, nullptr);
  CHECK(dev.state == Approx(0.9 * std::exp(ron * tp)).margin(1e-6));
}

TEST_CASE("vteam: sub-threshold pulses do not move the state", "[devices][vteam]") {
  Vteam m(VteamParams{});
  MemristorInstance dev;
  dev.state = 0.37;
  m.program_pulse(dev, 0.59, 1e-3, nullptr);
  m.program_pulse(dev, -0.79, 1e-3, nullptr);
  CHECK(dev.state == 0.37);
}

TEST_CASE("vteam: hazard gate switches with probability 1 - exp(-t/tau(V))", "[devices][vteam]") {
  VteamParams p;
  p.switching.type = "hazard";
  p.switching.tau0_s = 1e-2;
  p.switching.v0_v = 0.1;
  Vteam m(p);
  const double v = 0.8;
  const double tp = 3e-6;  // τ(0.8 V) = 1e-2·e^{−8} = 3.35 µs → P ≈ 0.59
  const double prob = switch_probability(p.switching, v, tp);
  REQUIRE(prob > 0.2);
  REQUIRE(prob < 0.8);
  const int n = 4000;
  int moved = 0;
  for (int i = 0; i < n; ++i) {
    core::Rng rng(7, "test.c2c", static_cast<uint64_t>(i));
    MemristorInstance dev;
    dev.state = 0.0;
    m.program_pulse(dev, v, tp, &rng);
    moved += dev.state > 0 ? 1 : 0;
  }
  // Binomial standard error sqrt(p(1-p)/n) <= 0.008; 4 standard errors.
  CHECK(static_cast<double>(moved) / n == Approx(prob).margin(0.032));
}

TEST_CASE("vteam: trajectory agrees with program() and hazard integral is additive", "[devices][vteam]") {
  Vteam m(VteamParams{});
  const Waveform w = pulse_train({0.8, 1.0, -1.0, 0.7}, 5e-6, 1e-7, 2e-6);
  MemristorInstance a;
  a.state = 0.5;
  MemristorInstance b = a;
  m.program(a, w, nullptr);
  const auto tr = m.trajectory(b, w, {w.t_end_s() * 0.5, w.t_end_s()});
  CHECK(tr.back() == Approx(a.state).margin(1e-9));  // both integrate the same pieces at 1e-9 tolerance
  SwitchingParams sp;
  const double whole = hazard_integral(sp, 0.2, 1.0, 1e-3);
  const double half = hazard_integral(sp, 0.2, 0.6, 5e-4) + hazard_integral(sp, 0.6, 1.0, 5e-4);
  CHECK(whole == Approx(half).epsilon(1e-12));
  const double t = hazard_time_to(sp, 0.2, 1.0, 1e-3, 0.5 * whole);
  CHECK(hazard_integral(sp, 0.2, 0.2 + 0.8 * t / 1e-3, t) == Approx(0.5 * whole).epsilon(1e-9));
}

TEST_CASE("memristor contract: every registered model", "[devices][contract]") {
  for (const auto& name : memristor_registry().names()) {
    DYNAMIC_SECTION(name) {
      auto cfg = core::Config::from_string(memristor_registry().example(name));  // with its c2c and d2d spread
      auto sec = cfg.root();
      auto m = memristor_registry().create(sec, "vteam");
      cfg.check_unknown();
      const double g0 = std::sqrt(m->g_min_s() * m->g_max_s());
      const double vp = name == "vteam" ? 1.0 : 1.0;
      auto run = [&](uint64_t seed) {
        core::Rng d2d(seed, "devices.d2d");
        core::Rng c2c(seed, "devices.c2c");
        auto dev = m->make_instance(g0, &d2d);
        std::vector<double> g;
        for (int k = 0; k < 20; ++k) {
          m->program_pulse(dev, k % 3 == 2 ? -1.2 * vp : vp, name == "vteam" ? 2e-6 : 5e-4, &c2c);
          g.push_back(m->conductance_s(dev));
        }
        return g;
      };
      const auto a = run(3);
      CHECK(a == run(3));  // same seed, bit-identical
      CHECK(a != run(4));
      for (double g : a) {
        CHECK(g >= m->g_min_s() * (1 - 1e-12));
        CHECK(g <= m->g_max_s() * (1 + 1e-12));
      }
      auto dev = m->make_instance(g0, nullptr);
      const double before = m->conductance_s(dev);
      m->program(dev, Waveform{{0, 1e-3}, {0, 0}}, nullptr);  // zero pulse: no change
      CHECK(m->conductance_s(dev) == before);
      CHECK(m->current_a(dev, 0.0) == 0.0);
    }
  }
  auto bad = core::Config::from_string("type = \"teem\"\n");
  auto sec = bad.root();
  CHECK_THROWS_AS(memristor_registry().create(sec, "vteam"), ConfigError);
}
