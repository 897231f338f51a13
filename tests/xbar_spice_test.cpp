// Golden tests: the xbar nodal solver against libngspice on the identical netlists from
// circuits::crossbar_netlist (random conductances, several wire resistances, sizes up to 32x32).
// Acceptance (issue 7): linear max relative column-current error <= 1e-6, nonlinear <= 1e-4, and with
// V/2 or V/3 biasing of unselected lines the sneak currents (every bit-line and driver current) match.
#include <catch2/catch.hpp>
#include <cmath>

#include "circuits/crossbar.h"
#include "core/rng.h"
#include "spice/engine.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;

namespace {
struct Case {
  circuits::CrossbarSpec spec;
  xbar::CellArray cells;
  xbar::Parasitics par;
  xbar::Drive drive;
};

// Same cells, parasitics and sources for both simulators. Metal-oxide cells use the a1/a3 law of
// circuits/metal_oxide.sub (mo_device_g0: temperature in kelvin, one d2d draw xi for both terms).
Case make_case(size_t n_rows, size_t n_cols, double r_wire, uint64_t seed, circuits::CellType cell) {
  Case c;
  core::Rng rng(seed, "test.xbar_spice");
  c.spec.n_rows = n_rows;
  c.spec.n_cols = n_cols;
  c.spec.cell = cell;
  c.spec.parasitics.r_wire_row_ohm = r_wire;
  c.spec.parasitics.r_wire_col_ohm = 1.3 * r_wire;
  c.spec.parasitics.r_driver_ohm = 10.0;
  c.spec.parasitics.r_sense_ohm = 5.0;
  // Tight ngspice tolerances so that its Newton loop, not the comparison, limits nothing.
  c.spec.options = ".options reltol=1e-10 abstol=1e-18 vntol=1e-13";
  const auto R = static_cast<Eigen::Index>(n_rows), C = static_cast<Eigen::Index>(n_cols);
  c.cells.a1_s.resize(R, C);
  if (cell == circuits::CellType::metal_oxide) {
    c.cells.a3_s_per_v2.resize(R, C);
  }
  for (Eigen::Index i = 0; i < R; ++i) {
    for (Eigen::Index j = 0; j < C; ++j) {
      const double g = rng.uniform(3.16e-6, 316e-6);
      c.spec.g_s.push_back(g);
      if (cell == circuits::CellType::metal_oxide) {
        const double xi = rng.normal();
        const double t = c.spec.temperature_k - 273.15;  // the law takes Celsius (circuits/metal_oxide.sub)
        c.spec.xi.push_back(xi);
        c.cells.a1_s(i, j) =
            -2.58e-6 + 0.977 * g + 1.166e-7 * t + xi * (-1.07e-6 + 0.25 * g + 2.20e-8 * t - 1300 * g * g);
        c.cells.a3_s_per_v2(i, j) = 1.18 * g + 6596 * g * g + 1.605e-3 * std::pow(t, -1.33) +
                                    xi * (1.17e-5 + 1.30 * g - 1.0e-7 * t - 6500 * g * g - 2.50e-3 * g * t);
      } else {
        c.cells.a1_s(i, j) = g;
      }
    }
  }
  c.drive.word_v.resize(R, 1);
  for (Eigen::Index i = 0; i < R; ++i) {
    const double v = rng.uniform(-0.3, 0.4);  // metal-oxide read range |V| <= 0.4 V
    c.spec.v_rows_v.push_back(v);
    c.drive.word_v(i, 0) = v;
  }
  c.par = xbar::Parasitics{c.spec.parasitics.r_wire_row_ohm, c.spec.parasitics.r_wire_col_ohm,
                           c.spec.parasitics.r_driver_ohm, c.spec.parasitics.r_sense_ohm};
  return c;
}

struct Currents {
  Eigen::VectorXd bit;   // (cols)
  Eigen::VectorXd word;  // (rows) delivered by the drivers
};

Currents run_spice(const circuits::CrossbarSpec& spec) {
  spice::Job job;
  job.netlist = circuits::crossbar_lines(spec);
  job.commands = {"op"};
  for (size_t j = 0; j < spec.n_cols; ++j) {
    job.save.push_back(circuits::sense_vector(j));
  }
  for (size_t i = 0; i < spec.n_rows; ++i) {
    job.save.push_back(circuits::row_source_vector(i));
  }
  const spice::Result r = spice::run_job(job);
  Currents c;
  c.bit.resize(static_cast<Eigen::Index>(spec.n_cols));
  c.word.resize(static_cast<Eigen::Index>(spec.n_rows));
  for (size_t j = 0; j < spec.n_cols; ++j) {
    c.bit(static_cast<Eigen::Index>(j)) = r.scalar(circuits::sense_vector(j));
  }
  // A source's branch current flows into its + terminal; the driver delivers the negative of it.
  for (size_t i = 0; i < spec.n_rows; ++i) {
    c.word(static_cast<Eigen::Index>(i)) = -r.scalar(circuits::row_source_vector(i));
  }
  return c;
}

double max_rel(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) { return xbar::compare_currents(a, ref).max_rel; }
}  // namespace

TEST_CASE("linear crossbars match ngspice to 1e-6", "[spice][xbar]") {
  for (const auto& [n, rw] :
       std::vector<std::pair<size_t, double>>{{4, 0.5}, {16, 2.5}, {32, 2.5}, {32, 20.0}, {24, 1.0}}) {
    Case c = make_case(n, n == 24 ? 17 : n, rw, 100 + n, circuits::CellType::resistor);
    const Currents ref = run_spice(c.spec);
    const xbar::SolveResult r = xbar::NodalSolver(c.cells, c.par).solve(c.drive);
    INFO("N = " << n << ", r_wire = " << rw);
    // Acceptance bound 1e-6; both are direct solves of the same linear network (expected ~1e-10).
    CHECK(max_rel(r.bit_currents_a.col(0), ref.bit) <= 1e-6);
    CHECK(max_rel(r.word_currents_a.col(0), ref.word) <= 1e-6);
  }
}

TEST_CASE("nonlinear metal-oxide crossbars match ngspice to 1e-4", "[spice][xbar]") {
  for (const auto& [n, rw] : std::vector<std::pair<size_t, double>>{{8, 2.5}, {32, 2.5}, {32, 15.0}}) {
    Case c = make_case(n, n, rw, 200 + n, circuits::CellType::metal_oxide);
    const Currents ref = run_spice(c.spec);
    const xbar::SolveResult r = xbar::NodalSolver(c.cells, c.par).solve(c.drive);
    INFO("N = " << n << ", r_wire = " << rw << ", Newton iterations " << r.max_newton_iterations);
    // Acceptance bound 1e-4; ngspice runs at reltol 1e-10, so the expected gap is far smaller.
    CHECK(max_rel(r.bit_currents_a.col(0), ref.bit) <= 1e-4);
    CHECK(max_rel(r.word_currents_a.col(0), ref.word) <= 1e-4);
  }
}

TEST_CASE("V/2 and V/3 biasing: sneak currents on every line match ngspice", "[spice][xbar]") {
  for (const auto mode : {circuits::CrossbarMode::write_half, circuits::CrossbarMode::write_third}) {
    for (const auto cell : {circuits::CellType::resistor, circuits::CellType::metal_oxide}) {
      Case c = make_case(16, 12, 2.5, 300, cell);
      c.spec.mode = mode;
      c.spec.sel_row = 5;
      c.spec.sel_col = 7;
      c.spec.v_write_v = 0.4;
      c.drive = xbar::bias_drive(
          16, 12, mode == circuits::CrossbarMode::write_half ? xbar::BiasScheme::v_half : xbar::BiasScheme::v_third, 5,
          7, 0.4);
      const Currents ref = run_spice(c.spec);
      const xbar::SolveResult r = xbar::NodalSolver(c.cells, c.par).solve(c.drive);
      // Unselected bit lines carry only sneak currents, of either sign; compare against the largest current.
      const double tol = cell == circuits::CellType::resistor ? 1e-6 : 1e-4;
      CHECK(xbar::compare_currents(r.bit_currents_a.col(0), ref.bit).max_rel_fullscale <= tol);
      CHECK(xbar::compare_currents(r.word_currents_a.col(0), ref.word).max_rel_fullscale <= tol);
      // The half-selected cells really do carry sneak current into the unselected bit lines.
      Eigen::VectorXd unselected = ref.bit;
      unselected(7) = 0.0;
      CHECK(unselected.cwiseAbs().maxCoeff() > 1e-3 * std::abs(ref.bit(7)));
    }
  }
}

TEST_CASE("transfer matrix of a 32x32 tile matches ngspice to 1e-6", "[spice][xbar]") {
  // The tile is characterised once (xbar::NodalSolver::transfer_matrix); ngspice solves the same netlist for
  // one random input vector, and M·v must give its bit-line currents and the driver currents (W·v).
  Case c = make_case(32, 32, 2.5, 321, circuits::CellType::resistor);
  const Currents ref = run_spice(c.spec);
  const xbar::TransferMatrix t = xbar::NodalSolver(c.cells, c.par).transfer_matrix();
  // Acceptance bound 1e-6; both are exact solves of the same linear network (expected ~1e-10).
  CHECK(max_rel(t.bit_a_per_v * c.drive.word_v.col(0), ref.bit) <= 1e-6);
  CHECK(max_rel(t.word_a_per_v * c.drive.word_v.col(0), ref.word) <= 1e-6);
}
