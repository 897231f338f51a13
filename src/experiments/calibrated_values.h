// Calibrated values handed from one engine to the units of another (kv_cam, gain_cell_attention).
//
// Contract: nine_digits(v) rounds every value to 9 significant digits (the double nearest to its "{:.9g}" text).
// The experiments used to pass calibrated arrays as TOML text written with 9 digits; they now write them with
// core::Section::set_double_array, through this rounding, so their published figures stay bit-identical. The
// result files keep the full-precision values.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <vector>

namespace pimtx::experiments {

inline std::vector<double> nine_digits(const std::vector<double>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v) {
    out.push_back(std::strtod(fmt::format("{:.9g}", x).c_str(), nullptr));
  }
  return out;
}

}  // namespace pimtx::experiments
