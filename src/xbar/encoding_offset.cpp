#include "xbar/encoding_offset.h"

namespace pimtx::xbar {

Eigen::MatrixXd OffsetEncoding::encode(const Eigen::MatrixXd& w, const CellQuantization& q) const {
  const int64_t s_n = q.n_slices;
  Eigen::MatrixXd lv = Eigen::MatrixXd::Zero(w.rows(), physical_cols(w.cols(), q));  // reference column: level 0
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      const double u = 0.5 * (w(i, j) + 1.0);
      for (int64_t s = 0; s < s_n; ++s) {
        lv(i, j * s_n + s) = q.level(u, s);
      }
    }
  }
  return lv;
}

Eigen::MatrixXd OffsetEncoding::decode(const Eigen::MatrixXd& r, const Eigen::RowVectorXd& v_sum,
                                       const CellQuantization& q) const {
  const int64_t s_n = q.n_slices;
  const Eigen::Index n_out = (r.rows() - 1) / s_n;
  const Eigen::RowVectorXd ref = r.row(r.rows() - 1);
  Eigen::MatrixXd y(n_out, r.cols());
  for (Eigen::Index j = 0; j < n_out; ++j) {
    Eigen::RowVectorXd u = Eigen::RowVectorXd::Zero(r.cols());
    for (int64_t s = 0; s < s_n; ++s) {
      u += q.slice_weight(s) * (r.row(j * s_n + s) - ref);
    }
    y.row(j) = 2.0 * u - v_sum;
  }
  return y;
}

}  // namespace pimtx::xbar
