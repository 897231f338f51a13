// Crossbar generator: structure tests (no ngspice) and [spice] tests against an independent nodal solve.
#include "circuits/crossbar.h"

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "circuits/netlist.h"
#include "core/errors.h"
#include "core/rng.h"
#include "spice/engine.h"

using namespace pimtx::circuits;

namespace {

size_t count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  size_t n = 0;
  for (const auto& l : lines) {
    if (l.rfind(prefix, 0) == 0) {
      ++n;
    }
  }
  return n;
}

CrossbarSpec random_spec(size_t m, size_t n, uint64_t seed) {
  CrossbarSpec s;
  s.n_rows = m;
  s.n_cols = n;
  pimtx::core::Rng rng(seed, "test.crossbar");
  for (size_t k = 0; k < m * n; ++k) {
    s.g_s.push_back(rng.uniform(1e-6, 1e-4));
  }
  for (size_t i = 0; i < m; ++i) {
    s.v_rows_v.push_back(rng.uniform(-0.3, 0.3));
  }
  s.parasitics.r_wire_row_ohm = 2.5;
  s.parasitics.r_wire_col_ohm = 3.5;
  s.parasitics.r_driver_ohm = 10.0;
  s.parasitics.r_sense_ohm = 7.0;
  return s;
}

// Independent nodal solve of the geometry documented in crossbar.h (resistor cells, read mode, every
// resistance > 0): unknowns w(i,j), b(i,j); sources fixed. Returns the sense currents (A).
std::vector<double> nodal_sense_currents(const CrossbarSpec& s) {
  const size_t m = s.n_rows;
  const size_t n = s.n_cols;
  const auto W = [&](size_t i, size_t j) { return static_cast<Eigen::Index>(i * n + j); };
  const auto B = [&](size_t i, size_t j) { return static_cast<Eigen::Index>(m * n + i * n + j); };
  const Eigen::Index dim = static_cast<Eigen::Index>(2 * m * n);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(dim, dim);
  Eigen::VectorXd I = Eigen::VectorXd::Zero(dim);
  auto conn = [&](Eigen::Index a, Eigen::Index b, double g) {
    G(a, a) += g;
    G(b, b) += g;
    G(a, b) -= g;
    G(b, a) -= g;
  };
  auto to_fixed = [&](Eigen::Index a, double g, double v) {
    G(a, a) += g;
    I(a) += g * v;
  };
  for (size_t i = 0; i < m; ++i) {
    to_fixed(W(i, 0), 1.0 / s.parasitics.r_driver_ohm, s.v_rows_v[i]);
    for (size_t j = 0; j + 1 < n; ++j) {
      conn(W(i, j), W(i, j + 1), 1.0 / s.parasitics.r_wire_row_ohm);
    }
    for (size_t j = 0; j < n; ++j) {
      conn(W(i, j), B(i, j), s.g_s[i * n + j]);
    }
  }
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = 0; i + 1 < m; ++i) {
      conn(B(i, j), B(i + 1, j), 1.0 / s.parasitics.r_wire_col_ohm);
    }
    to_fixed(B(m - 1, j), 1.0 / s.parasitics.r_sense_ohm, 0.0);
  }
  const Eigen::VectorXd v = G.partialPivLu().solve(I);
  std::vector<double> out;
  for (size_t j = 0; j < n; ++j) {
    out.push_back(v(B(m - 1, j)) / s.parasitics.r_sense_ohm);
  }
  return out;
}

std::vector<double> spice_sense_currents(const CrossbarSpec& s) {
  pimtx::spice::Job job;
  job.netlist = crossbar_lines(s);
  job.commands = {"op"};
  for (size_t j = 0; j < s.n_cols; ++j) {
    job.save.push_back(sense_vector(j));
  }
  const auto r = pimtx::spice::run_job(job);
  std::vector<double> out;
  for (size_t j = 0; j < s.n_cols; ++j) {
    out.push_back(r.scalar(sense_vector(j)));
  }
  return out;
}

}  // namespace

TEST_CASE("crossbar netlist has the documented elements and header", "[circuits]") {
  const auto s = random_spec(3, 5, 1);
  const auto lines = crossbar_lines(s);
  CHECK(lines.at(0).rfind("* pimtx crossbar 3x5", 0) == 0);
  CHECK(count_prefix(lines, "* regenerate:") == 1);
  CHECK(count_prefix(lines, "Vr") == 3);
  CHECK(count_prefix(lines, "Rdr") == 3);
  CHECK(count_prefix(lines, "Rw") == 3 * 4);
  CHECK(count_prefix(lines, "Rb") == 5 * 2);
  CHECK(count_prefix(lines, "Rs") == 5);
  CHECK(count_prefix(lines, "Vs") == 5);
  CHECK(count_prefix(lines, "Rc") == 15);
  CHECK(lines.back() == ".end");
  CHECK(wl_node(s, 2, 4) == "w2_4");
  CHECK(bl_node(s, 1, 3) == "b1_3");
}

TEST_CASE("zero resistances merge nodes instead of emitting elements", "[circuits]") {
  auto s = random_spec(2, 3, 2);
  s.parasitics.r_wire_row_ohm = 0.0;
  s.parasitics.r_wire_col_ohm = 0.0;
  s.parasitics.r_driver_ohm = 0.0;
  s.parasitics.r_sense_ohm = 0.0;
  const auto lines = crossbar_lines(s);
  CHECK(count_prefix(lines, "Rw") == 0);
  CHECK(count_prefix(lines, "Rb") == 0);
  CHECK(count_prefix(lines, "Rdr") == 0);
  CHECK(count_prefix(lines, "Rs") == 0);
  CHECK(wl_node(s, 1, 2) == "w1_0");
  CHECK(bl_node(s, 0, 2) == "b1_2");
}

TEST_CASE("metal-oxide and vteam cells instantiate embedded subcircuits", "[circuits]") {
  auto s = random_spec(2, 2, 3);
  s.cell = CellType::metal_oxide;
  s.xi = {0.1, -0.2, 0.3, 0.0};
  std::string text = crossbar_netlist(s);
  CHECK(text.find(".subckt mo_device_g0") != std::string::npos);
  CHECK(count_prefix(split_lines(text), "Xc") == 4);
  s.cell = CellType::vteam;
  s.x0 = {0.1, 0.2, 0.3, 0.4};
  text = crossbar_netlist(s);
  CHECK(text.find(".subckt vteam") != std::string::npos);
  CHECK(text.find("x0=0.40000000000000002") != std::string::npos);  // exact 17-digit doubles
}

TEST_CASE("write modes bias unselected lines with V/2 and V/3", "[circuits]") {
  CrossbarSpec s;
  s.n_rows = 3;
  s.n_cols = 3;
  s.mode = CrossbarMode::write_third;
  s.sel_row = 1;
  s.sel_col = 2;
  s.v_write_v = 1.5;
  const std::string t = crossbar_netlist(s);
  CHECK(t.find("Vr1 dr1 0 DC 1.5\n") != std::string::npos);
  CHECK(t.find("Vr0 dr0 0 DC 0.5\n") != std::string::npos);
  CHECK(t.find("Vs2 s2 0 DC 0\n") != std::string::npos);
  CHECK(t.find("Vs0 s0 0 DC 1\n") != std::string::npos);
  s.mode = CrossbarMode::write_half;
  const std::string h = crossbar_netlist(s);
  CHECK(h.find("Vr0 dr0 0 DC 0.75\n") != std::string::npos);
  CHECK(h.find("Vs0 s0 0 DC 0.75\n") != std::string::npos);
}

TEST_CASE("bad crossbar specs are ConfigErrors naming the field", "[circuits]") {
  CrossbarSpec s;
  s.parasitics.r_wire_row_ohm = -1.0;
  CHECK_THROWS_WITH(crossbar_netlist(s), Catch::Contains("r_wire_row_ohm"));
  s = CrossbarSpec{};
  s.mode = CrossbarMode::write_half;
  s.sel_row = 9;
  CHECK_THROWS_AS(crossbar_netlist(s), pimtx::ConfigError);
  s = CrossbarSpec{};
  s.g_s = {1e-4};
  CHECK_THROWS_WITH(crossbar_netlist(s), Catch::Contains("g_s"));
  CHECK_THROWS_AS(parse_cell_type("memristor"), pimtx::ConfigError);
}

TEST_CASE("pulse train uses PWL sources with the documented timing", "[circuits]") {
  CrossbarSpec s;
  s.n_rows = 1;
  s.n_cols = 1;
  s.mode = CrossbarMode::pulse_train;
  s.pulse_rows_v = {1.0, -1.0};
  s.t_edge_s = 1e-9;
  s.t_pulse_s = 1e-6;
  s.t_gap_s = 0.0;
  CHECK(pulse_train_duration_s(s) == Approx(2 * (2e-9 + 1e-6)).epsilon(1e-15));  // exact arithmetic
  const std::string t = crossbar_netlist(s);
  CHECK(t.find("Vr0 dr0 0 PWL(0 0 1.0000000000000001e-09 1") != std::string::npos);
}

TEST_CASE("2x2 and 4x4 resistor crossbars match the nodal solution", "[spice]") {
  for (size_t n : {2U, 4U}) {
    const auto s = random_spec(n, n, 10 + n);
    const auto want = nodal_sense_currents(s);
    const auto got = spice_sense_currents(s);
    for (size_t j = 0; j < n; ++j) {
      INFO("N = " << n << ", column " << j << ": spice " << got[j] << " A, nodal " << want[j] << " A");
      // Both are direct LU solves of the same linear system in double precision.
      CHECK(std::abs(got[j] - want[j]) / std::abs(want[j]) < 1e-9);
    }
  }
}

TEST_CASE("non-square crossbar with load-resistor sense matches the nodal solution", "[spice]") {
  // With sense = load_resistor the sense path is r_sense + r_load in series (the 0-V probe adds nothing),
  // which the nodal reference models as one resistance to ground.
  auto s = random_spec(3, 2, 21);
  s.sense = SenseMode::load_resistor;
  s.r_load_ohm = 500.0;
  auto ref = s;
  ref.parasitics.r_sense_ohm = s.parasitics.r_sense_ohm + s.r_load_ohm;
  const auto want = nodal_sense_currents(ref);
  const auto got = spice_sense_currents(s);
  for (size_t j = 0; j < 2; ++j) {
    CHECK(std::abs(got[j] - want[j]) / std::abs(want[j]) < 1e-9);  // direct LU solves, as above
  }
}
