// Software plane sources: `gaussian` (ideal random-hyperplane LSH, Charikar 2002: P[bit equal] = 1 - θ/π)
// and `quantized` (the same Gaussian draws clipped and rounded to n_weight_levels uniform levels, i.e. the
// low-resolution weights a few-level memristor could hold, without any analog non-ideality).
#pragma once

#include <vector>

#include "arch/attention/lsh_planes.h"
#include "arch/tensor.h"

namespace pimtx::arch::lsh {

struct QuantizedPlanesParams {
  int n_weight_levels = 4;        // uniform levels over [-clip, clip] (mid-rise: no zero level when even)
  double clip_sigma_ratio = 2.0;  // clip at this many standard deviations
  void validate(const core::Section& s) const;
};

// Projects x on fixed planes (n_rounds * n_bits, n_dim), sign -> bits. Shared by both software sources.
class MatrixHasher : public Hasher {
 public:
  MatrixHasher(Mat planes, int n_bits, int n_rounds);
  void hash(std::span<const float> x, core::Rng* noise, std::span<uint32_t> ids) override;

 private:
  Mat planes_;  // (n_rounds * n_bits, n_dim)
  int n_bits_;
  int n_rounds_;
  Vec proj_;
};

class GaussianPlanes : public PlaneSource {
 public:
  GaussianPlanes(uint64_t seed, HashShape shape);
  [[nodiscard]] std::string type() const override { return "gaussian"; }
  [[nodiscard]] std::unique_ptr<Hasher> make_hasher(int layer, int kv_head) const override;

 protected:
  [[nodiscard]] Mat planes(int layer, int kv_head) const;  // (n_rounds * n_bits, n_dim)
  uint64_t seed_;
  HashShape shape_;
};

class QuantizedPlanes : public GaussianPlanes {
 public:
  QuantizedPlanes(uint64_t seed, HashShape shape, QuantizedPlanesParams p);
  [[nodiscard]] std::string type() const override { return "quantized"; }
  [[nodiscard]] std::unique_ptr<Hasher> make_hasher(int layer, int kv_head) const override;
  [[nodiscard]] float quantize(float w) const;

 private:
  QuantizedPlanesParams p_;
};

std::unique_ptr<PlaneSource> make_gaussian_planes(core::Section& s, uint64_t seed, HashShape shape);
std::unique_ptr<PlaneSource> make_quantized_planes(core::Section& s, uint64_t seed, HashShape shape);

}  // namespace pimtx::arch::lsh
