#include "xbar/signed_encoding.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"

namespace pimtx::xbar {

void CellQuantization::validate() const {
  if (n_levels != 0 && n_levels < 2) {
    throw ConfigError(fmt::format("mapping.n_levels = {}: need 0 (continuous) or >= 2 levels per cell", n_levels));
  }
  if (n_slices < 1 || (n_levels == 0 && n_slices != 1)) {
    throw ConfigError(
        fmt::format("mapping.n_slices = {}: need >= 1, and 1 for continuous cells (n_levels = 0)", n_slices));
  }
  if (n_levels > 0 && static_cast<double>(n_slices) * std::log2(static_cast<double>(n_levels)) > 31.0) {
    throw ConfigError(fmt::format("mapping: n_levels^n_slices = {}^{} exceeds 2^31 weight codes", n_levels, n_slices));
  }
}

double CellQuantization::code_max() const {
  return n_levels == 0 ? 1.0 : std::pow(static_cast<double>(n_levels), static_cast<double>(n_slices)) - 1.0;
}

double CellQuantization::level(double m, int64_t s) const {
  m = std::clamp(m, 0.0, 1.0);
  if (n_levels == 0) {
    return m;
  }
  const auto c = static_cast<int64_t>(std::llround(m * code_max()));
  int64_t digit = c;
  for (int64_t k = 0; k < s; ++k) {
    digit /= n_levels;
  }
  return static_cast<double>(digit % n_levels) / static_cast<double>(n_levels - 1);
}

double CellQuantization::slice_weight(int64_t s) const {
  if (n_levels == 0) {
    return 1.0;
  }
  const auto l = static_cast<double>(n_levels);
  return std::pow(l, static_cast<double>(s)) * (l - 1.0) / code_max();
}

}  // namespace pimtx::xbar
