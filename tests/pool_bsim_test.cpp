// BSIM4 netlists (the gain cells) through the spice worker pool: ngspice's own OpenMP threads in forked
// workers made each small transient take ~40 s instead of ~0.1 s (src/spice/pool.cpp, worker_main) ([spice]).
#include <catch2/catch.hpp>
#include <chrono>

#include "circuits/gaincell.h"
#include "circuits/netlist.h"
#include "spice/engine.h"
#include "spice/pool.h"

using namespace pimtx;

TEST_CASE("gain-cell transients through WorkerPool(2) run at in-process speed and give its results", "[spice]") {
  spice::WorkerPool pool(2);  // fork before this process loads libngspice
  circuits::GainCellSpec s;   // default 3T array with write, hold and read phases
  const spice::Job job{
      circuits::gaincell_lines(s), {"tran 0.1n " + circuits::num(circuits::total_duration_s(s)) + " 0 0.2n"}, {}};
  const std::vector<spice::Job> jobs(4, job);
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = pool.run(jobs);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // In-process one job takes ~0.18 s on this machine, the batch ~0.4 s; the bug made it ~80 s. 20 s leaves
  // room for a loaded CI machine and still catches the bug.
  CHECK(t < 20.0);
  // In-process reference with the single OpenMP thread the workers use: the same arithmetic, so the same
  // time points and values to the last bit.
  spice::Job single = job;
  single.netlist.insert(single.netlist.begin() + 1, ".options num_threads=1");
  const spice::Result ref = spice::run_job(single);
  for (const auto& o : out) {
    REQUIRE(o.ok);
    for (const auto& v : ref.vectors) {
      CHECK(o.value().at(v.name).real == v.real);
    }
  }
}
