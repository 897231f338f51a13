// bench_spice: libngspice engine figures, measured in one run.
//  1. wall time of `op` on generated N x N resistor crossbars (N = 16, 32, 64; 2.5 Ohm wires, 10 Ohm
//     driver/sense), through spice::Engine (load + op + fetch + remcirc/destroy);
//  2. worker-pool speed-up: a batch of small VTEAM transients on WorkerPool(2) vs the same jobs run one by
//     one in this process (ratio printed; the issue aims for >= 1.8x on 2 idle cores).
// Usage: bench_spice [max_n=64] [n_jobs=16]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "circuits/crossbar.h"
#include "circuits/netlist.h"
#include "core/rng.h"
#include "spice/engine.h"
#include "spice/pool.h"

using namespace pimtx;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

spice::Job crossbar_op(size_t n) {
  circuits::CrossbarSpec s;
  s.n_rows = n;
  s.n_cols = n;
  core::Rng rng(1, "bench.spice");
  for (size_t k = 0; k < n * n; ++k) {
    s.g_s.push_back(rng.uniform(1e-6, 1e-4));
  }
  for (size_t i = 0; i < n; ++i) {
    s.v_rows_v.push_back(0.1 + 0.1 * static_cast<double>(i % 3));
  }
  spice::Job job{circuits::crossbar_lines(s), {"op"}, {circuits::sense_vector(0)}};
  return job;
}

spice::Job small_transient(size_t k) {
  circuits::CrossbarSpec s;
  s.n_rows = 4;
  s.n_cols = 4;
  s.cell = circuits::CellType::vteam;
  core::Rng rng(2, "bench.spice.x0", k);
  for (size_t c = 0; c < 16; ++c) {
    s.x0.push_back(rng.uniform(0.05, 0.95));
  }
  s.mode = circuits::CrossbarMode::pulse_train;
  for (double a : {1.0, -1.2, 1.0}) {
    for (size_t i = 0; i < 4; ++i) {
      s.pulse_rows_v.push_back(i == 0 ? a : 0.2);
    }
  }
  s.t_pulse_s = 5e-6;
  s.t_edge_s = 1e-8;
  s.t_gap_s = 1e-6;
  return {circuits::crossbar_lines(s),
          {"tran 20n " + circuits::num(circuits::pulse_train_duration_s(s)) + " 0 20n uic"},
          {circuits::sense_vector(0)}};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t max_n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  const size_t n_jobs = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64;
  // Fork the workers first, before this process loads libngspice (fork early, see pool.h).
  spice::WorkerPool pool(2);

  fmt::print("op on N x N resistor crossbars (2N^2 nodes, 3N^2 resistors) through spice::Engine:\n");
  double prev = 0.0;
  for (size_t n = 16; n <= max_n; n *= 2) {
    const auto job = crossbar_op(n);
    const auto t0 = std::chrono::steady_clock::now();
    const double i0 = spice::run_job(job).scalar(circuits::sense_vector(0));
    const double t = seconds_since(t0);
    fmt::print("  N = {:3}: {:8.3f} s   i(vs0) = {:.7e} A{}\n", n, t, i0,
               prev > 0 ? fmt::format("   (x{:.1f} vs N/2)", t / prev) : "");
    prev = t;
  }

  std::vector<spice::Job> jobs;
  for (size_t k = 0; k < n_jobs; ++k) {
    jobs.push_back(small_transient(k));
  }
  spice::run_job(jobs[0]);       // warm-up of the in-process engine
  pool.run({jobs[0], jobs[1]});  // warm-up of both workers
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& j : jobs) {
    spice::run_job(j);
  }
  const double t_seq = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  const auto out = pool.run(jobs);
  const double t_pool = seconds_since(t0);
  size_t ok = 0;
  for (const auto& o : out) {
    ok += o.ok ? 1 : 0;
  }
  fmt::print(
      "pool: {} VTEAM 4x4 pulse transients: sequential {:.3f} s, WorkerPool(2) {:.3f} s, speed-up x{:.2f} "
      "({} / {} ok)\n",
      n_jobs, t_seq, t_pool, t_seq / t_pool, ok, n_jobs);
  return ok == n_jobs ? 0 : 1;
}
