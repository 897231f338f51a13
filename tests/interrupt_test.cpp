// Issue 10 items 4 and 5: killed and interrupted runs leave no process and no file behind.
// Written to hold on a loaded 2-core machine: instead of fixed sleeps before the signal, each test waits
// (with a generous limit) for the state it needs (the temporary file exists, the SPICE workers exist).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pimtx_cli.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string bin() {
  const char* env = std::getenv("PIMTX_BIN");
  return env != nullptr ? env : std::string(PIMTX_BINARY_DIR) + "/pimtx";
}

// Starts pimtx with `args` (no shell), stdout+stderr to `log`; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<std::string> all = {bin()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until pred() holds or `limit_s` passes; returns pred().
template <class Pred>
bool wait_for(Pred&& pred, double limit_s) {
  const auto end = Clock::now() + std::chrono::duration<double>(limit_s);
  while (Clock::now() < end) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// Exit status of `pid` if it has ended (reaped here), else -1; code 128+N for death by signal N.
int try_reap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != pid) {
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Fields of /proc/PID/stat after the command name: state, ppid.
bool proc_state(pid_t pid, char& state, pid_t& ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) {
    return false;
  }
  std::istringstream rest(s.substr(close + 2));
  rest >> state >> ppid;
  return true;
}

// CPU time (user + system, clock ticks) a process has used; 0 if it is gone.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int k = 3; k <= 15 && rest >> field; ++k) {  // fields 3.. after "pid (comm)"; utime is 14, stime 15
    if (k == 14) {
      utime = std::stol(field);
    } else if (k == 15) {
      stime = std::stol(field);
    }
  }
  return utime + stime;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    char state = 0;
    pid_t ppid = 0;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (proc_state(pid, state, ppid) && ppid == parent) {
      out.push_back(pid);
    }
  }
  return out;
}

// Alive and not a zombie (a zombie runs nothing and holds no file).
bool running(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return proc_state(pid, state, ppid) && state != 'Z' && state != 'X';
}

bool any_temp_file(const fs::path& dir, const std::string& name) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("." + name + ".tmp.", 0) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("item 4: SIGKILL of pimtx calibrate leaves no SPICE worker running", "[cli][spice][signals]") {
  // Old main: two workers re-parented to PID 1 and burnt both cores for about a minute.
  const fs::path d = pimtx::test::scratch_dir("kill_calibrate");
  // 20,000 devices per conductance: each SPICE job runs for many seconds, so the workers are busy when killed
  // (an idle worker sees end-of-file on its socket and leaves by itself, even on old main).
  const pid_t pid = spawn({"calibrate", "-q", "experiments/calibration/tiox_passive.toml", "--set",
                           "calibrate.n_devices=20000", "-o", (d / "card.h5").string()},
                          d / "log.txt");
  std::vector<pid_t> workers;
  // The scenario kills after 0.5 s; wait at least that, and until a worker is running a job.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(wait_for(
      [&] {
        workers = children_of(pid);
        bool busy = false;
        for (pid_t w : workers) {
          busy = busy || cpu_ticks(w) > 0;
        }
        return (workers.size() >= 2 && busy) || try_reap(pid) >= 0;
      },
      120));
  REQUIRE(workers.size() >= 2);
  REQUIRE(kill(pid, SIGKILL) == 0);
  int status = 0;
  waitpid(pid, &status, 0);
  // "No pimtx process 2 s later": PR_SET_PDEATHSIG kills them at once; 2 s is the bound.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  for (pid_t w : workers) {
    CAPTURE(w);
    CHECK_FALSE(running(w));
    if (running(w)) {
      kill(w, SIGKILL);  // do not leave an orphan burning the CPU when the check fails
    }
  }
  fs::remove_all(d);
}

TEST_CASE("item 5: SIGINT and SIGTERM of pimtx run exit 130/143 and leave no file", "[cli][signals]") {
  // Old main: exit by the signal, with .O.h5.tmp.PID left beside the output.
  for (const int sig : {SIGINT, SIGTERM}) {
    CAPTURE(sig);
    const fs::path d = pimtx::test::scratch_dir("interrupt_run_" + std::to_string(sig));
    const fs::path out = d / "O.h5";
    const auto t0 = Clock::now();
    const pid_t pid = spawn({"run", "-q", "experiments/lsh_attention/quick.toml", "-o", out.string()}, d / "log.txt");
    // The acceptance scenario: the signal after 2 s, while the result is being written. On a slow machine the
    // temporary file may appear later; wait for it (the run takes far longer than that).
    std::this_thread::sleep_for(std::chrono::seconds(2));
    REQUIRE(wait_for([&] { return any_temp_file(d, "O.h5") || try_reap(pid) >= 0; }, 60));
    REQUIRE(kill(pid, sig) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("signal sent " << std::chrono::duration<double>(Clock::now() - t0).count() << " s after start");
    INFO(pimtx::test::read_file(d / "log.txt"));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + sig);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(any_temp_file(d, "O.h5"));
    CHECK_THAT(pimtx::test::read_file(d / "log.txt"), Catch::Contains("interrupted by SIG"));
    fs::remove_all(d);
  }
}
