#include "arch/attention/lsh_collision.h"

#include <cmath>
#include <numbers>

#include "core/rng.h"

namespace pimtx::arch::lsh {

CollisionResult measure_collision(const PlaneSource& src, const HashShape& shape, std::span<const double> theta_rad,
                                  int n_slots, int n_pairs, uint64_t seed) {
  CollisionResult res;
  const auto nd = static_cast<size_t>(shape.n_dim);
  const auto nr = static_cast<size_t>(shape.n_rounds);
  std::vector<std::unique_ptr<Hasher>> hashers;
  for (int s = 0; s < n_slots; ++s) {
    hashers.push_back(src.make_hasher(0, s));
  }
  core::Rng rng(seed, "arch.lsh.collision");
  core::Rng noise = rng.child("noise");
  std::vector<double> x(nd), y(nd);
  std::vector<float> xf(nd), zf(nd);
  std::vector<uint32_t> ix(nr), iz(nr);
  for (double th : theta_rad) {
    int64_t same = 0;
    int64_t total = 0;
    for (int pair = 0; pair < n_pairs; ++pair) {
      // x random direction; y random, made orthogonal to x; z = cos θ x̂ + sin θ ŷ.
      double nx = 0.0;
      double dot = 0.0;
      for (size_t i = 0; i < nd; ++i) {
        x[i] = rng.normal();
        y[i] = rng.normal();
        nx += x[i] * x[i];
        dot += x[i] * y[i];
      }
      double ny = 0.0;
      for (size_t i = 0; i < nd; ++i) {
        y[i] -= dot / nx * x[i];
        ny += y[i] * y[i];
      }
      for (size_t i = 0; i < nd; ++i) {
        xf[i] = static_cast<float>(x[i] / std::sqrt(nx));
        zf[i] = static_cast<float>(std::cos(th) * x[i] / std::sqrt(nx) + std::sin(th) * y[i] / std::sqrt(ny));
      }
      for (auto& h : hashers) {
        core::Rng* nz = h->uses_noise() ? &noise : nullptr;
        h->hash(xf, nz, ix);
        h->hash(zf, nz, iz);
        for (size_t r = 0; r < nr; ++r) {
          const uint32_t diff = ix[r] ^ iz[r];
          for (int b = 0; b < shape.n_bits; ++b) {
            same += ((diff >> b) & 1u) == 0u ? 1 : 0;
            ++total;
          }
        }
      }
    }
    res.theta_rad.push_back(th);
    res.p_measured.push_back(total > 0 ? static_cast<double>(same) / static_cast<double>(total) : 0.0);
    res.p_theory.push_back(1.0 - th / std::numbers::pi);
    res.n_compared.push_back(total);
  }
  return res;
}

}  // namespace pimtx::arch::lsh
