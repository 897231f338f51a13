// Nodal solver against closed forms and an independent dense nodal solve (different formulation:
// every physical node an unknown, sources eliminated by hand, Eigen's dense partial-pivot LU).
#include "xbar/nodal_solver.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"
#include "core/rng.h"
#include "xbar/approx.h"

using namespace pimtx;
using namespace pimtx::xbar;

namespace {
CellArray random_cells(Eigen::Index r, Eigen::Index c, uint64_t seed, double a3 = 0.0) {
  core::Rng rng(seed, "test.cells");
  CellArray cells;
  cells.a1_s.resize(r, c);
  for (Eigen::Index i = 0; i < r; ++i) {
    for (Eigen::Index j = 0; j < c; ++j) {
      cells.a1_s(i, j) = rng.uniform(3.16e-6, 316e-6);
    }
  }
  if (a3 != 0.0) {
    cells.a3_s_per_v2 = cells.a1_s * a3;
  }
  return cells;
}

Drive random_drive(Eigen::Index r, Eigen::Index n, uint64_t seed) {
  core::Rng rng(seed, "test.drive");
  Drive d;
  d.word_v.resize(r, n);
  for (Eigen::Index k = 0; k < n; ++k) {
    for (Eigen::Index i = 0; i < r; ++i) {
      d.word_v(i, k) = rng.uniform(-0.3, 0.3);
    }
  }
  return d;
}

// Dense reference: unknowns word (i,j) then bit (i,j); all resistances must be > 0.
Eigen::VectorXd dense_reference(const CellArray& cells, const Parasitics& p, const Eigen::VectorXd& v) {
  const Eigen::Index R = cells.rows(), C = cells.cols(), n = 2 * R * C;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  auto w = [&](Eigen::Index i, Eigen::Index j) { return i * C + j; };
  auto b = [&](Eigen::Index i, Eigen::Index j) { return R * C + i * C + j; };
  auto stamp = [&](Eigen::Index x, Eigen::Index y, double g) {
    a(x, x) += g;
    a(y, y) += g;
    a(x, y) -= g;
    a(y, x) -= g;
  };
  for (Eigen::Index i = 0; i < R; ++i) {
    a(w(i, 0), w(i, 0)) += 1.0 / p.r_driver_ohm;
    rhs(w(i, 0)) += v(i) / p.r_driver_ohm;
    for (Eigen::Index j = 0; j < C; ++j) {
      stamp(w(i, j), b(i, j), cells.a1_s(i, j));
      if (j + 1 < C) {
        stamp(w(i, j), w(i, j + 1), 1.0 / p.r_wire_row_ohm);
      }
      if (i + 1 < R) {
        stamp(b(i, j), b(i + 1, j), 1.0 / p.r_wire_col_ohm);
      }
    }
  }
  for (Eigen::Index j = 0; j < C; ++j) {
    a(b(R - 1, j), b(R - 1, j)) += 1.0 / p.r_sense_ohm;
  }
  const Eigen::VectorXd x = a.partialPivLu().solve(rhs);
  Eigen::VectorXd out(C);
  for (Eigen::Index j = 0; j < C; ++j) {
    out(j) = x(b(R - 1, j)) / p.r_sense_ohm;
  }
  return out;
}
}  // namespace

TEST_CASE("single cell matches the series-resistance closed form", "[xbar]") {
  CellArray cells;
  cells.a1_s = Eigen::MatrixXd::Constant(1, 1, 1e-4);
  const Parasitics p{1.0, 1.0, 50.0, 30.0};
  NodalSolver s(cells, p);
  Drive d;
  d.word_v = Eigen::MatrixXd::Constant(1, 1, 0.2);
  const SolveResult r = s.solve(d);
  const double expect = 0.2 / (50.0 + 1e4 + 30.0);
  // Tolerance: a 1x1 LDLT solve is exact to rounding.
  CHECK(r.bit_currents_a(0, 0) == Approx(expect).epsilon(1e-13));
  CHECK(r.word_currents_a(0, 0) == Approx(expect).epsilon(1e-13));
}

TEST_CASE("nonlinear single cell matches a bisection of the series equation", "[xbar]") {
  CellArray cells;
  const double a1 = 1e-4, a3 = 2e-3, rs = 1500.0, v = 0.4;
  cells.a1_s = Eigen::MatrixXd::Constant(1, 1, a1);
  cells.a3_s_per_v2 = Eigen::MatrixXd::Constant(1, 1, a3);
  NodalSolver s(cells, Parasitics{1.0, 1.0, 1000.0, 500.0});
  Drive d;
  d.word_v = Eigen::MatrixXd::Constant(1, 1, v);
  const SolveResult r = s.solve(d);
  double lo = 0.0, hi = v;  // cell voltage: (v - vc)/rs = a1 vc + a3 vc^3
  for (int it = 0; it < 200; ++it) {
    const double vc = 0.5 * (lo + hi);
    ((v - vc) / rs > a1 * vc + a3 * vc * vc * vc ? lo : hi) = vc;
  }
  const double vc = 0.5 * (lo + hi);
  // Tolerance: Newton stops at a 1e-13 V step; bisection is exact to ~1e-16 V.
  CHECK(r.bit_currents_a(0, 0) == Approx((v - vc) / rs).epsilon(1e-10));
  CHECK(r.max_newton_iterations >= 2);
}

TEST_CASE("random arrays match an independent dense nodal solve", "[xbar]") {
  for (const double rw : {0.5, 2.5, 20.0}) {
    const CellArray cells = random_cells(5, 7, 11);
    const Parasitics p{rw, 1.7 * rw, 10.0, 5.0};
    const Drive d = random_drive(5, 3, 12);
    NodalSolver s(cells, p);
    const SolveResult r = s.solve(d);
    for (Eigen::Index k = 0; k < 3; ++k) {
      const Eigen::VectorXd ref = dense_reference(cells, p, d.word_v.col(k));
      // Tolerance: both are direct solves of a well-conditioned 70-node system; 1e-10 allows rounding.
      CHECK(compare_currents(r.bit_currents_a.col(k), ref).max_rel_fullscale < 1e-10);
    }
    // KCL: all current delivered by the drivers leaves through the sense terminals.
    CHECK(std::abs(r.word_currents_a.sum() - r.bit_currents_a.sum()) < 1e-12 * r.bit_currents_a.cwiseAbs().sum());
  }
}

TEST_CASE("zero resistance merges nodes: the limit of small resistances and the ideal case", "[xbar]") {
  const CellArray cells = random_cells(6, 4, 3);
  const Drive d = random_drive(6, 2, 4);
  SECTION("all zero equals the ideal product") {
    NodalSolver s(cells, Parasitics{});
    CHECK(s.n_unknowns() == 0);
    const Eigen::MatrixXd ideal = ideal_currents(cells, d);
    // Tolerance: both are the same sums in different order.
    CHECK(compare_currents(s.solve(d).bit_currents_a, ideal).max_rel_fullscale < 1e-13);
  }
  SECTION("ideal driver and sense equal the 1e-9 ohm limit") {
    NodalSolver s0(cells, Parasitics{3.0, 2.0, 0.0, 0.0});
    const Parasitics tiny{3.0, 2.0, 1e-9, 1e-9};
    const Eigen::VectorXd ref = dense_reference(cells, tiny, d.word_v.col(0));
    // Tolerance: 1e-9 ohm against ~100 ohm of line resistance shifts currents by ~1e-11 relative.
    CHECK(compare_currents(s0.solve(d).bit_currents_a.col(0), ref).max_rel_fullscale < 1e-9);
  }
}

TEST_CASE("batch solve equals one-by-one solves and reuses the factorisation", "[xbar]") {
  const CellArray cells = random_cells(16, 12, 5);
  const Parasitics p{2.5, 2.5, 2.5, 2.5};
  const Drive d = random_drive(16, 8, 6);
  NodalSolver batch(cells, p);
  const SolveResult all = batch.solve(d);
  CHECK(all.t_factor_s > 0.0);
  for (Eigen::Index k = 0; k < 8; ++k) {
    Drive one;
    one.word_v = d.word_v.col(k);
    const SolveResult r = batch.solve(one);
    CHECK(r.t_factor_s == 0.0);  // second call: factor reused
    // Tolerance: identical factor, different RHS blocking -> rounding only.
    CHECK(compare_currents(r.bit_currents_a, all.bit_currents_a.col(k)).max_rel_fullscale < 1e-12);
  }
}

TEST_CASE("PCG agrees with the direct solver, linear and nonlinear", "[xbar]") {
  for (const double a3 : {0.0, 1.5}) {
    const CellArray cells = random_cells(24, 20, 7, a3);
    const Parasitics p{2.5, 4.0, 10.0, 10.0};
    const Drive d = random_drive(24, 3, 8);
    NodalSolver direct(cells, p);
    SolverOptions o;
    o.kind = LinearSolverKind::pcg;
    NodalSolver pcg(cells, p, o);
    const SolveResult a = direct.solve(d);
    const SolveResult b = pcg.solve(d);
    CHECK(b.pcg_iterations > 0);
    // Tolerance: PCG stops at relative residual 1e-13; the system condition number is ~1e4.
    CHECK(compare_currents(b.bit_currents_a, a.bit_currents_a).max_rel < 1e-8);
  }
}

TEST_CASE("nonlinear cells: a3 -> 0 recovers the linear solve and KCL holds", "[xbar]") {
  const Parasitics p{2.5, 2.5, 10.0, 10.0};
  const Drive d = random_drive(10, 2, 10);
  NodalSolver lin(random_cells(10, 9, 9), p);
  NodalSolver tiny(random_cells(10, 9, 9, 1e-9), p);
  NodalSolver big(random_cells(10, 9, 9, 2.0), p);
  const SolveResult a = lin.solve(d);
  // Tolerance: a3/a1 = 1e-9 at |V| <= 0.3 V changes currents by < 1e-10 relative.
  CHECK(compare_currents(tiny.solve(d).bit_currents_a, a.bit_currents_a).max_rel_fullscale < 1e-9);
  const SolveResult c = big.solve(d);
  CHECK(compare_currents(c.bit_currents_a, a.bit_currents_a).max_rel_fullscale > 1e-3);  // the cubic matters
  CHECK(std::abs(c.word_currents_a.col(0).sum() - c.bit_currents_a.col(0).sum()) <
        1e-10 * c.bit_currents_a.col(0).cwiseAbs().sum());
}

TEST_CASE("non-physical input is a ConfigError", "[xbar]") {
  CellArray cells = random_cells(3, 3, 1);
  cells.a1_s(1, 2) = -1e-6;
  CHECK_THROWS_AS(NodalSolver(cells, Parasitics{}), ConfigError);
  CHECK_THROWS_WITH(NodalSolver(cells, Parasitics{}), Catch::Contains("row 1, col 2"));
  CHECK_THROWS_AS(NodalSolver(random_cells(3, 3, 1), Parasitics{-1.0, 0.0, 0.0, 0.0}), ConfigError);
  NodalSolver s(random_cells(3, 3, 1), Parasitics{1.0, 1.0, 1.0, 1.0});
  Drive d;
  d.word_v = Eigen::MatrixXd::Zero(4, 1);
  CHECK_THROWS_WITH(s.solve(d), Catch::Contains("4 voltages") && Catch::Contains("3 word lines"));
}

TEST_CASE("nested-dissection and AMD orderings give the same currents, with and without merged lines", "[xbar]") {
  const CellArray cells = random_cells(13, 22, 21, 0.5);
  const Drive d = random_drive(13, 2, 22);
  for (const Parasitics& p : {Parasitics{2.5, 3.0, 10.0, 5.0}, Parasitics{0.0, 3.0, 10.0, 0.0}}) {
    SolverOptions amd;
    amd.ordering = Ordering::amd;
    const SolveResult a = NodalSolver(cells, p).solve(d);
    const SolveResult b = NodalSolver(cells, p, amd).solve(d);
    // Tolerance: same system, different elimination order: rounding only.
    CHECK(compare_currents(a.bit_currents_a, b.bit_currents_a).max_rel < 1e-11);
  }
}

TEST_CASE("transfer matrix reproduces direct solves of the same tile (bit and driver currents)", "[xbar]") {
  const CellArray cells = random_cells(24, 31, 31);
  const Drive d = random_drive(24, 5, 32);
  // Parasitics with every line resistive, merged word lines (0-ohm row wires and driver), merged bit lines, and
  // every resistance 0 (all nodes merged: no unknowns, the ideal G^T V).
  for (const Parasitics& p : {Parasitics{2.5, 3.0, 10.0, 5.0}, Parasitics{0.0, 3.0, 0.0, 5.0},
                              Parasitics{2.5, 0.0, 10.0, 0.0}, Parasitics{0.0, 0.0, 0.0, 0.0}}) {
    for (const int variant : {0, 1, 2}) {
      const Ordering o = variant == 2 ? Ordering::amd : Ordering::nested_dissection;
      SolverOptions opt;
      opt.ordering = o;
      opt.boundary_last = variant == 1;
      NodalSolver s(cells, p, opt);
      const TransferMatrix t = s.transfer_matrix();
      const SolveResult r = NodalSolver(cells, p, opt).solve(d);
      INFO("r_wire_row " << p.r_wire_row_ohm << " r_wire_col " << p.r_wire_col_ohm << " ordering "
                         << " variant " << variant);
      // Acceptance 1e-9 relative: the same linear system, only the order of rounding differs (~1e-13 seen).
      CHECK(compare_currents(t.bit_a_per_v * d.word_v, r.bit_currents_a).max_rel < 1e-9);
      CHECK(compare_currents(t.word_a_per_v * d.word_v, r.word_currents_a).max_rel < 1e-9);
      // The power drawn is v^T W v >= 0 and W is symmetric.
      CHECK((t.word_a_per_v - t.word_a_per_v.transpose()).cwiseAbs().maxCoeff() <
            1e-12 * t.word_a_per_v.cwiseAbs().maxCoeff());
    }
  }
  SolverOptions pcg;
  pcg.kind = LinearSolverKind::pcg;
  const Parasitics p{2.5, 3.0, 10.0, 5.0};
  const TransferMatrix t = NodalSolver(cells, p, pcg).transfer_matrix();
  const SolveResult r = NodalSolver(cells, p).solve(d);
  // PCG (iterative, relative residual 1e-13 per identity column): small currents of a column sum of 24 solves
  // carry ~1e-9 relative (2.5e-9 seen); the 1e-9 acceptance is for the direct factor above.
  CHECK(compare_currents(t.bit_a_per_v * d.word_v, r.bit_currents_a).max_rel < 1e-7);
  CHECK_THROWS_AS(NodalSolver(random_cells(3, 3, 1, 0.5), p).transfer_matrix(), NumericError);
}
