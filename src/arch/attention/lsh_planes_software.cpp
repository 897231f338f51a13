#include "arch/attention/lsh_planes_software.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/errors.h"

namespace pimtx::arch::lsh {

void draw_gaussian_planes(uint64_t seed, int layer, int kv_head, int round, int n_bits, int n_dim,
                          std::span<float> out) {
  const size_t n = static_cast<size_t>(n_bits) * static_cast<size_t>(n_dim);
  assert(out.size() == n);
  core::Rng rng = core::Rng(seed, "arch.lsh.planes")
                      .child("layer", static_cast<uint64_t>(layer))
                      .child("kv_head", static_cast<uint64_t>(kv_head))
                      .child("round", static_cast<uint64_t>(round));
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(rng.normal());
  }
}

MatrixHasher::MatrixHasher(Mat planes, int n_bits, int n_rounds)
    : planes_(std::move(planes)), n_bits_(n_bits), n_rounds_(n_rounds), proj_(planes_.rows()) {}

void MatrixHasher::hash(std::span<const float> x, core::Rng* /*noise*/, std::span<uint32_t> ids) {
  assert(static_cast<Eigen::Index>(x.size()) == planes_.cols());
  assert(ids.size() == static_cast<size_t>(n_rounds_));
  Eigen::Map<const Vec> xv(x.data(), static_cast<Eigen::Index>(x.size()));
  proj_.noalias() = planes_ * xv;
  for (int r = 0; r < n_rounds_; ++r) {
    uint32_t id = 0;
    for (int b = 0; b < n_bits_; ++b) {
      if (proj_(r * n_bits_ + b) >= 0.0f) {
        id |= 1u << b;
      }
    }
    ids[static_cast<size_t>(r)] = id;
  }
}

GaussianPlanes::GaussianPlanes(uint64_t seed, HashShape shape) : seed_(seed), shape_(shape) {}

Mat GaussianPlanes::planes(int layer, int kv_head) const {
  Mat w(shape_.n_rounds * shape_.n_bits, shape_.n_dim);
  const auto per_round = static_cast<size_t>(shape_.n_bits) * static_cast<size_t>(shape_.n_dim);
  for (int r = 0; r < shape_.n_rounds; ++r) {
    draw_gaussian_planes(seed_, layer, kv_head, r, shape_.n_bits, shape_.n_dim,
                         std::span<float>(w.data() + static_cast<size_t>(r) * per_round, per_round));
  }
  return w;
}

std::unique_ptr<Hasher> GaussianPlanes::make_hasher(int layer, int kv_head) const {
  return std::make_unique<MatrixHasher>(planes(layer, kv_head), shape_.n_bits, shape_.n_rounds);
}

void QuantizedPlanesParams::validate(const core::Section& s) const {
  if (n_weight_levels < 2) {
    s.fail("n_weight_levels", fmt::format("= {}: must be >= 2", n_weight_levels));
  }
}

QuantizedPlanes::QuantizedPlanes(uint64_t seed, HashShape shape, QuantizedPlanesParams p)
    : GaussianPlanes(seed, shape), p_(p) {}

float QuantizedPlanes::quantize(float w) const {
  // Mid-rise uniform quantiser on [-c, c]: L cells of width 2c/L, each mapped to its centre.
  const double c = p_.clip_sigma_ratio;
  const double step = 2.0 * c / p_.n_weight_levels;
  const double cell = std::floor((std::clamp(static_cast<double>(w), -c, c) + c) / step);
  const double idx = std::min(cell, static_cast<double>(p_.n_weight_levels - 1));
  return static_cast<float>(-c + (idx + 0.5) * step);
}

std::unique_ptr<Hasher> QuantizedPlanes::make_hasher(int layer, int kv_head) const {
  Mat w = planes(layer, kv_head);
  w = w.unaryExpr([this](float v) { return quantize(v); });
  return std::make_unique<MatrixHasher>(std::move(w), shape_.n_bits, shape_.n_rounds);
}

std::unique_ptr<PlaneSource> make_gaussian_planes(core::Section& /*s*/, uint64_t seed, HashShape shape) {
  return std::make_unique<GaussianPlanes>(seed, shape);
}

std::unique_ptr<PlaneSource> make_quantized_planes(core::Section& s, uint64_t seed, HashShape shape) {
  QuantizedPlanesParams p;
  p.n_weight_levels = static_cast<int>(s.get_int("n_weight_levels", p.n_weight_levels, core::Range::closed(2, 65536)));
  p.clip_sigma_ratio = s.get_double("clip_sigma_ratio", p.clip_sigma_ratio, core::Range::positive());
  p.validate(s);
  return std::make_unique<QuantizedPlanes>(seed, shape, p);
}

}  // namespace pimtx::arch::lsh
