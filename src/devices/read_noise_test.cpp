#include "devices/read_noise.h"

#include <catch2/catch.hpp>
#include <cmath>

using namespace pimtx;
using namespace pimtx::devices;

TEST_CASE("read noise: white std and RTN occupancy", "[devices][read_noise]") {
  WhiteRtnParams p;
  p.white_sigma_rel = 0.02;
  p.rtn_amplitude_rel = -0.05;
  p.rtn_tau_low_s = 1e-3;
  p.rtn_tau_high_s = 3e-3;
  WhiteRtnNoise rn(p);
  core::Rng rng(1, "test.read_noise");
  ReadNoiseState st;
  const int n = 20000;
  int high = 0;
  double t = 0;
  for (int i = 0; i < n; ++i) {
    t += 1e-3;  // reads every 1 ms span ~80 s ≫ dwell times
    high += rn.rtn_level(t, st, rng);
  }
  // Occupancy τ_h/(τ_l+τ_h) = 0.75; reads are correlated over ~1 ms so the effective sample is ~n/4:
  // standard error ≈ sqrt(0.19/5000) = 0.006; allow 0.03.
  CHECK(static_cast<double>(high) / n == Approx(0.75).margin(0.03));
  WhiteRtnParams w;
  w.white_sigma_rel = 0.02;
  WhiteRtnNoise wn(w);
  ReadNoiseState s2;
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    const double r = wn.apply(1e-6, 0.2, 0, s2, rng) / 1e-6 - 1;
    s += r;
    ss += r * r;
  }
  // std error of the std estimate 1/sqrt(2n) = 0.5 %; allow 3 %.
  CHECK(std::sqrt(ss / n - (s / n) * (s / n)) == Approx(0.02).epsilon(0.03));
}
