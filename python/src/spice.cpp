// pimtx.netlist_crossbar (circuits::crossbar_netlist) and pimtx.spice (spice::WorkerPool).
//
// SPICE jobs never run in the interpreter's process: they go to a worker pool of forked processes, each with its
// own libngspice, so a netlist that crashes ngspice kills a worker (replaced by a fresh fork), not Python; the
// failure arrives as pimtx.SpiceError. The pool is created at the first call and kept for later ones (it is
// re-created when a call asks for a different number of workers).
#include <fmt/format.h>

#include <complex>
#include <memory>
#include <mutex>
#include <sstream>

#include "circuits/crossbar.h"
#include "common.h"
#include "core/errors.h"
#include "spice/pool.h"

namespace pimtx::python {

namespace {

std::mutex g_pool_mutex;
std::unique_ptr<spice::WorkerPool> g_pool;
size_t g_pool_workers = 0;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.push_back(line);
  }
  return lines;
}

py::dict result_dict(const spice::Result& r) {
  py::dict d;
  for (const spice::Vector& v : r.vectors) {
    if (v.imag.empty()) {
      d[py::str(v.name)] = vector_to_array(std::vector<double>(v.real));
    } else {
      py::array_t<std::complex<double>> c(static_cast<py::ssize_t>(v.real.size()));
      auto* p = c.mutable_data();
      for (size_t k = 0; k < v.real.size(); ++k) {
        p[k] = {v.real[k], v.imag[k]};
      }
      d[py::str(v.name)] = c;
    }
  }
  return d;
}

py::object run_spice(const py::object& netlist, const py::object& analysis, const std::vector<std::string>& save,
                     double timeout_s, size_t n_workers, bool allow_control) {
  const bool many = !py::isinstance<py::str>(netlist);
  std::vector<std::string> texts;
  if (many) {
    for (py::handle h : netlist) {
      texts.push_back(py::cast<std::string>(h));
    }
  } else {
    texts.push_back(netlist.cast<std::string>());
  }
  std::vector<std::string> commands;
  if (py::isinstance<py::str>(analysis)) {
    commands.push_back(analysis.cast<std::string>());
  } else {
    commands = analysis.cast<std::vector<std::string>>();
  }
  if (commands.empty()) {
    throw ConfigError("spice: analysis is empty; give an ngspice command such as \"op\" or \"tran 1n 1u\"");
  }
  if (!(timeout_s >= 0.0)) {
    throw ConfigError(fmt::format("spice: timeout_s = {}: must be >= 0", timeout_s));
  }
  std::vector<spice::Job> jobs;
  for (const std::string& t : texts) {
    spice::Job j;
    j.netlist = split_lines(t);
    j.commands = commands;
    j.save = save;
    j.timeout_s = timeout_s;
    j.policy.allow_control = allow_control;
    j.policy.source = "netlist";
    jobs.push_back(std::move(j));
  }
  std::vector<spice::JobOutcome> out;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(g_pool_mutex);
    const size_t want = n_workers > 0 ? n_workers : (many ? 0 : 1);
    if (!g_pool || want != g_pool_workers) {
      g_pool.reset();
      g_pool = std::make_unique<spice::WorkerPool>(want);
      g_pool_workers = want;
    }
    out = g_pool->run(jobs);
  }
  for (size_t k = 0; k < out.size(); ++k) {
    if (!out[k].ok) {
      const std::string title = jobs[k].netlist.empty() ? std::string() : jobs[k].netlist[0];
      const std::string msg = many ? fmt::format("netlist {} ('{}'): {}", k, title, out[k].error)
                                   : fmt::format("netlist '{}': {}", title, out[k].error);
      if (out[k].user_error) {
        throw ConfigError(msg);  // refused by the netlist policy, or asked for something absent
      }
      throw SpiceError(msg);
    }
  }
  if (!many) {
    return result_dict(out[0].result);
  }
  py::list l;
  for (const auto& o : out) {
    l.append(result_dict(o.result));
  }
  return l;
}

circuits::CellType cell_of(const std::string& s) { return circuits::parse_cell_type(s); }

std::vector<double> optional_vec(const py::object& o, const char* name) {
  return o.is_none() ? std::vector<double>{} : vector_arg(o, name);
}

// Row-major flattening of an optional (rows, cols) array.
std::vector<double> optional_matrix(const py::object& o, const char* name, Eigen::Index rows, Eigen::Index cols) {
  if (o.is_none()) {
    return {};
  }
  const Eigen::MatrixXd m = matrix_arg(o, name, rows, cols);
  std::vector<double> v(static_cast<size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      v[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
    }
  }
  return v;
}

std::string netlist_crossbar(const py::object& g_s, size_t n_rows, size_t n_cols, const std::string& cell,
                             double r_wire_row_ohm, double r_wire_col_ohm, double r_driver_ohm, double r_sense_ohm,
                             const py::object& v_rows_v, const py::object& v_cols_v, const std::string& mode,
                             const std::string& sense, double r_load_ohm, const py::object& xi, double temperature_k,
                             const py::object& x0, size_t sel_row, size_t sel_col, double v_write_v,
                             const py::object& pulse_rows_v, const py::object& pulse_cols_v, double t_pulse_s,
                             double t_edge_s, double t_gap_s, const std::string& options, const std::string& analysis,
                             const std::string& command) {
  circuits::CrossbarSpec s;
  if (!g_s.is_none()) {
    const Eigen::MatrixXd g = matrix_arg(g_s, "g_s");
    n_rows = n_rows == 0 ? static_cast<size_t>(g.rows()) : n_rows;
    n_cols = n_cols == 0 ? static_cast<size_t>(g.cols()) : n_cols;
  }
  if (n_rows == 0 || n_cols == 0) {
    throw ConfigError("netlist_crossbar: give g_s (rows, cols) or n_rows and n_cols");
  }
  s.n_rows = n_rows;
  s.n_cols = n_cols;
  const auto r = static_cast<Eigen::Index>(n_rows);
  const auto c = static_cast<Eigen::Index>(n_cols);
  s.cell = cell_of(cell);
  s.g_s = optional_matrix(g_s, "g_s", r, c);
  s.xi = optional_matrix(xi, "xi", r, c);
  s.x0 = optional_matrix(x0, "x0", r, c);
  s.temperature_k = temperature_k;
  s.parasitics.r_wire_row_ohm = r_wire_row_ohm;
  s.parasitics.r_wire_col_ohm = r_wire_col_ohm;
  s.parasitics.r_driver_ohm = r_driver_ohm;
  s.parasitics.r_sense_ohm = r_sense_ohm;
  if (sense == "virtual_ground") {
    s.sense = circuits::SenseMode::virtual_ground;
  } else if (sense == "load_resistor") {
    s.sense = circuits::SenseMode::load_resistor;
  } else {
    throw ConfigError(
        fmt::format("netlist_crossbar: sense = '{}': valid names are virtual_ground, load_resistor", sense));
  }
  s.r_load_ohm = r_load_ohm;
  if (mode == "read") {
    s.mode = circuits::CrossbarMode::read;
  } else if (mode == "write_half") {
    s.mode = circuits::CrossbarMode::write_half;
  } else if (mode == "write_third") {
    s.mode = circuits::CrossbarMode::write_third;
  } else if (mode == "pulse_train") {
    s.mode = circuits::CrossbarMode::pulse_train;
  } else {
    throw ConfigError(
        fmt::format("netlist_crossbar: mode = '{}': valid names are read, write_half, write_third, "
                    "pulse_train",
                    mode));
  }
  s.v_rows_v = optional_vec(v_rows_v, "v_rows_v");
  s.v_cols_v = optional_vec(v_cols_v, "v_cols_v");
  s.sel_row = sel_row;
  s.sel_col = sel_col;
  s.v_write_v = v_write_v;
  s.pulse_rows_v =
      pulse_rows_v.is_none() ? std::vector<double>{} : optional_matrix(pulse_rows_v, "pulse_rows_v", -1, r);
  s.pulse_cols_v =
      pulse_cols_v.is_none() ? std::vector<double>{} : optional_matrix(pulse_cols_v, "pulse_cols_v", -1, c);
  s.t_pulse_s = t_pulse_s;
  s.t_edge_s = t_edge_s;
  s.t_gap_s = t_gap_s;
  s.options = options;
  s.analysis = analysis;
  s.command = command;
  return circuits::crossbar_netlist(s);
}

}  // namespace

void register_spice(py::module_& m) {
  const circuits::CrossbarSpec d;
  m.def("netlist_crossbar", &netlist_crossbar, py::arg("g_s") = py::none(), py::kw_only(), py::arg("n_rows") = 0,
        py::arg("n_cols") = 0, py::arg("cell") = "resistor", py::arg("r_wire_row_ohm") = d.parasitics.r_wire_row_ohm,
        py::arg("r_wire_col_ohm") = d.parasitics.r_wire_col_ohm, py::arg("r_driver_ohm") = d.parasitics.r_driver_ohm,
        py::arg("r_sense_ohm") = d.parasitics.r_sense_ohm, py::arg("v_rows_v") = py::none(),
        py::arg("v_cols_v") = py::none(), py::arg("mode") = "read", py::arg("sense") = "virtual_ground",
        py::arg("r_load_ohm") = d.r_load_ohm, py::arg("xi") = py::none(), py::arg("temperature_k") = d.temperature_k,
        py::arg("x0") = py::none(), py::arg("sel_row") = 0, py::arg("sel_col") = 0, py::arg("v_write_v") = d.v_write_v,
        py::arg("pulse_rows_v") = py::none(), py::arg("pulse_cols_v") = py::none(), py::arg("t_pulse_s") = d.t_pulse_s,
        py::arg("t_edge_s") = d.t_edge_s, py::arg("t_gap_s") = d.t_gap_s, py::arg("options") = "",
        py::arg("analysis") = "", py::arg("command") = "pimtx.netlist_crossbar()",
        R"doc(
SPICE netlist text of a passive (0T1R) crossbar (circuits::crossbar_netlist; geometry of src/circuits/crossbar.h,
identical to Crossbar's).

Args:
    g_s: (rows, cols) cell conductances (S): resistor 1/R, metal_oxide nominal G0; None: g_default_s for every
        cell (then give n_rows, n_cols).
    n_rows, n_cols: array size (default: g_s's shape).
    cell: "resistor", "metal_oxide" or "vteam" (subcircuits embedded from circuits/).
    r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm: parasitics (ohm, >= 0; 0 merges nodes).
    v_rows_v: (rows,) word-line inputs (V) for mode "read" (None: 0.1 V each); v_cols_v: (cols,) sense levels.
    mode: "read", "write_half" (V/2), "write_third" (V/3) or "pulse_train" (PWL pulses).
    sense: "virtual_ground" or "load_resistor" (with r_load_ohm).
    xi: (rows, cols) metal_oxide d2d draws; temperature_k: metal_oxide temperature (K); x0: (rows, cols) vteam states.
    sel_row, sel_col, v_write_v: write modes; pulse_rows_v (n_pulses, rows), pulse_cols_v (n_pulses, cols),
        t_pulse_s, t_edge_s, t_gap_s: pulse_train.
    options: an options card written as given; analysis: an analysis card (e.g. ".op"); command: the command
        recorded in the header comment.

Returns:
    The netlist text (first line = title). Sense current of column j is the vector "vs{j}#branch".

Raises:
    pimtx.ConfigError: a field out of range (naming it and the value).
)doc");
  m.def("spice", &run_spice, py::arg("netlist"), py::arg("analysis") = "op",
        py::arg("save") = std::vector<std::string>{}, py::kw_only(), py::arg("timeout_s") = 0.0,
        py::arg("n_workers") = 0, py::arg("allow_control") = false, R"doc(
Run netlist(s) through libngspice in a pool of worker processes (spice::WorkerPool).

Args:
    netlist: netlist text (first line = title), or a list of them to run in parallel.
    analysis: an ngspice command ("op", "tran 1n 1u", "dc v1 0 1 0.1") or a list run in order
        (e.g. ["alter r1 2k", "op"]).
    save: vector names to return ("v(2)", "vs0#branch"); empty: every vector of the final plot.
    timeout_s: wall-clock limit per analysis (0: none).
    n_workers: worker processes (0: 1 for one netlist, one per hardware thread for a list).
    allow_control: run `.control` blocks and commands that reach outside the simulation (shell, write, source,
        ...), which the netlist policy refuses by default (src/spice/README.md); only for files you trust.

Returns:
    {vector name: float64 array} (complex128 for complex vectors), or a list of such dicts for a list of netlists.

Raises:
    pimtx.ConfigError: the netlist policy refused the netlist or a command (named with its line).
    pimtx.SpiceError: ngspice reported an error (with its message and the netlist line), the analysis timed out,
        or the worker process died (a crash in ngspice); the interpreter is unaffected and later calls work.

The GIL is released while the jobs run.
)doc");
}

}  // namespace pimtx::python
