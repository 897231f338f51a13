// Worker processes for `pimtx sweep` (contract in sweep_run.h).
#include "cli/sweep_run.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "core/errors.h"
#include "core/progress.h"

namespace pimtx::cli {

namespace fs = std::filesystem;

namespace {

// TOML basic string with escapes.
std::string toml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.parent_path() / fmt::format(".{}.tmp.{}", path.filename().string(), getpid());
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) {
      throw IoError(fmt::format("cannot write {}", tmp.string()));
    }
  }
  fs::rename(tmp, path);
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The error a worker printed: its "pimtx: error: ..." text, else the last lines of its stderr.
std::string worker_error(const fs::path& log, int exit_code, int signal_no) {
  const std::string text = read_all(log);
  const std::string tag = "pimtx: error: ";
  std::string msg;
  const size_t at = text.rfind(tag);
  if (at != std::string::npos) {
    msg = text.substr(at + tag.size());
  } else {
    msg = text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
    msg.pop_back();
  }
  if (signal_no != 0) {
    return fmt::format("killed by signal {} ({}){}", signal_no, strsignal(signal_no), msg.empty() ? "" : ": " + msg);
  }
  if (msg.empty()) {
    return fmt::format("exit code {}", exit_code);
  }
  return msg;
}

std::string self_exe() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) {
    throw IoError(fmt::format("cannot find the pimtx executable (/proc/self/exe): {}", std::strerror(errno)));
  }
  return std::string(buf.data(), static_cast<size_t>(n));
}

struct Running {
  size_t index;
  std::chrono::steady_clock::time_point start;
};

// fork + exec of `argv`, stdout to /dev/null, stderr to `log`. The child asks to be killed when the
// parent dies (and exits at once if the parent is already gone).
pid_t spawn_worker(const std::string& exe, const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  const std::string log_s = log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    throw Error(fmt::format("fork failed: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(127);
    }
    const int null_fd = open("/dev/null", O_RDWR);
    const int log_fd = open(log_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
    }
    if (log_fd >= 0) {
      dup2(log_fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

std::string params_text(const SweepPoint& p) {
  std::string s;
  for (const auto& [k, v] : p.params) {
    s += fmt::format(" {}={}", k, v);
  }
  return s + fmt::format(" seed={}", p.seed);
}

}  // namespace

fs::path points_dir_for(const fs::path& out) {
  fs::path p = out;
  p.replace_extension(".points");
  return p;
}

SweepRunCounts run_points(const SweepSpec& spec, const std::vector<size_t>& indices, const fs::path& points_dir,
                          const SweepRunOptions& opts) {
  fs::create_directories(points_dir);
  const std::string exe = self_exe();
  SweepRunCounts counts;
  std::vector<size_t> todo;
  for (size_t i : indices) {
    const SweepPoint& p = spec.points[i];
    if (fs::exists(points_dir / (p.id + ".h5"))) {
      ++counts.skipped;
      continue;
    }
    // Temporary files of this point's workers killed in an earlier run.
    const std::string stale = "." + p.id + ".h5.tmp.";
    for (const auto& e : fs::directory_iterator(points_dir)) {
      if (e.path().filename().string().rfind(stale, 0) == 0) {
        std::error_code ec;
        fs::remove(e.path(), ec);
      }
    }
    todo.push_back(i);
  }
  const bool bar = !opts.quiet && core::progress_enabled();
  core::Progress progress(opts.label, todo.size(), "pt");
  if (!opts.quiet && !bar) {
    std::cerr << fmt::format("{}: {} points to run, {} already complete, {} workers\n", opts.label, todo.size(),
                             counts.skipped, opts.jobs);
  }
  std::map<pid_t, Running> running;
  size_t next = 0;
  size_t done = 0;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && running.size() < std::max<size_t>(1, opts.jobs)) {
      const SweepPoint& p = spec.points[todo[next]];
      std::vector<std::string> args = {"run", spec.base_config.string()};
      for (const auto& o : p.overrides) {
        args.push_back("--set");
        args.push_back(o);
      }
      if (p.seed_from_axis) {
        args.push_back("--seed");
        args.push_back(std::to_string(p.seed));
      }
      args.push_back("-o");
      args.push_back((points_dir / (p.id + ".h5")).string());
      args.push_back("--quiet");
      const pid_t pid = spawn_worker(exe, args, points_dir / (p.id + ".log"));
      running[pid] = Running{todo[next], std::chrono::steady_clock::now()};
      ++next;
    }
    int st = 0;
    const pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(fmt::format("waitpid failed: {}", std::strerror(errno)));
    }
    auto it = running.find(pid);
    if (it == running.end()) {
      continue;  // not one of ours
    }
    const SweepPoint& p = spec.points[it->second.index];
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start).count();
    running.erase(it);
    const int exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    const int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    const bool ok = exit_code == 0 && fs::exists(points_dir / (p.id + ".h5"));
    const std::string error = ok ? "" : worker_error(points_dir / (p.id + ".log"), exit_code, sig);
    write_atomically(points_dir / (p.id + ".status"),
                     fmt::format("status = \"{}\"\nwall_s = {:.6f}\nexit_code = {}\nerror = {}\n", ok ? "ok" : "failed",
                                 wall_s, exit_code, toml_quote(error)));
    ok ? ++counts.ok : ++counts.failed;
    ++done;
    if (bar) {
      progress.set_label(counts.failed > 0 ? fmt::format("{} ({} failed)", opts.label, counts.failed) : opts.label);
      progress.update(done);
    } else if (!opts.quiet) {
      std::cerr << fmt::format("{}: [{}/{}] point {} {} {} {:.2f} s{}{}\n", opts.label, done, todo.size(), p.index,
                               p.id, ok ? "ok" : "FAILED", wall_s, params_text(p), ok ? "" : ": " + error);
    }
  }
  progress.finish();
  return counts;
}

}  // namespace pimtx::cli
