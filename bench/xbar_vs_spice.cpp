// bench_xbar_vs_spice: native nodal solver vs libngspice `op` on the identical crossbar netlist
// (circuits::crossbar_netlist; devices.md §1.2 setup: 2.5-ohm wire segments, 2.5-ohm driver and sense,
// G uniform in [1, 100] uS, inputs 0.1 + 0.1·(i mod 3) V). Prints per N: native time (analysis +
// factorisation + solve, one vector), ngspice time, ratio, max relative error; a batch of 64 vectors on the
// same array (one factorisation) and its per-vector ratio against one ngspice op; the PCG option.
// Usage: bench_xbar_vs_spice [--max-spice-n N (default 128)] [--max-n N (default 256)]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "circuits/crossbar.h"
#include "core/rng.h"
#include "spice/engine.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;
using Clock = std::chrono::steady_clock;
static double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  size_t max_spice_n = 128, max_n = 256;
  for (int a = 1; a + 1 < argc; a += 2) {
    if (std::strcmp(argv[a], "--max-spice-n") == 0) {
      max_spice_n = std::strtoul(argv[a + 1], nullptr, 10);
    }
    if (std::strcmp(argv[a], "--max-n") == 0) {
      max_n = std::strtoul(argv[a + 1], nullptr, 10);
    }
  }
  fmt::print("{:>5} {:>12} {:>12} {:>10} {:>12} {:>14} {:>14} {:>12} {:>10}\n", "N", "native_s", "ngspice_s", "ratio",
             "max_rel_err", "batch64_s", "per_vec_ratio", "pcg_s", "pcg_err");
  for (size_t n : {32, 64, 128, 256}) {
    if (n > max_n) {
      break;
    }
    circuits::CrossbarSpec spec;
    spec.n_rows = spec.n_cols = n;
    spec.parasitics.r_wire_row_ohm = spec.parasitics.r_wire_col_ohm = spec.parasitics.r_driver_ohm =
        spec.parasitics.r_sense_ohm = 2.5;
    core::Rng rng(1, "bench.xbar");
    const auto N = static_cast<Eigen::Index>(n);
    xbar::CellArray cells;
    cells.a1_s.resize(N, N);
    for (Eigen::Index i = 0; i < N; ++i) {
      for (Eigen::Index j = 0; j < N; ++j) {
        cells.a1_s(i, j) = rng.uniform(1e-6, 1e-4);
        spec.g_s.push_back(cells.a1_s(i, j));
      }
    }
    xbar::Drive one;
    one.word_v.resize(N, 1);
    for (Eigen::Index i = 0; i < N; ++i) {
      one.word_v(i, 0) = 0.1 + 0.1 * static_cast<double>(i % 3);
      spec.v_rows_v.push_back(one.word_v(i, 0));
    }
    const xbar::Parasitics par{2.5, 2.5, 2.5, 2.5};
    auto t0 = Clock::now();
    xbar::NodalSolver solver(cells, par);
    const xbar::SolveResult r = solver.solve(one);
    const double t_native = since(t0);

    xbar::Drive batch;
    batch.word_v.resize(N, 64);
    for (Eigen::Index k = 0; k < 64; ++k) {
      for (Eigen::Index i = 0; i < N; ++i) {
        batch.word_v(i, k) = rng.uniform(0.0, 0.3);
      }
    }
    t0 = Clock::now();
    xbar::NodalSolver fresh(cells, par);  // includes analysis and the one factorisation
    (void)fresh.solve(batch);
    const double t_batch = since(t0);

    xbar::SolverOptions po;
    po.kind = xbar::LinearSolverKind::pcg;
    t0 = Clock::now();
    xbar::NodalSolver pcg(cells, par, po);
    const xbar::SolveResult rp = pcg.solve(one);
    const double t_pcg = since(t0);
    const double pcg_err = xbar::compare_currents(rp.bit_currents_a, r.bit_currents_a).max_rel;

    double t_spice = 0.0, err = 0.0;
    if (n <= max_spice_n) {
      spice::Job job;
      job.netlist = circuits::crossbar_lines(spec);
      job.commands = {"op"};
      for (size_t j = 0; j < n; ++j) {
        job.save.push_back(circuits::sense_vector(j));
      }
      t0 = Clock::now();
      const spice::Result sr = spice::run_job(job);
      t_spice = since(t0);
      Eigen::VectorXd ref(N);
      for (size_t j = 0; j < n; ++j) {
        ref(static_cast<Eigen::Index>(j)) = sr.scalar(circuits::sense_vector(j));
      }
      err = xbar::compare_currents(r.bit_currents_a.col(0), ref).max_rel;
    }
    if (t_spice > 0.0) {
      fmt::print("{:>5} {:>12.4g} {:>12.4g} {:>10.4g} {:>12.3g} {:>14.4g} {:>14.4g} {:>12.4g} {:>10.3g}\n", n, t_native,
                 t_spice, t_spice / t_native, err, t_batch, t_spice / (t_batch / 64.0), t_pcg, pcg_err);
    } else {
      fmt::print("{:>5} {:>12.4g} {:>12} {:>10} {:>12} {:>14.4g} {:>14} {:>12.4g} {:>10.3g}\n", n, t_native, "-", "-",
                 "-", t_batch, "-", t_pcg, pcg_err);
    }
    std::fflush(stdout);
  }
  return 0;
}
