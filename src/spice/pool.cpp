// Worker pool: forked children, each with its own libngspice, length-prefixed frames over socket pairs.
#include "spice/pool.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <thread>

#include "core/errors.h"
#include "core/interrupt.h"

namespace pimtx::spice {

namespace {

// ---- framing: [u64 length][payload]; payload built from u64 / double / string pieces ----
class Writer {
 public:
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) {
      str(s);
    }
  }
  void f64s(const std::vector<double>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(double));
  }
  const std::string& bytes() const { return buf_; }

 private:
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(const std::string& b) : buf_(b) {}
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  double f64() {
    double v = 0;
    raw(&v, sizeof v);
    return v;
  }
  std::string str() {
    const uint64_t n = u64();
    check(n);
    std::string s = buf_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(u64());
    for (auto& s : v) {
      s = str();
    }
    return v;
  }
  std::vector<double> f64s() {
    const uint64_t n = u64();
    check(n * sizeof(double));
    std::vector<double> v(n);
    raw(v.data(), n * sizeof(double));
    return v;
  }

 private:
  void check(uint64_t n) const {
    if (n > buf_.size() - pos_) {
      throw SpiceError("worker pool: truncated message");
    }
  }
  void raw(void* p, size_t n) {
    check(n);
    std::memcpy(p, buf_.data() + pos_, n);
    pos_ += n;
  }
  const std::string& buf_;
  size_t pos_ = 0;
};

bool write_all(int fd, const std::string& payload) {
  std::string frame(sizeof(uint64_t), '\0');
  const uint64_t n = payload.size();
  std::memcpy(frame.data(), &n, sizeof n);
  frame += payload;
  size_t off = 0;
  while (off < frame.size()) {
    const ssize_t w = send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return false;
    }
    off += static_cast<size_t>(w);
  }
  return true;
}

bool read_exact(int fd, char* p, size_t n) {
  size_t off = 0;
  while (off < n) {
    const ssize_t r = read(fd, p + off, n - off);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return false;
    }
    off += static_cast<size_t>(r);
  }
  return true;
}

// False on end-of-file or error (the peer is gone).
bool read_frame(int fd, std::string& payload) {
  uint64_t n = 0;
  if (!read_exact(fd, reinterpret_cast<char*>(&n), sizeof n)) {
    return false;
  }
  payload.assign(n, '\0');
  return read_exact(fd, payload.data(), n);
}

std::string encode_job(const Job& j) {
  Writer w;
  w.strs(j.netlist);
  w.strs(j.commands);
  w.strs(j.save);
  w.f64(j.timeout_s);
  w.u64(j.policy.allow_control ? 1 : 0);
  w.str(j.policy.source);
  w.str(j.policy.base_dir);
  return w.bytes();
}

Job decode_job(const std::string& b) {
  Reader r(b);
  Job j;
  j.netlist = r.strs();
  j.commands = r.strs();
  j.save = r.strs();
  j.timeout_s = r.f64();
  j.policy.allow_control = r.u64() != 0;
  j.policy.source = r.str();
  j.policy.base_dir = r.str();
  return j;
}

std::string encode_outcome(const JobOutcome& o) {
  Writer w;
  w.u64(o.ok ? 1 : 0);
  w.u64(o.user_error ? 1 : 0);
  w.str(o.error);
  w.str(o.result.plot);
  w.u64(o.result.vectors.size());
  w.strs(o.result.warnings);
  for (const auto& v : o.result.vectors) {
    w.str(v.name);
    w.str(v.units);
    w.f64s(v.real);
    w.f64s(v.imag);
  }
  return w.bytes();
}

JobOutcome decode_outcome(const std::string& b) {
  Reader r(b);
  JobOutcome o;
  o.ok = r.u64() != 0;
  o.user_error = r.u64() != 0;
  o.error = r.str();
  o.result.plot = r.str();
  const uint64_t n_vectors = r.u64();
  o.result.warnings = r.strs();
  o.result.vectors.resize(n_vectors);
  for (auto& v : o.result.vectors) {
    v.name = r.str();
    v.units = r.str();
    v.real = r.f64s();
    v.imag = r.f64s();
  }
  return o;
}

// The child's whole life: serve jobs until the parent closes the socket.
[[noreturn]] void worker_main(int fd) {
  std::string in;
  while (read_frame(fd, in)) {
    JobOutcome o;
    try {
      Job job = decode_job(in);
      // ngspice evaluates BSIM3/4 devices on OpenMP threads (2 by default, set by ngspice itself, so
      // OMP_NUM_THREADS does not help). In forked workers that is pathological: 6 small 3T gain-cell
      // transients took 124-238 s through WorkerPool(2) instead of 0.55 s with one thread each (0.18 s per
      // job in-process either way; measured on 2 cores). Parallelism comes from the workers, so each job runs
      // with one thread; a `.options num_threads` line later in the netlist still overrides this.
      if (!job.netlist.empty()) {
        job.netlist.insert(job.netlist.begin() + 1, ".options num_threads=1");
      }
      o.result = run_job(job);
      o.ok = true;
    } catch (const std::exception& e) {
      o.ok = false;
      o.user_error = chain_contains<ConfigError>(e);
      o.error = describe_chain(e);
    }
    if (!write_all(fd, encode_outcome(o))) {
      break;
    }
    if (Engine::instance().stuck()) {
      break;  // an analysis thread that ignored bg_halt still runs: leave, the pool forks a fresh worker
    }
  }
  // _exit, not exit: a forked child must not run the parent's atexit handlers or flush its stdio buffers.
  // This is the one sanctioned process exit in src/ (STYLE.md §4 forbids exit()/abort()).
  _exit(0);
}

using Clock = std::chrono::steady_clock;

// When a job's worker is killed: its analyses' timeouts plus 2 s for loading the netlist and fetching the
// vectors; no deadline when the job has no timeout. Needed because bg_halt blocks until the analysis stops,
// and a non-converging operating point (itl1 iterations) never looks at it.
Clock::time_point hard_deadline(const Job& job) {
  if (job.timeout_s <= 0.0) {
    return Clock::time_point::max();
  }
  const auto n = std::count_if(job.commands.begin(), job.commands.end(), is_analysis_command);
  const double limit_s = job.timeout_s * static_cast<double>(std::max<std::ptrdiff_t>(n, 1)) + 2.0;
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s));
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  if (WIFEXITED(status)) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  return "stopped";
}

}  // namespace

const Result& JobOutcome::value() const {
  if (!ok && user_error) {
    throw ConfigError(error);
  }
  if (!ok) {
    throw SpiceError(error);
  }
  return result;
}

WorkerPool::WorkerPool(size_t n_workers) {
  if (n_workers == 0) {
    n_workers = std::max(1U, std::thread::hardware_concurrency());
  }
  for (size_t k = 0; k < n_workers; ++k) {
    workers_.push_back(spawn());
  }
}

WorkerPool::~WorkerPool() {
  for (auto& w : workers_) {
    retire(w);
  }
}

WorkerPool::Worker WorkerPool::spawn() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw SpiceError(fmt::format("worker pool: socketpair failed: {}", std::strerror(errno)));
  }
  // Hold the engine mutex across fork so the child never inherits a half-finished ngspice call.
  std::unique_lock<std::mutex> lock(Engine::instance().mutex());
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(sv[0]);
    close(sv[1]);
    throw SpiceError(fmt::format("worker pool: fork failed: {}", std::strerror(err)));
  }
  if (pid == 0) {
    lock.unlock();  // the child's copy of the mutex; its only thread is the one that locked it
    // Die with the parent: SIGKILL when the forking thread exits (kill -9, crash), and the parent-pid check
    // covers a parent that died between fork() and prctl(). Ctrl-C and SIGTERM do not run the parent's
    // cleanup handler here (core/interrupt.h).
    core::reset_interrupt_handlers_in_child();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(0);
    }
    close(sv[0]);
    for (const auto& w : workers_) {
      close(w.fd);  // siblings' sockets: keep only our own, so EOF reaches them when the parent closes
    }
    worker_main(sv[1]);
  }
  close(sv[1]);
  Worker w;
  w.pid = pid;
  w.fd = sv[0];
  return w;
}

void WorkerPool::retire(Worker& w) {
  if (w.fd >= 0) {
    close(w.fd);
    w.fd = -1;
  }
  if (w.pid > 0) {
    int status = 0;
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    w.pid = -1;
  }
}

std::vector<pid_t> WorkerPool::worker_pids() const {
  std::vector<pid_t> out;
  for (const auto& w : workers_) {
    out.push_back(w.pid);
  }
  return out;
}

std::vector<JobOutcome> WorkerPool::run(const std::vector<Job>& jobs) {
  std::vector<JobOutcome> out(jobs.size());
  std::deque<size_t> pending;
  for (size_t k = 0; k < jobs.size(); ++k) {
    pending.push_back(k);
  }
  size_t busy = 0;

  // A worker died (or its socket broke) while running job `w.job`: fail that job, replace the worker.
  auto bury = [&](Worker& w) {
    const long job = w.job;
    close(w.fd);
    w.fd = -1;
    int status = 0;
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (job >= 0) {
      out[static_cast<size_t>(job)].ok = false;
      out[static_cast<size_t>(job)].error =
          fmt::format("ngspice worker (pid {}) {} while running job {}", w.pid, describe_status(status), job);
      --busy;
    }
    w = spawn();
  };

  while (!pending.empty() || busy > 0) {
    for (auto& w : workers_) {
      if (w.job < 0 && !pending.empty()) {
        const size_t k = pending.front();
        pending.pop_front();
        const std::string frame = encode_job(jobs[k]);
        bool sent = write_all(w.fd, frame);
        if (!sent) {
          bury(w);  // idle worker gone (e.g. it left after a stuck analysis): replace it and try once more
        }
        w.job = static_cast<long>(k);
        w.deadline = hard_deadline(jobs[k]);
        ++busy;
        if (!sent && !write_all(w.fd, frame)) {
          bury(w);
        }
      }
    }
    if (busy == 0) {
      continue;
    }
    std::vector<pollfd> fds;
    std::vector<size_t> who;
    Clock::time_point next = Clock::time_point::max();
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].job >= 0) {
        fds.push_back({workers_[i].fd, POLLIN, 0});
        who.push_back(i);
        next = std::min(next, workers_[i].deadline);
      }
    }
    int wait_ms = -1;
    if (next != Clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
    }
    const int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw SpiceError(fmt::format("worker pool: poll failed: {}", std::strerror(errno)));
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      Worker& w = workers_[who[i]];
      if (fds[i].revents == 0) {
        if (Clock::now() >= w.deadline) {
          // The analysis ignored bg_halt (engine.cpp): kill the worker, so the timeout does not overshoot.
          const long job = w.job;
          kill(w.pid, SIGKILL);
          bury(w);
          out[static_cast<size_t>(job)].error = fmt::format(
              "job {} exceeded its timeout ({} s per analysis) and did not stop; its ngspice worker was killed", job,
              jobs[static_cast<size_t>(job)].timeout_s);
        }
        continue;
      }
      std::string payload;
      if (!read_frame(w.fd, payload)) {
        bury(w);
        continue;
      }
      out[static_cast<size_t>(w.job)] = decode_outcome(payload);
      w.job = -1;
      --busy;
    }
  }
  return out;
}

}  // namespace pimtx::spice
