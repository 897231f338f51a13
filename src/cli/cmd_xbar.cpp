// `pimtx xbar CONFIG.toml [-o OUT.h5]`: solve one crossbar (own conductances from CSV or a generated
// array) for a batch of input vectors, with the full nodal solver, the ideal product and the line-relaxation
// approximation, and write currents, error maps against the full solve and timings (issue 7).
//
// Config (SI keys):
//   [array]  conductance_csv (rows = word lines, cols = bit lines, S)  | rows, cols, g_min_s, g_max_s (uniform
//            random, stream "xbar.cli.array"); a3_csv (S/V², same shape) | a3_over_a1_per_v2 (a3 = k·a1);
//            r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm (>= 0; 0 merges nodes).
//   [input]  voltages_csv (one vector per line, volts per word line) | n_vectors, v_min_v, v_max_v (uniform).
//   [bias]   scheme = "v_half" | "v_third" | "grounded", row, col, v_read_v: one read of cell (row, col) with
//            unselected lines biased (replaces [input]; bit-line currents include the sneak currents).
//   [solver] type = "direct" | "pcg", pcg_rel_tol, approx_sweeps, compare (ideal/approx error maps).
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "core/errors.h"
#include "core/rng.h"
#include "io/csv.h"
#include "xbar/approx.h"
#include "xbar/nodal_solver.h"

namespace pimtx::cli {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Eigen::MatrixXd read_matrix_csv(core::Section& s, const std::string& key) {
  const std::string path = s.get_path(key, "", true);
  const io::CsvTable t = io::read_numeric_csv(path, false);
  if (t.rows.empty()) {
    s.fail(key, fmt::format("{} holds no rows", path));
  }
  Eigen::MatrixXd m(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(t.n_cols()));
  for (size_t i = 0; i < t.rows.size(); ++i) {
    for (size_t j = 0; j < t.n_cols(); ++j) {
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = t.rows[i][j];
    }
  }
  return m;
}

// Row-major copy of an Eigen matrix (for ResultFile::write).
std::vector<double> row_major(const Eigen::MatrixXd& m) {
  std::vector<double> v(static_cast<size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      v[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
    }
  }
  return v;
}

void write_matrix(io::ResultFile& f, const std::string& path, const Eigen::MatrixXd& m, const std::string& units) {
  f.write(path, row_major(m), {static_cast<size_t>(m.rows()), static_cast<size_t>(m.cols())}, units);
}

struct XbarJob {
  xbar::CellArray cells;
  xbar::Parasitics parasitics;
  xbar::Drive drive;
  xbar::SolverOptions options;
  int64_t approx_sweeps = 2;
  bool compare = true;
  std::string bias = "none";
};

XbarJob read_job(core::Config& cfg, uint64_t seed) {
  XbarJob job;
  auto arr = cfg.section("array");
  if (arr.has("conductance_csv")) {
    job.cells.a1_s = read_matrix_csv(arr, "conductance_csv");
    for (Eigen::Index i = 0; i < job.cells.a1_s.rows(); ++i) {
      for (Eigen::Index j = 0; j < job.cells.a1_s.cols(); ++j) {
        const double g = job.cells.a1_s(i, j);
        if (!(g >= 0.0)) {
          arr.fail("conductance_csv", fmt::format("row {} (word line {}), column {} (bit line {}): conductance {} S "
                                                  "is negative; conductances must be >= 0",
                                                  i + 1, i, j + 1, j, g));
        }
      }
    }
  } else {
    const auto rows = arr.require_int("rows", core::Range::closed(1, 4096));
    const auto cols = arr.require_int("cols", core::Range::closed(1, 4096));
    const double g_min = arr.get_double("g_min_s", 3.16e-6, core::Range::non_negative());
    const double g_max = arr.get_double("g_max_s", 316e-6, core::Range::positive());
    if (g_max < g_min) {
      arr.fail("g_max_s", fmt::format("{} is below g_min_s = {}", g_max, g_min));
    }
    core::Rng rng(seed, "xbar.cli.array");
    job.cells.a1_s.resize(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index j = 0; j < cols; ++j) {
        job.cells.a1_s(i, j) = rng.uniform(g_min, g_max);
      }
    }
  }
  if (arr.has("a3_csv")) {
    job.cells.a3_s_per_v2 = read_matrix_csv(arr, "a3_csv");
  } else {
    const double k = arr.get_double("a3_over_a1_per_v2", 0.0);
    if (k != 0.0) {
      job.cells.a3_s_per_v2 = job.cells.a1_s * k;
    }
  }
  job.parasitics.r_wire_row_ohm = arr.get_double("r_wire_row_ohm", 0.0, core::Range::non_negative());
  job.parasitics.r_wire_col_ohm = arr.get_double("r_wire_col_ohm", 0.0, core::Range::non_negative());
  job.parasitics.r_driver_ohm = arr.get_double("r_driver_ohm", 0.0, core::Range::non_negative());
  job.parasitics.r_sense_ohm = arr.get_double("r_sense_ohm", 0.0, core::Range::non_negative());
  job.cells.validate("array");

  const Eigen::Index rows = job.cells.rows();
  auto bias = cfg.section("bias");
  auto in = cfg.section("input");
  job.bias = bias.get_string("scheme", "none", {"none", "v_half", "v_third", "grounded"});
  if (job.bias != "none") {
    if (in.exists()) {
      bias.fail("scheme", "a biased single-cell read replaces [input]; remove the [input] table");
    }
    const auto r = bias.require_int("row", core::Range::closed(0, static_cast<double>(rows - 1)));
    const auto c = bias.require_int("col", core::Range::closed(0, static_cast<double>(job.cells.cols() - 1)));
    const double v = bias.get_double("v_read_v", 0.2, core::Range::any());
    job.drive = xbar::bias_drive(rows, job.cells.cols(), xbar::parse_bias_scheme(job.bias), r, c, v);
  } else if (in.has("voltages_csv")) {
    const Eigen::MatrixXd v = read_matrix_csv(in, "voltages_csv");  // (n_vec, rows)
    if (v.cols() != rows) {
      in.fail("voltages_csv", fmt::format("each line has {} voltages but the array has {} word lines", v.cols(), rows));
    }
    job.drive.word_v = v.transpose();
  } else {
    const auto n = in.get_int("n_vectors", 1, core::Range::closed(1, 1 << 20));
    const double lo = in.get_double("v_min_v", 0.0), hi = in.get_double("v_max_v", 0.2);
    core::Rng rng(seed, "xbar.cli.input");
    job.drive.word_v.resize(rows, n);
    for (Eigen::Index k = 0; k < n; ++k) {
      for (Eigen::Index i = 0; i < rows; ++i) {
        job.drive.word_v(i, k) = rng.uniform(lo, hi);
      }
    }
  }
  auto sol = cfg.section("solver");
  job.options.kind =
      sol.get_string("type", "direct", {"direct", "pcg"}) == "pcg" ? xbar::LinearSolverKind::pcg : xbar::LinearSolverKind::direct;
  job.options.pcg_rel_tol = sol.get_double("pcg_rel_tol", job.options.pcg_rel_tol, core::Range::positive());
  job.approx_sweeps = sol.get_int("approx_sweeps", 2, core::Range::closed(1, 100000));
  job.compare = sol.get_bool("compare", true);
  return job;
}
}  // namespace

void add_xbar_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config;
    std::string out;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("xbar", "Solve a crossbar (IR drop, sneak paths, nonlinear cells) for input vectors");
  sub->add_option("config", o->config, "Array config (TOML): [array], [input] or [bias], [solver]")->required();
  sub->add_option("-o,--output", o->out, "Result file (default: results/<config name>.h5)");
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    core::Config cfg = load_config(o->config, o->common);
    const uint64_t seed = master_seed(cfg);
    XbarJob job = read_job(cfg, seed);
    job.drive.check_shape(job.cells.rows(), job.cells.cols());
    const std::filesystem::path out =
        o->out.empty() ? std::filesystem::path("results") / (std::filesystem::path(o->config).stem().string() + ".h5")
                       : std::filesystem::path(o->out);
    std::string summary;
    run_job(cfg, seed, out, [&](io::ResultFile& f) {
      const auto t0 = Clock::now();
      xbar::NodalSolver solver(job.cells, job.parasitics, job.options);
      const xbar::SolveResult full = solver.solve(job.drive);
      const double t_full = since(t0);
      write_matrix(f, "/xbar/currents_a", full.bit_currents_a.transpose(), "A");
      write_matrix(f, "/xbar/word_currents_a", full.word_currents_a.transpose(), "A");
      write_matrix(f, "/xbar/voltages_v", job.drive.word_v.transpose(), "V");
      if (job.drive.bit_v.size() != 0) {
        write_matrix(f, "/xbar/bit_voltages_v", job.drive.bit_v.transpose(), "V");
      }
      write_matrix(f, "/xbar/conductance_s", job.cells.a1_s, "S");
      f.write_string("/xbar/bias_scheme", job.bias);
      f.write_scalar("/xbar/timing/t_analyze_s", solver.t_analyze_s(), "s");
      f.write_scalar("/xbar/timing/t_factor_s", full.t_factor_s, "s");
      f.write_scalar("/xbar/timing/t_solve_s", full.t_solve_s, "s");
      f.write_scalar("/xbar/timing/t_full_total_s", t_full, "s");
      f.write_scalar("/xbar/newton_iterations", static_cast<int64_t>(full.max_newton_iterations), "count");
      f.write_scalar("/xbar/pcg_iterations", full.pcg_iterations, "count");
      summary = fmt::format("xbar {}x{}, {} vector(s): full solve {:.3g} s ({} unknowns)", job.cells.rows(),
                            job.cells.cols(), job.drive.n_vectors(), t_full, solver.n_unknowns());
      if (job.compare) {
        auto emit = [&](const std::string& name, const Eigen::MatrixXd& cur, double t) {
          const xbar::ErrorStats e = xbar::compare_currents(cur, full.bit_currents_a);
          write_matrix(f, "/xbar/" + name + "/currents_a", cur.transpose(), "A");
          write_matrix(f, "/xbar/" + name + "/error_a", (cur - full.bit_currents_a).transpose(), "A");
          f.write_scalar("/xbar/" + name + "/max_abs_error_a", e.max_abs_a, "A");
          f.write_scalar("/xbar/" + name + "/max_rel_error", e.max_rel, "1");
          f.write_scalar("/xbar/" + name + "/max_rel_error_fullscale", e.max_rel_fullscale, "1");
          f.write_scalar("/xbar/timing/t_" + name + "_s", t, "s");
          summary += fmt::format("\n  {}: max rel error {:.3g} (full-scale {:.3g}), {:.3g} s", name, e.max_rel,
                                 e.max_rel_fullscale, t);
        };
        auto t1 = Clock::now();
        const Eigen::MatrixXd ideal = xbar::ideal_currents(job.cells, job.drive);
        emit("ideal", ideal, since(t1));
        t1 = Clock::now();
        const Eigen::MatrixXd approx = xbar::line_relaxation_currents(job.cells, job.parasitics, job.drive,
                                                                      static_cast<int>(job.approx_sweeps));
        emit("approx", approx, since(t1));
        f.write_scalar("/xbar/approx/n_sweeps", job.approx_sweeps, "count");
      }
    });
    std::cout << summary << "\nwrote " << out.string() << "\n";
    return 0;
  };
}

}  // namespace pimtx::cli
