#include "devices/metal_oxide.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"

using namespace pimtx;
using namespace pimtx::devices;

TEST_CASE("metal_oxide: pulse law of the 10-17.8 uS band (devices.md 2.7)", "[devices][metal_oxide]") {
  MetalOxideParams p;
  p.update_d2d_scale_rel = 0;
  MetalOxide m(p);
  const double g0 = 12e-6;
  const double vp = 1.0;
  const double tp = 5e-4;
  const double lt = std::log(tp);
  // SET c = (1.55e-4, −0.47, −3.729, 6.801, 7.582) quoted in devices.md §2.7; relative rounding only.
  const double expect = 1.55e-4 * (1 - std::tanh(-0.47 * (lt + 3.729))) * (std::tanh(6.801 * vp - 7.582) + 1);
  CHECK(m.delta_g_nominal_s(g0, vp, tp) == Approx(expect).epsilon(1e-14));
  auto dev = m.make_instance(g0, nullptr);
  m.program_pulse(dev, vp, tp, nullptr);
  CHECK(dev.state == Approx(g0 + expect).epsilon(1e-14));
  const double reset = -0.89e-4 * (-1 - std::tanh(0.34 * (lt - 4.93))) * (std::tanh(6.2 * -1.2 + 8.14) - 1);
  CHECK(m.delta_g_nominal_s(g0, -1.2, tp) == Approx(reset).epsilon(1e-14));
  CHECK(reset < 0);
}

TEST_CASE("metal_oxide: clamps, validity and the static law", "[devices][metal_oxide]") {
  MetalOxide m(MetalOxideParams{});
  auto dev = m.make_instance(1.0, nullptr);
  CHECK(dev.state == 316e-6);
  for (int k = 0; k < 50; ++k) {
    m.program_pulse(dev, 1.15, 5e-4, nullptr);
  }
  CHECK(dev.state <= 316e-6);
  CHECK_THROWS_AS(m.current_a(dev, 0.5), NumericError);
  // I = A1·V + A3·V³ with T = 60 °C: A1 = −2.58e-6 + 0.977·G0 + 1.166e-7·60.
  m.set_conductance(dev, 50e-6);
  const double a1 = -2.58e-6 + 0.977 * 50e-6 + 1.166e-7 * 60.0;
  const double a3 = 1.18 * 50e-6 + 6596 * 50e-6 * 50e-6 + 1.605e-3 * std::pow(60.0, -1.33);
  CHECK(m.current_a(dev, 0.2) == Approx(a1 * 0.2 + a3 * 0.008).epsilon(1e-12));
  CHECK(m.current_a(dev, -0.2) == Approx(-(a1 * 0.2 + a3 * 0.008)).epsilon(1e-12));
}

TEST_CASE("metal_oxide: d2d I-V spread follows sigma_A1", "[devices][metal_oxide]") {
  MetalOxide m(MetalOxideParams{});
  const double g0 = 20e-6;
  const auto c = m.iv_coefficients(g0);
  const int n = 4000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    core::Rng r(11, "test.d2d", static_cast<uint64_t>(i));
    auto dev = m.make_instance(g0, &r);
    const double v = 0.01;  // A3·V³ negligible (1e-6 relative) at 10 mV
    const double g = m.current_a(dev, v) / v;
    s += g;
    s2 += g * g;
  }
  const double mean = s / n;
  const double sd = std::sqrt(s2 / n - mean * mean);
  // Sampling error of a std estimate: 1/sqrt(2n) = 1.1 %; 5 % allows > 4 standard errors.
  CHECK(sd == Approx(std::fabs(c[2])).epsilon(0.05));
  CHECK(mean == Approx(c[0]).margin(4 * std::fabs(c[2]) / std::sqrt(n)));
}
