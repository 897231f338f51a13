// Process worker pool for running many independent ngspice jobs in parallel.
//
// Contract: the constructor forks `n_workers` child processes (do it early, before the program starts
// threads); each child owns its own copy of libngspice (all ngspice state is global, so parallelism means
// processes, STYLE.md §4). run() sends the jobs to idle workers over Unix socket pairs, waits, and returns
// one JobOutcome per job in submission order. A job that fails (SpiceError, timeout) or whose worker dies
// (crash, signal, fatal ngspice error) fails only that job: the outcome carries the message, a dead
// worker is replaced by a fresh fork, and the remaining jobs still run. run() itself throws only for
// pool-level failures (cannot fork). A job with timeout_s > 0 whose worker has not answered within its
// analyses' timeouts plus 2 s (an analysis that ignores bg_halt) fails with a timeout message and its
// worker is killed and replaced. Workers die with the parent (PR_SET_PDEATHSIG = SIGKILL plus a parent-pid
// check after fork), so killing pimtx, even with SIGKILL, leaves no worker behind. Results are bit-identical to
// Engine::run() of the same Job in this process (same library, same deterministic solver, doubles copied exactly). Not
// thread-safe: one thread calls run() at a time. The destructor closes the sockets and reaps the workers (which leave
// with _exit(0) on end-of-file).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "spice/engine.h"

namespace pimtx::spice {

struct JobOutcome {
  bool ok = false;
  bool user_error = false;  // the job was refused or asked for something absent (ConfigError in the worker)
  Result result;            // valid when ok
  std::string error;        // ngspice's message (or how the worker died) when !ok

  // The result, or ConfigError(error) for a user error, else SpiceError(error).
  [[nodiscard]] const Result& value() const;
};

class WorkerPool {
 public:
  // n_workers == 0: one per hardware thread.
  explicit WorkerPool(size_t n_workers = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  std::vector<JobOutcome> run(const std::vector<Job>& jobs);

  [[nodiscard]] size_t size() const { return workers_.size(); }
  // Process ids of the live workers (for diagnostics and the crash-isolation test).
  [[nodiscard]] std::vector<pid_t> worker_pids() const;

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;    // parent's end of the socket pair
    long job = -1;  // index of the job it is running, -1 when idle
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  };
  Worker spawn();
  void retire(Worker& w);
  std::vector<Worker> workers_;
};

}  // namespace pimtx::spice
