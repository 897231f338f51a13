// Cheap alternatives to the full nodal solve (nodal_solver.h), each able to report its error against it.
//
// Contract: both take the same CellArray / Parasitics / Drive as NodalSolver and return the current into
// each bit-line terminal, (cols, n_vec) amperes. They use the linear part a1 of the cell law only.
//  - ideal_currents: I_j = sum_i a1_ij · (V_i − Vbit_j): no wire, driver or sense resistance.
//  - line_relaxation_currents: n_sweeps of block Gauss–Seidel over lines. A sweep solves every word line
//    as a tridiagonal system with the bit-line voltages held, then every bit line with the word-line
//    voltages held. One sweep from the ideal start is the usual first-order IR-drop model (each line sees
//    the other set as ideal); the iteration converges to the full solve as n_sweeps grows, at
//    O(rows·cols) per sweep and vector with no factorisation. A 0-Ω element is replaced by 1 nΩ here.
#pragma once

#include "xbar/array.h"

namespace pimtx::xbar {

Eigen::MatrixXd ideal_currents(const CellArray& cells, const Drive& drive);

Eigen::MatrixXd line_relaxation_currents(const CellArray& cells, const Parasitics& parasitics, const Drive& drive,
                                         int n_sweeps);

}  // namespace pimtx::xbar
