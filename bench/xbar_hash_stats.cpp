// bench_xbar_hash_stats: how device and circuit statistics shift the sign-bit collision probability of the
// stochastic VMM (src/xbar/stochastic_vmm.h) away from 1 − θ/π. 64 inputs, 256 bits, 200 pairs per angle,
// full nodal solve. Prints the measured collision probability per setting and angle.
#include <fmt/format.h>

#include <cmath>

#include "core/rng.h"
#include "xbar/stochastic_vmm.h"

using namespace pimtx;
using namespace pimtx::xbar;

static Eigen::MatrixXd pairs(int n_pairs, int dim, double theta, uint64_t seed) {
  core::Rng rng(seed, "bench.pairs");
  Eigen::MatrixXd x(2 * n_pairs, dim);
  for (int p = 0; p < n_pairs; ++p) {
    Eigen::VectorXd a(dim), b(dim);
    for (int i = 0; i < dim; ++i) {
      a(i) = rng.normal();
      b(i) = rng.normal();
    }
    a.normalize();
    b -= b.dot(a) * a;
    b.normalize();
    x.row(2 * p) = a.transpose();
    x.row(2 * p + 1) = (std::cos(theta) * a + std::sin(theta) * b).transpose();
  }
  return x;
}

static double collision(StochasticVmm& h, const Eigen::MatrixXd& x) {
  const auto bits = h.sign_bits(x);
  const auto nb = static_cast<size_t>(h.n_bits());
  size_t same = 0;
  for (size_t p = 0; p < static_cast<size_t>(x.rows()) / 2; ++p)
    for (size_t k = 0; k < nb; ++k) same += bits[2 * p * nb + k] == bits[(2 * p + 1) * nb + k] ? 1 : 0;
  return static_cast<double>(same) / static_cast<double>(nb * static_cast<size_t>(x.rows()) / 2);
}

int main() {
  struct Setting {
    const char* name;
    StochasticVmmParams p;
    GaussianProgrammingParams g;
  };
  std::vector<Setting> s;
  StochasticVmmParams base;
  base.n_inputs = 64;
  base.n_bits = 256;
  s.push_back({"ideal gaussian planes, 1-ohm wires", base, {}});
  {
    auto p = base;
    p.parasitics = Parasitics{10.0, 10.0, 10.0, 10.0};
    s.push_back({"gaussian, 10-ohm wires/driver/sense", p, {}});
  }
  for (double sg : {0.05, 0.2}) {
    GaussianProgrammingParams g;
    g.g_c2c_sigma_rel = sg;
    s.push_back({sg == 0.05 ? "gaussian, programming error 5% of range" : "gaussian, programming error 20% of range",
                 base, g});
  }
  {
    GaussianProgrammingParams g;
    g.g_d2d_sigma_rel = 0.3;
    s.push_back({"gaussian, d2d gain spread 30%", base, g});
  }
  for (double off : {5e-6, 2e-5}) {
    auto p = base;
    p.comparator_offset_sigma_a = off;
    s.push_back({off == 5e-6 ? "comparator offset sigma 5 uA" : "comparator offset sigma 20 uA", p, {}});
  }
  for (double nz : {5e-6, 2e-5}) {
    auto p = base;
    p.comparator_noise_sigma_a = nz;
    s.push_back({nz == 5e-6 ? "comparator noise sigma 5 uA" : "comparator noise sigma 20 uA", p, {}});
  }
  for (double d2d : {0.0, 0.5}) {
    auto p = base;
    p.planes = "pulses";
    GaussianProgrammingParams g;
    g.pulse_d2d_sigma_rel = d2d;
    s.push_back({d2d == 0.0 ? "random pulses (20), no d2d" : "random pulses (20), pulse d2d 50%", p, g});
  }
  const double thetas[] = {M_PI / 6, M_PI / 3, M_PI / 2, 2 * M_PI / 3};
  fmt::print("{:<45}", "setting \\ theta:  1-theta/pi =");
  for (double t : thetas) fmt::print(" {:>8.4f}", 1 - t / M_PI);
  fmt::print("  rms(I+ - I-) A\n");
  for (auto& st : s) {
    StochasticVmm h(st.p, std::make_shared<GaussianProgramming>(st.g), 11);
    fmt::print("{:<45}", st.name);
    for (double t : thetas) fmt::print(" {:>8.4f}", collision(h, pairs(200, 64, t, 5)));
    const Eigen::MatrixXd d = h.differential_currents(pairs(50, 64, 1.0, 6));
    fmt::print("  {:.3g}\n", std::sqrt(d.squaredNorm() / static_cast<double>(d.size())));
  }
  return 0;
}
