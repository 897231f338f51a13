// pimtx.Crossbar: xbar::NodalSolver (src/xbar/nodal_solver.h) over NumPy arrays.
//
// The solver does the symbolic analysis in the constructor and the numeric factorisation at the first solve;
// every later solve of a linear array reuses it (a batch costs one triangular solve pair per vector). The GIL
// is released while solving; a per-object mutex serialises solves on one Crossbar (the C++ solver holds the
// factorisation and is not thread-safe), different Crossbar objects solve in parallel.
#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "common.h"
#include "core/errors.h"
#include "xbar/approx.h"
#include "xbar/nodal_solver.h"

namespace pimtx::python {

namespace {

xbar::SolverOptions solver_options(const std::string& solver, const std::string& ordering, double pcg_rel_tol) {
  xbar::SolverOptions o;
  if (solver == "direct") {
    o.kind = xbar::LinearSolverKind::direct;
  } else if (solver == "pcg") {
    o.kind = xbar::LinearSolverKind::pcg;
  } else {
    throw ConfigError(fmt::format("Crossbar.solver = '{}': valid names are direct, pcg", solver));
  }
  if (ordering == "nested_dissection") {
    o.ordering = xbar::Ordering::nested_dissection;
  } else if (ordering == "amd") {
    o.ordering = xbar::Ordering::amd;
  } else {
    throw ConfigError(fmt::format("Crossbar.ordering = '{}': valid names are nested_dissection, amd", ordering));
  }
  if (!(pcg_rel_tol > 0.0)) {
    throw ConfigError(fmt::format("Crossbar.pcg_rel_tol = {}: must be > 0", pcg_rel_tol));
  }
  o.pcg_rel_tol = pcg_rel_tol;
  return o;
}

class Crossbar {
 public:
  Crossbar(const py::object& conductance_s, double r_wire_row_ohm, double r_wire_col_ohm, double r_driver_ohm,
           double r_sense_ohm, const py::object& a3_s_per_v2, const std::string& solver, const std::string& ordering,
           double pcg_rel_tol) {
    cells_.a1_s = matrix_arg(conductance_s, "conductance_s");
    if (!a3_s_per_v2.is_none()) {
      cells_.a3_s_per_v2 = matrix_arg(a3_s_per_v2, "a3_s_per_v2", cells_.a1_s.rows(), cells_.a1_s.cols());
    }
    par_ = {r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm};
    cells_.validate("Crossbar");
    par_.validate("Crossbar");
    const xbar::SolverOptions opt = solver_options(solver, ordering, pcg_rel_tol);
    py::gil_scoped_release nogil;
    solver_ = std::make_unique<xbar::NodalSolver>(cells_, par_, opt);
  }

  py::object solve(const py::object& voltages_v, const py::object& bit_voltages_v, bool node_voltages,
                   bool word_currents) {
    bool batched = false;
    xbar::Drive drive = drive_of(voltages_v, bit_voltages_v, &batched);
    xbar::SolveResult r;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mu_);
      r = solver_->solve(drive, node_voltages);
    }
    py::array currents = columns_to_array(std::move(r.bit_currents_a), batched);
    if (!node_voltages && !word_currents) {
      return currents;
    }
    py::dict out;
    out["bit_currents_a"] = currents;
    out["word_currents_a"] = columns_to_array(std::move(r.word_currents_a), batched);
    if (node_voltages) {
      out["word_node_v"] = nodes_to_array(std::move(r.word_node_v), rows(), cols(), batched);
      out["bit_node_v"] = nodes_to_array(std::move(r.bit_node_v), rows(), cols(), batched);
    }
    out["newton_iterations"] = r.max_newton_iterations;
    out["t_factor_s"] = r.t_factor_s;
    out["t_solve_s"] = r.t_solve_s;
    return out;
  }

  py::dict transfer() {
    xbar::TransferMatrix t;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mu_);
      t = solver_->transfer_matrix();
    }
    py::dict out;
    out["bit_a_per_v"] = std::move(t.bit_a_per_v);
    out["word_a_per_v"] = std::move(t.word_a_per_v);
    out["t_s"] = t.t_s;
    return out;
  }

  py::array ideal(const py::object& voltages_v, const py::object& bit_voltages_v) const {
    bool batched = false;
    const xbar::Drive drive = drive_of(voltages_v, bit_voltages_v, &batched);
    return columns_to_array(xbar::ideal_currents(cells_, drive), batched);
  }

  py::array relaxation(const py::object& voltages_v, int n_sweeps, const py::object& bit_voltages_v) const {
    if (n_sweeps < 1) {
      throw ConfigError(fmt::format("Crossbar.line_relaxation_currents: n_sweeps = {}: must be >= 1", n_sweeps));
    }
    bool batched = false;
    const xbar::Drive drive = drive_of(voltages_v, bit_voltages_v, &batched);
    Eigen::MatrixXd cur;
    {
      py::gil_scoped_release nogil;
      cur = xbar::line_relaxation_currents(cells_, par_, drive, n_sweeps);
    }
    return columns_to_array(std::move(cur), batched);
  }

  [[nodiscard]] Eigen::Index rows() const { return cells_.rows(); }
  [[nodiscard]] Eigen::Index cols() const { return cells_.cols(); }
  [[nodiscard]] const xbar::CellArray& cells() const { return cells_; }
  [[nodiscard]] const xbar::Parasitics& parasitics() const { return par_; }
  [[nodiscard]] const xbar::NodalSolver& solver() const { return *solver_; }

 private:
  xbar::Drive drive_of(const py::object& voltages_v, const py::object& bit_voltages_v, bool* batched) const {
    xbar::Drive d;
    d.word_v = vectors_arg(voltages_v, "voltages_v", rows(), batched);
    if (!bit_voltages_v.is_none()) {
      bool b2 = false;
      d.bit_v = vectors_arg(bit_voltages_v, "bit_voltages_v", cols(), &b2);
      if (d.bit_v.cols() != d.word_v.cols()) {
        throw py::value_error(fmt::format("argument 'bit_voltages_v': {} vector(s) for {} vector(s) of voltages_v",
                                          d.bit_v.cols(), d.word_v.cols()));
      }
    }
    return d;
  }

  xbar::CellArray cells_;
  xbar::Parasitics par_;
  std::unique_ptr<xbar::NodalSolver> solver_;
  std::mutex mu_;
};

}  // namespace

void register_xbar(py::module_& m) {
  py::class_<Crossbar>(m, "Crossbar", R"doc(
A passive (0T1R) crossbar solved by pimtx's full nodal solver (src/xbar/nodal_solver.h).

Rows are word lines (inputs, driven at their column-0 end through r_driver_ohm), columns are bit lines
(sensed at their last-row end through r_sense_ohm into a virtual ground); the geometry is that of
src/circuits/crossbar.h, the same as the generated SPICE netlists. Each cell obeys I = a1*V + a3*V**3
(a1 = conductance_s; a3_s_per_v2 None or 0 for linear cells). A resistance of exactly 0 ohm merges the nodes.

Args:
    conductance_s: (rows, cols) cell conductances a1 in siemens, >= 0.
    r_wire_row_ohm: word-line segment resistance between adjacent cells (ohm).
    r_wire_col_ohm: bit-line segment resistance between adjacent cells (ohm).
    r_driver_ohm: driver resistance, source -> first cell of each word line (ohm).
    r_sense_ohm: sense resistance, last cell of each bit line -> virtual ground (ohm).
    a3_s_per_v2: (rows, cols) cubic read-law coefficients (S/V^2), e.g. from DeviceCard.read_law(); None: linear.
    solver: "direct" (sparse LDL^T, factor once, solve many) or "pcg" (IC-preconditioned conjugate gradients).
    ordering: fill-reducing ordering of the direct solver, "nested_dissection" or "amd".
    pcg_rel_tol: relative residual of the pcg solver.

Raises:
    pimtx.ConfigError: negative or non-finite conductance or resistance (naming it), unknown solver name.
    TypeError, ValueError: an array argument with a non-real dtype or the wrong shape (naming the argument).
)doc")
      .def(py::init<const py::object&, double, double, double, double, const py::object&, const std::string&,
                    const std::string&, double>(),
           py::arg("conductance_s"), py::kw_only(), py::arg("r_wire_row_ohm") = 0.0, py::arg("r_wire_col_ohm") = 0.0,
           py::arg("r_driver_ohm") = 0.0, py::arg("r_sense_ohm") = 0.0, py::arg("a3_s_per_v2") = py::none(),
           py::arg("solver") = "direct", py::arg("ordering") = "nested_dissection",
           py::arg("pcg_rel_tol") = xbar::SolverOptions{}.pcg_rel_tol)
      .def("solve", &Crossbar::solve, py::arg("voltages_v"), py::kw_only(), py::arg("bit_voltages_v") = py::none(),
           py::arg("node_voltages") = false, py::arg("word_currents") = false, R"doc(
Solve the array for one input vector or a batch.

Args:
    voltages_v: word-line source voltages (V), shape (rows,) for one vector or (n_vectors, rows) for a batch.
        A batch reuses one factorisation (linear cells); nonlinear cells run Newton per vector.
    bit_voltages_v: bit-line terminal voltages (V), (cols,) or (n_vectors, cols); None: all 0 V (virtual ground).
    node_voltages: also return the voltage of every word- and bit-line node.
    word_currents: also return the current delivered by every word-line driver.

Returns:
    The current into each bit-line terminal (A), shape (cols,) or (n_vectors, cols), float64, without a copy.
    With node_voltages or word_currents: a dict with "bit_currents_a", "word_currents_a" ((rows,) or
    (n_vectors, rows)), "word_node_v" and "bit_node_v" ((rows, cols) or (n_vectors, rows, cols), when
    node_voltages), "newton_iterations", "t_factor_s", "t_solve_s".

Raises:
    pimtx.NumericError: Newton or PCG did not converge, or the factorisation failed.
)doc")
      .def("transfer_matrix", &Crossbar::transfer, R"doc(
The exact transfer matrices of a linear array with its bit-line terminals at 0 V (xbar::NodalSolver::
transfer_matrix): for word-line voltages v, the bit-line currents are M @ v and the driver currents W @ v; the
power drawn from the sources is v @ W @ v. Computed from the solver's LDL^T factor by sparse forward substitutions.

Returns:
    dict: "bit_a_per_v" M (cols, rows) in A/V, "word_a_per_v" W (rows, rows) in A/V (symmetric), "t_s" seconds.

Raises:
    pimtx.NumericError: the cells are nonlinear (a3_s_per_v2 given).
)doc")
      .def("ideal_currents", &Crossbar::ideal, py::arg("voltages_v"), py::kw_only(),
           py::arg("bit_voltages_v") = py::none(), R"doc(
The ideal product I_j = sum_i a1_ij * (V_i - Vbit_j): no wire, driver or sense resistance (xbar::ideal_currents).
Same shapes as solve().
)doc")
      .def("line_relaxation_currents", &Crossbar::relaxation, py::arg("voltages_v"), py::arg("n_sweeps") = 2,
           py::kw_only(), py::arg("bit_voltages_v") = py::none(), R"doc(
Block Gauss-Seidel over lines (xbar::line_relaxation_currents): one sweep is the first-order IR-drop model,
more sweeps converge to solve(). Linear part a1 only. Same shapes as solve().
)doc")
      .def_property_readonly("rows", &Crossbar::rows, "Number of word lines.")
      .def_property_readonly("cols", &Crossbar::cols, "Number of bit lines.")
      .def_property_readonly(
          "shape", [](const Crossbar& x) { return py::make_tuple(x.rows(), x.cols()); }, "(rows, cols).")
      .def_property_readonly(
          "conductance_s", [](const Crossbar& x) { return Eigen::MatrixXd(x.cells().a1_s); },
          "(rows, cols) cell conductances a1 (S), a copy.")
      .def_property_readonly(
          "parasitics",
          [](const Crossbar& x) {
            const xbar::Parasitics& p = x.parasitics();
            py::dict d;
            d["r_wire_row_ohm"] = p.r_wire_row_ohm;
            d["r_wire_col_ohm"] = p.r_wire_col_ohm;
            d["r_driver_ohm"] = p.r_driver_ohm;
            d["r_sense_ohm"] = p.r_sense_ohm;
            return d;
          },
          "The wire, driver and sense resistances (ohm) as a dict.")
      .def_property_readonly(
          "n_unknowns", [](const Crossbar& x) { return x.solver().n_unknowns(); },
          "Unknowns of the nodal system after merging 0-ohm nodes.")
      .def_property_readonly(
          "t_analyze_s", [](const Crossbar& x) { return x.solver().t_analyze_s(); },
          "Seconds spent in the symbolic analysis (constructor).");
}

}  // namespace pimtx::python
