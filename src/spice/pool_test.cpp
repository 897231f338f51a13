// Worker-pool tests (need libngspice: tagged [spice]).
#include "spice/pool.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "core/errors.h"

using pimtx::spice::Job;
using pimtx::spice::WorkerPool;

namespace {

// A small RC transient whose answer depends on k.
Job rc_job(int k) {
  const std::string r = std::to_string(1000 + 37 * k);
  return Job{{"rc " + std::to_string(k), "V1 in 0 PULSE(0 1 0 1n 1n 50n 100n)", "R1 in out " + r, "C1 out 0 10p"},
             {"tran 0.5n 300n"},
             {"time", "v(out)"}};
}

}  // namespace

TEST_CASE("pool batch of 16 equals sequential runs, in submission order", "[spice]") {
  std::vector<Job> jobs;
  for (int k = 0; k < 16; ++k) {
    jobs.push_back(rc_job(k));
  }
  WorkerPool pool(2);
  REQUIRE(pool.size() == 2);
  const auto outcomes = pool.run(jobs);
  REQUIRE(outcomes.size() == 16);
  for (int k = 0; k < 16; ++k) {
    INFO("job " << k);
    const auto& got = outcomes[static_cast<size_t>(k)].value();
    const auto want = pimtx::spice::run_job(jobs[static_cast<size_t>(k)]);
    // Same library and deterministic solver: results must be bit-identical, not merely close.
    CHECK(got.at("v(out)").real == want.at("v(out)").real);
    CHECK(got.at("time").real == want.at("time").real);
  }
}

TEST_CASE("a failing job fails only itself", "[spice]") {
  std::vector<Job> jobs{rc_job(1), Job{{"bad", "V1 1 0 DC 1", "X1 1 0 nosuch"}, {"op"}, {}}, rc_job(2)};
  WorkerPool pool(2);
  const auto out = pool.run(jobs);
  CHECK(out[0].ok);
  CHECK_FALSE(out[1].ok);
  CHECK_THAT(out[1].error, Catch::Contains("unknown subckt"));
  CHECK(out[2].ok);
  CHECK_THROWS_AS(out[1].value(), pimtx::SpiceError);
}

TEST_CASE("a crashed worker fails its job only and is replaced", "[spice]") {
  // Job 0 is a long transient (minutes); we kill its worker after 0.5 s.
  Job long_job{{"long", "V1 1 0 SIN(0 1 1e3)", "R1 1 2 1k", "C1 2 0 1u"}, {"tran 1n 100m 0 1n"}, {"v(2)"}};
  std::vector<Job> jobs{long_job, rc_job(3), rc_job(4), rc_job(5)};
  WorkerPool pool(2);
  const pid_t victim = pool.worker_pids().at(0);  // worker 0 receives job 0 first
  std::thread killer([victim] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    kill(victim, SIGKILL);
  });
  const auto out = pool.run(jobs);
  killer.join();
  CHECK_FALSE(out[0].ok);
  CHECK_THAT(out[0].error, Catch::Contains("signal 9"));
  CHECK(out[1].ok);
  CHECK(out[2].ok);
  CHECK(out[3].ok);
  CHECK(pool.worker_pids().at(0) != victim);
  // The replacement worker serves jobs.
  CHECK(pool.run({rc_job(6)}).at(0).ok);
}
