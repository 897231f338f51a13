#include "xbar/array.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace pimtx::xbar {

void CellArray::validate(const std::string& where) const {
  if (a1_s.rows() == 0 || a1_s.cols() == 0) {
    throw ConfigError(fmt::format("{}: the conductance matrix is empty", where));
  }
  if (nonlinear() && (a3_s_per_v2.rows() != a1_s.rows() || a3_s_per_v2.cols() != a1_s.cols())) {
    throw ConfigError(fmt::format("{}: a3 matrix is {}x{} but the conductance matrix is {}x{}", where,
                                  a3_s_per_v2.rows(), a3_s_per_v2.cols(), a1_s.rows(), a1_s.cols()));
  }
  for (Eigen::Index i = 0; i < a1_s.rows(); ++i) {
    for (Eigen::Index j = 0; j < a1_s.cols(); ++j) {
      const double g = a1_s(i, j);
      if (!std::isfinite(g) || g < 0.0) {
        throw ConfigError(
            fmt::format("{}: conductance of cell (row {}, col {}) = {} S: must be finite and >= 0", where, i, j, g));
      }
      if (nonlinear() && !std::isfinite(a3_s_per_v2(i, j))) {
        throw ConfigError(fmt::format("{}: a3 of cell (row {}, col {}) is not finite", where, i, j));
      }
    }
  }
}

void Drive::check_shape(Eigen::Index rows, Eigen::Index cols) const {
  if (word_v.rows() != rows) {
    throw ConfigError(fmt::format("input vector has {} voltages but the array has {} word lines", word_v.rows(), rows));
  }
  if (bit_v.size() != 0 && (bit_v.rows() != cols || bit_v.cols() != word_v.cols())) {
    throw ConfigError(fmt::format("bit-line bias is {}x{}, expected {}x{} (cols x vectors)", bit_v.rows(), bit_v.cols(),
                                  cols, word_v.cols()));
  }
  if (!word_v.allFinite() || (bit_v.size() != 0 && !bit_v.allFinite())) {
    throw ConfigError("input voltages must be finite");
  }
}

Drive bias_drive(Eigen::Index rows, Eigen::Index cols, BiasScheme scheme, Eigen::Index sel_row, Eigen::Index sel_col,
                 double v_read_v) {
  if (sel_row < 0 || sel_row >= rows || sel_col < 0 || sel_col >= cols) {
    throw ConfigError(fmt::format("selected cell ({}, {}) is outside the {}x{} array", sel_row, sel_col, rows, cols));
  }
  double v_word = 0.0;
  double v_bit = 0.0;
  switch (scheme) {
    case BiasScheme::v_half:
      v_word = v_bit = v_read_v / 2.0;
      break;
    case BiasScheme::v_third:
      v_word = v_read_v / 3.0;
      v_bit = 2.0 * v_read_v / 3.0;
      break;
    case BiasScheme::grounded:
      break;
  }
  Drive d;
  d.word_v = Eigen::MatrixXd::Constant(rows, 1, v_word);
  d.bit_v = Eigen::MatrixXd::Constant(cols, 1, v_bit);
  d.word_v(sel_row, 0) = v_read_v;
  d.bit_v(sel_col, 0) = 0.0;
  return d;
}

BiasScheme parse_bias_scheme(const std::string& name) {
  if (name == "v_half") {
    return BiasScheme::v_half;
  }
  if (name == "v_third") {
    return BiasScheme::v_third;
  }
  if (name == "grounded") {
    return BiasScheme::grounded;
  }
  throw ConfigError(fmt::format("unknown bias scheme '{}'; valid names: grounded, v_half, v_third", name));
}

ErrorStats compare_currents(const Eigen::MatrixXd& test, const Eigen::MatrixXd& ref) {
  if (test.rows() != ref.rows() || test.cols() != ref.cols()) {
    throw NumericError(fmt::format("compare_currents: shapes {}x{} and {}x{} differ", test.rows(), test.cols(),
                                   ref.rows(), ref.cols()));
  }
  ErrorStats s;
  for (Eigen::Index k = 0; k < ref.cols(); ++k) {
    const double scale = ref.col(k).cwiseAbs().maxCoeff();
    for (Eigen::Index j = 0; j < ref.rows(); ++j) {
      const double e = std::abs(test(j, k) - ref(j, k));
      s.max_abs_a = std::max(s.max_abs_a, e);
      if (scale > 0.0) {
        s.max_rel_fullscale = std::max(s.max_rel_fullscale, e / scale);
        if (std::abs(ref(j, k)) > 1e-9 * scale) {
          s.max_rel = std::max(s.max_rel, e / std::abs(ref(j, k)));
        }
      }
    }
  }
  return s;
}

}  // namespace pimtx::xbar
