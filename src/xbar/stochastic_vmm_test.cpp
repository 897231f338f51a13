#include "xbar/stochastic_vmm.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"
#include "core/rng.h"

using namespace pimtx;
using namespace pimtx::xbar;

namespace {
Eigen::MatrixXd pairs_at_angle(int n_pairs, int dim, double theta, uint64_t seed) {
  core::Rng rng(seed, "test.pairs");
  return unit_pairs_at_angle(n_pairs, dim, theta, rng);
}

double collision(HashPlanes& h, const Eigen::MatrixXd& x) {
  const std::vector<uint8_t> bits = h.sign_bits(x);
  const auto nb = static_cast<size_t>(h.n_bits());
  size_t same = 0, total = 0;
  for (size_t p = 0; p < static_cast<size_t>(x.rows()) / 2; ++p) {
    for (size_t k = 0; k < nb; ++k) {
      same += bits[2 * p * nb + k] == bits[(2 * p + 1) * nb + k] ? 1 : 0;
      ++total;
    }
  }
  return static_cast<double>(same) / static_cast<double>(total);
}
}  // namespace

TEST_CASE("ideal Gaussian planes through the array: collision probability 1 - theta/pi", "[xbar]") {
  StochasticVmmParams p;
  p.n_inputs = 48;
  p.n_bits = 128;
  auto model = std::make_shared<GaussianProgramming>(GaussianProgrammingParams{});
  StochasticVmm h(p, model, 2024);
  for (const double theta : {M_PI / 8, M_PI / 3, M_PI / 2, 2 * M_PI / 3, 7 * M_PI / 8}) {
    const Eigen::MatrixXd x = pairs_at_angle(150, 48, theta, static_cast<uint64_t>(theta * 1000));
    // Tolerance: 19200 bit comparisons give a standard error ~0.0035; the acceptance bound is 0.02.
    CHECK(std::abs(collision(h, x) - (1.0 - theta / M_PI)) < 0.02);
  }
}

TEST_CASE("stochastic pulse programming gives working planes, re-programming keeps the statistics", "[xbar]") {
  StochasticVmmParams p;
  p.n_inputs = 48;
  p.n_bits = 128;
  p.planes = "pulses";
  GaussianProgrammingParams gp;
  gp.pulse_d2d_sigma_rel = 0.2;
  auto model = std::make_shared<GaussianProgramming>(gp);
  StochasticVmm h(p, model, 7);
  const Eigen::MatrixXd x = pairs_at_angle(150, 48, M_PI / 3, 99);
  const double c0 = collision(h, x);
  const Eigen::MatrixXd g0 = h.conductances_s();
  h.reprogram();
  CHECK(h.cycle() == 1);
  CHECK(h.conductances_s() != g0);
  // Tolerance: i.i.d. symmetric planes in 48 dimensions follow 1 - theta/pi to within CLT corrections
  // (a few 0.01) plus sampling error 0.0035.
  CHECK(std::abs(c0 - 2.0 / 3.0) < 0.04);
  CHECK(std::abs(collision(h, x) - 2.0 / 3.0) < 0.04);
}

TEST_CASE("hash bits are deterministic per seed, comparator noise lowers collisions", "[xbar]") {
  StochasticVmmParams p;
  p.n_inputs = 32;
  p.n_bits = 64;
  p.comparator_noise_sigma_a = 2e-5;
  auto model = std::make_shared<GaussianProgramming>(GaussianProgrammingParams{});
  const Eigen::MatrixXd x = pairs_at_angle(50, 32, 0.1, 3);
  StochasticVmm a(p, model, 5), b(p, model, 5);
  CHECK(a.sign_bits(x) == b.sign_bits(x));
  p.comparator_noise_sigma_a = 0.0;
  StochasticVmm clean(p, model, 5);
  CHECK(collision(a, x) < collision(clean, x));
  Eigen::MatrixXd bad(2, 31);
  CHECK_THROWS_AS(clean.sign_bits(bad), ConfigError);
}
