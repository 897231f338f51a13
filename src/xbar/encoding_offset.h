// Signed-encoding unit "offset" (signed_encoding.h): output j, slice s in column j·S + s holding (w + 1)/2;
// one reference column at level 0 (g_lo) per tile, last. Σ_i V_i·w_i = 2·Σ_s weight_s·(r_js − r_ref) − Σ_i V_i,
// the input sum being known digitally from the DAC codes. Half the columns of "differential", but the common
// mode (w = 0 sits at mid-range) is read and cancelled only through the reference and the digital input sum.
#pragma once

#include "xbar/signed_encoding.h"

namespace pimtx::xbar {

class OffsetEncoding final : public SignedEncoding {
 public:
  [[nodiscard]] std::string type() const override { return "offset"; }
  [[nodiscard]] int64_t cols_per_output(const CellQuantization& q) const override { return q.n_slices; }
  [[nodiscard]] int64_t extra_cols() const override { return 1; }
  [[nodiscard]] Eigen::MatrixXd encode(const Eigen::MatrixXd& w_norm, const CellQuantization& q) const override;
  [[nodiscard]] Eigen::MatrixXd decode(const Eigen::MatrixXd& readings, const Eigen::RowVectorXd& v_sum,
                                       const CellQuantization& q) const override;
};

}  // namespace pimtx::xbar
