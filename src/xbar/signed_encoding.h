// Signed weights on non-negative conductances, with multi-level cells and bit slicing (mapping slot of the
// crossbar linear layer, src/arch/linear/crossbar.h). Units registered in registry.cpp:
//   "differential"  each output uses column pairs (G+, G−) per slice; reading = I+ − I−.
//   "offset"        each output uses one column per slice holding (w + 1)/2, plus one reference column per tile
//                   at level 0 (g_lo); reading = I − I_ref, and Σ V·w = 2·Σ V·(w+1)/2 − Σ V (input sum, digital).
//
// Contract: weights arrive normalised to [−1, 1] (rows = word lines, one column per logical output).
// encode() returns cell levels in [0, 1] (level 0 = g_lo, 1 = g_hi of the mapping window), shape
// (rows, n_out·cols_per_output(q) + extra_cols()). Magnitudes (differential) or (w+1)/2 (offset) are
// quantised to a code c = round(m·(Lˢ − 1)) (L = n_levels per cell, S = n_slices), written base L over S
// columns, least significant first: level_s = digit_s/(L − 1). n_levels = 0 keeps the analog value (one
// slice). decode() takes per-column readings r = Σ_i V_i·level_i (physical cols, n_vec) — the column
// currents divided by (g_hi − g_lo); the g_lo·ΣV part cancels in both schemes — and the per-vector input sum
// Σ_i V_i (1, n_vec), and returns Σ_i V_i·w_i (n_out, n_vec) with the quantised weights. Const, thread-safe.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>

#include "core/config.h"

namespace pimtx::xbar {

struct CellQuantization {
  int64_t n_levels = 0;  // per cell; 0 = continuous (analog target), else >= 2
  int64_t n_slices = 1;  // digit columns per weight, base n_levels
  void validate() const;
  [[nodiscard]] double code_max() const;  // Lˢ − 1, or 1 for continuous cells
  // Level of slice s (in [0, 1]) for a magnitude m in [0, 1].
  [[nodiscard]] double level(double m, int64_t s) const;
  // Weight of slice s in the recombination: Σ_s slice_weight(s)·level_s = c / code_max ≈ m.
  [[nodiscard]] double slice_weight(int64_t s) const;
  bool operator==(const CellQuantization&) const = default;
};

class SignedEncoding {
 public:
  virtual ~SignedEncoding() = default;
  [[nodiscard]] virtual std::string type() const = 0;
  [[nodiscard]] virtual int64_t cols_per_output(const CellQuantization& q) const = 0;
  [[nodiscard]] virtual int64_t extra_cols() const = 0;
  [[nodiscard]] virtual Eigen::MatrixXd encode(const Eigen::MatrixXd& w_norm, const CellQuantization& q) const = 0;
  [[nodiscard]] virtual Eigen::MatrixXd decode(const Eigen::MatrixXd& readings, const Eigen::RowVectorXd& v_sum,
                                               const CellQuantization& q) const = 0;
  // Physical columns of a tile holding n_out outputs.
  [[nodiscard]] int64_t physical_cols(int64_t n_out, const CellQuantization& q) const {
    return n_out * cols_per_output(q) + extra_cols();
  }
};

}  // namespace pimtx::xbar
