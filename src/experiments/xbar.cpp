// What `pimtx xbar` runs (issue 7): contract and config in xbar.h.
#include "experiments/xbar.h"

#include <fmt/format.h>

#include <chrono>

#include "core/errors.h"
#include "core/rng.h"
#include "io/csv.h"
#include "xbar/approx.h"
#include "xbar/registry.h"

namespace pimtx::experiments {

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

}  // namespace

XbarSolveJob XbarSolveJob::from_config(core::Config& cfg, uint64_t seed) {
  XbarSolveJob job;
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
  job.parasitics = xbar::Parasitics::from_config(arr, {});  // ideal array by default
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
    if (lo > hi) {
      in.fail("v_max_v", fmt::format("v_min_v = {} V exceeds v_max_v = {} V", lo, hi));
    }
    core::Rng rng(seed, "xbar.cli.input");
    job.drive.word_v.resize(rows, n);
    for (Eigen::Index k = 0; k < n; ++k) {
      for (Eigen::Index i = 0; i < rows; ++i) {
        job.drive.word_v(i, k) = rng.uniform(lo, hi);
      }
    }
  }
  auto sol = cfg.section("solver");
  job.options.kind = sol.get_string("linear_solver", "direct", {"direct", "pcg"}) == "pcg"
                         ? xbar::LinearSolverKind::pcg
                         : xbar::LinearSolverKind::direct;
  job.options.pcg_rel_tol = sol.get_double("pcg_rel_tol", job.options.pcg_rel_tol, core::Range::positive());
  job.approx_sweeps = sol.get_int("approx_sweeps", 2, core::Range::closed(1, 100000));
  job.compare = sol.get_bool("compare", true);
  job.drive.check_shape(job.cells.rows(), job.cells.cols());
  return job;
}

namespace {

Eigen::MatrixXd randn_matrix(Eigen::Index rows, Eigen::Index cols, uint64_t seed, const char* stream) {
  core::Rng rng(seed, stream);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      m(i, j) = rng.normal();
    }
  }
  return m;
}

}  // namespace

XbarMvmJob XbarMvmJob::from_config(core::Config& cfg, uint64_t seed) {
  for (const char* t : {"array", "input", "bias"}) {
    if (cfg.section(t).exists()) {
      cfg.section("mvm").fail("weights_csv", fmt::format("[mvm] replaces [{}]; remove the [{}] table", t, t));
    }
  }
  XbarMvmJob job;
  auto m = cfg.section("mvm");
  if (m.has("weights_csv")) {
    job.w = read_matrix_csv(m, "weights_csv");
    if (!job.w.allFinite()) {
      m.fail("weights_csv", "holds a non-finite weight");
    }
  } else {
    const auto n_in = m.require_int("n_in", core::Range::closed(1, 1 << 16));
    const auto n_out = m.require_int("n_out", core::Range::closed(1, 1 << 16));
    job.w = randn_matrix(n_in, n_out, seed, "xbar.cli.weights");
  }
  if (m.has("inputs_csv")) {
    const Eigen::MatrixXd x = read_matrix_csv(m, "inputs_csv");  // (n_vec, n_in)
    if (x.cols() != job.w.rows()) {
      m.fail("inputs_csv",
             fmt::format("each line has {} inputs but the weight matrix has {} rows", x.cols(), job.w.rows()));
    }
    job.x = x.transpose();
  } else {
    const auto n = m.get_int("n_vectors", 1, core::Range::closed(1, 1 << 20));
    job.x = randn_matrix(job.w.rows(), n, seed, "xbar.cli.mvm_input");
  }
  job.tile_rows = m.get_int("tile_rows", job.tile_rows, core::Range::closed(1, 4096));
  job.tile_cols = m.get_int("tile_cols", job.tile_cols, core::Range::closed(1, 4096));
  job.calibrate_adc = m.get_bool("calibrate_adc", job.calibrate_adc);
  job.tile = xbar::TileParams::from_config(m);
  auto prog = m.section("programming");
  job.model = xbar::programming_registry().create(prog, "ideal");
  return job;
}

std::string XbarMvmJob::run(uint64_t seed, io::ResultFile& f) const {
  auto t0 = Clock::now();
  xbar::TiledMvm mvm(w, tile_rows, tile_cols, tile, *model, seed);
  const double t_program = since(t0);
  if (calibrate_adc) {
    mvm.calibrate(x);
  }
  core::Rng noise(seed, "xbar.cli.mvm_noise");
  t0 = Clock::now();
  const Eigen::MatrixXd y = mvm.mvm(x, noise);  // (n_out, n_vec)
  const double t_mvm = since(t0);
  const Eigen::MatrixXd ref = w.transpose() * x;
  const Eigen::MatrixXd err = y - ref;
  double max_rel_fs = 0.0;
  for (Eigen::Index k = 0; k < ref.cols(); ++k) {
    const double fs = ref.col(k).cwiseAbs().maxCoeff();
    if (fs > 0.0) {
      max_rel_fs = std::max(max_rel_fs, err.col(k).cwiseAbs().maxCoeff() / fs);
    }
  }
  const double rel = ref.norm() > 0.0 ? err.norm() / ref.norm() : err.norm();
  const double rms = std::sqrt(err.squaredNorm() / static_cast<double>(err.size()));
  write_matrix(f, "/xbar/mvm/weights", w, "1");
  write_matrix(f, "/xbar/mvm/inputs", x.transpose(), "1");
  write_matrix(f, "/xbar/mvm/outputs", y.transpose(), "1");
  write_matrix(f, "/xbar/mvm/ideal_outputs", ref.transpose(), "1");
  write_matrix(f, "/xbar/mvm/error", err.transpose(), "1");
  f.write_scalar("/xbar/mvm/rel_error", rel, "1");
  f.write_scalar("/xbar/mvm/max_abs_error", err.cwiseAbs().maxCoeff(), "1");
  f.write_scalar("/xbar/mvm/rms_error", rms, "1");
  f.write_scalar("/xbar/mvm/max_rel_error_fullscale", max_rel_fs, "1");
  f.write_scalar("/xbar/mvm/n_tiles", static_cast<int64_t>(mvm.n_tiles()), "count");
  f.write_string("/xbar/mvm/programming", model->type());
  f.write_scalar("/xbar/timing/t_program_s", t_program, "s");
  f.write_scalar("/xbar/timing/t_mvm_s", t_mvm, "s");
  return fmt::format(
      "xbar mvm {}x{} on {} tile(s) ({}), {} vector(s): relative error {:.3g} (max {:.3g} of "
      "full scale); programming {:.3g} s, mvm {:.3g} s",
      w.rows(), w.cols(), mvm.n_tiles(), model->type(), x.cols(), rel, max_rel_fs, t_program, t_mvm);
}

std::string XbarSolveJob::run(io::ResultFile& f) const {
  std::string summary;
  const auto t0 = Clock::now();
  xbar::NodalSolver solver(cells, parasitics, options);
  const xbar::SolveResult full = solver.solve(drive);
  const double t_full = since(t0);
  write_matrix(f, "/xbar/currents_a", full.bit_currents_a.transpose(), "A");
  write_matrix(f, "/xbar/word_currents_a", full.word_currents_a.transpose(), "A");
  write_matrix(f, "/xbar/voltages_v", drive.word_v.transpose(), "V");
  if (drive.bit_v.size() != 0) {
    write_matrix(f, "/xbar/bit_voltages_v", drive.bit_v.transpose(), "V");
  }
  write_matrix(f, "/xbar/conductance_s", cells.a1_s, "S");
  f.write_string("/xbar/bias_scheme", bias);
  f.write_scalar("/xbar/timing/t_analyze_s", solver.t_analyze_s(), "s");
  f.write_scalar("/xbar/timing/t_factor_s", full.t_factor_s, "s");
  f.write_scalar("/xbar/timing/t_solve_s", full.t_solve_s, "s");
  f.write_scalar("/xbar/timing/t_full_total_s", t_full, "s");
  f.write_scalar("/xbar/newton_iterations", static_cast<int64_t>(full.max_newton_iterations), "count");
  f.write_scalar("/xbar/pcg_iterations", full.pcg_iterations, "count");
  summary = fmt::format("xbar {}x{}, {} vector(s): full solve {:.3g} s ({} unknowns)", cells.rows(), cells.cols(),
                        drive.n_vectors(), t_full, solver.n_unknowns());
  if (compare) {
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
    const Eigen::MatrixXd ideal = xbar::ideal_currents(cells, drive);
    emit("ideal", ideal, since(t1));
    t1 = Clock::now();
    const Eigen::MatrixXd approx =
        xbar::line_relaxation_currents(cells, parasitics, drive, static_cast<int>(approx_sweeps));
    emit("approx", approx, since(t1));
    f.write_scalar("/xbar/approx/n_sweeps", approx_sweeps, "count");
  }
  return summary;
}

}  // namespace pimtx::experiments
