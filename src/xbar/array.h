// Passive (0T1R) crossbar description shared by every xbar solver: cell I–V, wire parasitics, drive.
//
// Contract: matrices are rows = word lines, cols = bit lines (STYLE.md §3). Geometry (issue 7, and
// src/circuits/crossbar.h): word line i is driven at its column-0 end through r_driver_ohm from a source
// at word_v(i); bit line j ends at its last-row node and is tied through r_sense_ohm to a terminal at
// bit_v(j) (0 V virtual ground by default); r_wire_row_ohm joins word-line nodes (i, j) and (i, j+1),
// r_wire_col_ohm joins bit-line nodes (i, j) and (i+1, j); cell (i, j) joins word node (i, j) to bit node
// (i, j) with I = a1·V + a3·V³ (V = V_word − V_bit; the metal-oxide read law of devices.md §2.7; a3 = 0
// is a linear resistor of conductance a1). No wire segment sits between the driver and the first cell.
// A resistance of exactly 0 Ω merges the two nodes (the exact limit); negative or non-finite values
// are ConfigErrors.
#pragma once

#include <Eigen/Dense>
#include <string>

#include "circuits/parasitics.h"

namespace pimtx::xbar {

// Wire/driver/sense resistances: the one struct of circuits/parasitics.h (read there from a config table).
using circuits::Parasitics;

// Per-cell read law I = a1·V + a3·V³.
struct CellArray {
  Eigen::MatrixXd a1_s;         // (rows, cols) linear conductance, >= 0
  Eigen::MatrixXd a3_s_per_v2;  // (rows, cols) cubic coefficient, or empty for linear cells

  [[nodiscard]] Eigen::Index rows() const { return a1_s.rows(); }
  [[nodiscard]] Eigen::Index cols() const { return a1_s.cols(); }
  [[nodiscard]] bool nonlinear() const { return a3_s_per_v2.size() != 0; }
  // ConfigError for a negative / non-finite conductance (naming the cell) or a shape mismatch.
  void validate(const std::string& where = "xbar.array") const;
};

// A batch of operating points: one column per input vector.
struct Drive {
  Eigen::MatrixXd word_v;  // (rows, n_vec) driver source voltages
  Eigen::MatrixXd bit_v;   // (cols, n_vec) bit-line terminal voltages; empty = all 0 V

  [[nodiscard]] Eigen::Index n_vectors() const { return word_v.cols(); }
  // ConfigError if the input length does not match the array.
  void check_shape(Eigen::Index rows, Eigen::Index cols) const;
  [[nodiscard]] double bit_voltage(Eigen::Index j, Eigen::Index k) const {
    return bit_v.size() == 0 ? 0.0 : bit_v(j, k);
  }
};

// Unselected-line biasing for reading one cell of a passive array (sneak-path studies). The selected
// word line gets v_read, the selected bit line 0 V; v_half: all other lines at v_read/2; v_third:
// unselected word lines at v_read/3 and unselected bit lines at 2·v_read/3; grounded: all other lines at 0 V.
enum class BiasScheme { v_half, v_third, grounded };
Drive bias_drive(Eigen::Index rows, Eigen::Index cols, BiasScheme scheme, Eigen::Index sel_row, Eigen::Index sel_col,
                 double v_read_v);
BiasScheme parse_bias_scheme(const std::string& name);  // "v_half", "v_third", "grounded"

// Column currents of the full solve, of an approximation, and how far apart they are.
struct ErrorStats {
  double max_abs_a = 0.0;
  double max_rel = 0.0;            // max |a - b| / |b| over entries with |b| > 1e-9 · max|b| of its vector
  double max_rel_fullscale = 0.0;  // max |a - b| / max|b| of the same vector
};
// test, ref: (cols, n_vec).
ErrorStats compare_currents(const Eigen::MatrixXd& test, const Eigen::MatrixXd& ref);

}  // namespace pimtx::xbar
