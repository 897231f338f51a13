// Signed-encoding unit "differential" (signed_encoding.h): output j, slice s in columns 2·(j·S + s) (G+, the
// positive part) and 2·(j·S + s) + 1 (G−); reading = I+ − I−, so the common g_lo·ΣV and any even error cancel.
#pragma once

#include "xbar/signed_encoding.h"

namespace pimtx::xbar {

class DifferentialEncoding final : public SignedEncoding {
 public:
  [[nodiscard]] std::string type() const override { return "differential"; }
  [[nodiscard]] int64_t cols_per_output(const CellQuantization& q) const override { return 2 * q.n_slices; }
  [[nodiscard]] int64_t extra_cols() const override { return 0; }
  [[nodiscard]] Eigen::MatrixXd encode(const Eigen::MatrixXd& w_norm, const CellQuantization& q) const override;
  [[nodiscard]] Eigen::MatrixXd decode(const Eigen::MatrixXd& readings, const Eigen::RowVectorXd& v_sum,
                                       const CellQuantization& q) const override;
};

}  // namespace pimtx::xbar
