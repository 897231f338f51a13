#include "xbar/encoding_differential.h"

#include <cmath>

namespace pimtx::xbar {

Eigen::MatrixXd DifferentialEncoding::encode(const Eigen::MatrixXd& w, const CellQuantization& q) const {
  const int64_t s_n = q.n_slices;
  Eigen::MatrixXd lv = Eigen::MatrixXd::Zero(w.rows(), physical_cols(w.cols(), q));
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      const double m = std::abs(w(i, j));
      const Eigen::Index side = w(i, j) < 0.0 ? 1 : 0;
      for (int64_t s = 0; s < s_n; ++s) {
        lv(i, 2 * (j * s_n + s) + side) = q.level(m, s);
      }
    }
  }
  return lv;
}

Eigen::MatrixXd DifferentialEncoding::decode(const Eigen::MatrixXd& r, const Eigen::RowVectorXd& /*v_sum*/,
                                             const CellQuantization& q) const {
  const int64_t s_n = q.n_slices;
  const Eigen::Index n_out = r.rows() / (2 * s_n);
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(n_out, r.cols());
  for (Eigen::Index j = 0; j < n_out; ++j) {
    for (int64_t s = 0; s < s_n; ++s) {
      const Eigen::Index c = 2 * (j * s_n + s);
      y.row(j) += q.slice_weight(s) * (r.row(c) - r.row(c + 1));
    }
  }
  return y;
}

}  // namespace pimtx::xbar
