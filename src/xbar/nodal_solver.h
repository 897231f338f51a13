// Full nodal analysis of a passive crossbar (array.h geometry): the reference "full solve" of xbar.
//
// Contract: the constructor takes the cells and parasitics (copied; not mutated later), merges nodes
// joined by 0-Ω elements, assembles the sparse nodal matrix over the remaining 2·rows·cols unknowns at
// most and does the symbolic analysis once (AMD ordering). solve(drive) returns the current flowing into
// every bit-line terminal and out of every word-line driver, in amperes, for each input vector (and, with
// node_voltages, the voltage of every word- and bit-line node).
//  - Linear cells (a3 empty): one numeric factorisation, computed at the first solve and reused by every
//    later call; a batch of vectors costs one factorisation plus one triangular solve pair per vector.
//  - Nonlinear cells: Newton iterations per vector, started from the linear (a1-only) solution; each
//    iteration refactors the Jacobian numerically on the fixed symbolic analysis (the sparsity pattern
//    does not change). NumericError if Newton does not converge or a factorisation fails.
//  - kind = pcg: conjugate gradients with an incomplete-Cholesky preconditioner instead of the direct
//    LDLᵀ (for arrays whose factor does not fit); warm-started from the previous vector/iterate.
// Not thread-safe (holds the factorisation); use one solver per thread.
#pragma once

#include <Eigen/Sparse>
#include <cstdint>
#include <memory>
#include <vector>

#include "xbar/array.h"

namespace pimtx::xbar {

enum class LinearSolverKind { direct, pcg };
// Fill-reducing ordering of the direct solver. nested_dissection exploits the crossbar structure: a cut
// between two columns only crosses word-line segments, so the word nodes of one column separate the array
// (likewise the bit nodes of one row); recursive bisection orders separators last. amd: Eigen's AMD.
enum class Ordering { nested_dissection, amd };

struct SolverOptions {
  LinearSolverKind kind = LinearSolverKind::direct;
  Ordering ordering = Ordering::nested_dissection;
  // nested_dissection only: number the nodes next to a source (driver / sense side) last, which makes
  // transfer_matrix() cheap (its right-hand sides touch only those nodes); a little more fill in the factor.
  bool boundary_last = false;
  double pcg_rel_tol = 1e-13;  // relative residual; 1e-13 keeps currents at ~1e-10 relative
  int pcg_max_iter = 100000;
  double newton_tol_v = 1e-13;  // converged when the largest Newton step is below this (volts)
  int newton_max_iter = 60;
  bool operator==(const SolverOptions&) const = default;
};

struct SolveResult {
  Eigen::MatrixXd bit_currents_a;   // (cols, n_vec) into each bit-line terminal (virtual ground)
  Eigen::MatrixXd word_currents_a;  // (rows, n_vec) delivered by each word-line driver
  // Node voltages, only when solve() is asked for them (else empty): node (i, j) of the word / bit line at row
  // i*cols + j; a node merged into a source (0-ohm element) reports that source's voltage.
  Eigen::MatrixXd word_node_v;    // (rows*cols, n_vec)
  Eigen::MatrixXd bit_node_v;     // (rows*cols, n_vec)
  int max_newton_iterations = 0;  // 0 for linear cells
  int64_t pcg_iterations = 0;     // total over the batch (pcg only)
  double t_factor_s = 0.0;        // numeric factorisations in this call
  double t_solve_s = 0.0;         // everything else in this call
};

// Effective transfer matrices of a linear array with its bit-line terminals at 0 V: for word-line source
// voltages v (rows), the bit-line terminal currents are bit_a_per_v · v and the driver currents
// word_a_per_v · v, exactly (the array is a linear circuit); the power drawn from the sources is vᵀ·W·v.
struct TransferMatrix {
  Eigen::MatrixXd bit_a_per_v;   // M (cols, rows)
  Eigen::MatrixXd word_a_per_v;  // W (rows, rows), symmetric positive semi-definite
  double t_s = 0.0;              // wall time of transfer_matrix() (factorisation included if it ran)
};

class NodalSolver {
 public:
  NodalSolver(const CellArray& cells, const Parasitics& parasitics, SolverOptions options = {});
  ~NodalSolver();
  NodalSolver(NodalSolver&&) noexcept;
  NodalSolver& operator=(NodalSolver&&) noexcept;

  SolveResult solve(const Drive& drive, bool node_voltages = false);
  // The exact TransferMatrix of the linear cells (a1; NumericError if the cells are nonlinear). Direct
  // solvers: M = Gᵀ K⁻¹ B + D, W = diag(g) − Bᵀ K⁻¹ B from the existing LDLᵀ factor K = Pᵀ L D Lᵀ P through
  // sparse forward substitutions only (the right-hand sides B, G touch one node per source; L⁻¹ e_k is non-zero
  // only on the elimination-tree path from k to the root), then one dense product over the union of those paths.
  // pcg: one solve per word line (identity drive).
  TransferMatrix transfer_matrix();

  [[nodiscard]] Eigen::Index n_unknowns() const;
  [[nodiscard]] double t_analyze_s() const;  // symbolic analysis time (constructor)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pimtx::xbar
