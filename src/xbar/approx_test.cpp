#include "xbar/approx.h"

#include <catch2/catch.hpp>

#include "core/rng.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;
using namespace pimtx::xbar;

TEST_CASE("line relaxation converges to the full solve, one sweep is a fair IR-drop estimate", "[xbar]") {
  core::Rng rng(3, "test");
  CellArray cells;
  cells.a1_s.resize(32, 24);
  for (Eigen::Index i = 0; i < cells.a1_s.size(); ++i) {
    cells.a1_s.data()[i] = rng.uniform(3.16e-6, 316e-6);
  }
  Drive d;
  d.word_v = Eigen::MatrixXd::Constant(32, 2, 0.2);
  d.word_v(3, 1) = -0.1;
  const Parasitics p{2.5, 2.5, 10.0, 10.0};
  const Eigen::MatrixXd full = NodalSolver(cells, p).solve(d).bit_currents_a;
  const Eigen::MatrixXd ideal = ideal_currents(cells, d);
  const double e_ideal = compare_currents(ideal, full).max_rel_fullscale;
  const double e1 = compare_currents(line_relaxation_currents(cells, p, d, 1), full).max_rel_fullscale;
  const double e50 = compare_currents(line_relaxation_currents(cells, p, d, 50), full).max_rel_fullscale;
  CHECK(e_ideal > 0.01);  // 32 rows of up to 316 uS behind 2.5-ohm segments: percent-level IR drop
  CHECK(e1 < e_ideal / 3.0);
  // Tolerance: block Gauss-Seidel contracts by ~1e-2 per sweep here; 50 sweeps reach rounding.
  CHECK(e50 < 1e-9);
}

TEST_CASE("ideal currents subtract bit-line bias", "[xbar]") {
  CellArray cells;
  cells.a1_s = Eigen::MatrixXd::Constant(2, 2, 1e-5);
  Drive d = bias_drive(2, 2, BiasScheme::v_half, 0, 0, 0.4);
  const Eigen::MatrixXd i = ideal_currents(cells, d);
  // col 0 at 0 V: 1e-5*0.4 + 1e-5*0.2; col 1 at 0.2 V: 1e-5*0.2 + 0
  CHECK(i(0, 0) == Approx(6e-6));
  CHECK(i(1, 0) == Approx(2e-6));
}
