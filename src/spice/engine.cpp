// libngspice engine: dlopen'd library, callbacks, failure detection. See engine.h for the contract.
#include "spice/engine.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <ngspice/sharedspice.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <clocale>
#include <condition_variable>
#include <cstdlib>
#include <fstream>

#include "core/errors.h"

namespace pimtx::spice {

namespace {

using InitFn = int (*)(SendChar*, SendStat*, ControlledExit*, SendData*, SendInitData*, BGThreadRunning*, void*);
using CommandFn = int (*)(char*);
using CircFn = int (*)(char**);
using VecInfoFn = pvector_info (*)(char*);
using CurPlotFn = char* (*)();
using AllVecsFn = char** (*)(char*);
using AllPlotsFn = char** (*)();

constexpr size_t k_max_log_lines = 4000;  // output kept per session (first lines; errors come early)
constexpr double k_halt_grace_s = 1.0;    // how long a timed-out analysis may take to stop after bg_halt

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) {
    ++b;
  }
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

// Comparison key of a vector name: lower case, and "v(node)" == "node" (ngspice lists node voltages by
// bare node name for alphanumeric nodes and as "V(2)" for numeric ones).
std::string vector_key(std::string_view name) {
  std::string l = lower(trim(name));
  if (l.size() > 3 && l.rfind("v(", 0) == 0 && l.back() == ')' && l.find(',') == std::string::npos) {
    l = l.substr(2, l.size() - 3);
  }
  return l;
}

// Output fragments that mean the call failed (measured on 39.3, devices.md §1.3 and our tests).
bool is_failure_line(const std::string& line) {
  static const char* const k_patterns[] = {
      "error",       "aborted",        "singular matrix", "timestep too small", "failed",         "interrupted",
      "not found",   "no such",        "can't find",      "could not find",     "unknown subckt", "unknown model",
      "cannot open", "fatal",          "not converge",    "too few nodes",      "bad syntax",     "unrecognized",
      "undefined",   "is not a valid",
  };
  const std::string l = lower(line);
  for (const char* p : k_patterns) {
    if (l.find(p) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Warnings after which ngspice simulates a different circuit than the one written (measured on 39.3:
// "R1 1 2" -> "Warning: r1: resistance to low, set to 1 mOhm"; "V2 3 0" -> "Note: v2: has no value, DC 0
// assumed"; an unparsable token -> "Warning: can't parse '...': ignored"). They are errors; other warnings
// are kept in Result::warnings.
bool is_circuit_changing_warning(const std::string& line) {
  static const char* const k_patterns[] = {"has no value", "to low, set to", "too low, set to", "can't parse",
                                           "cannot parse"};
  const std::string l = lower(line);
  for (const char* p : k_patterns) {
    if (l.find(p) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Output is shown to the user: non-printable bytes (a binary file's echo) become \xNN, and a line is cut
// at 300 bytes (ngspice echoes a 2 MB netlist line whole).
std::string printable(std::string_view s) {
  constexpr size_t k_max = 300;
  std::string out;
  if (s.size() > k_max) {
    return printable(s.substr(0, k_max)) + fmt::format("... ({} bytes)", s.size());
  }
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool is_analysis(const std::string& command) { return is_analysis_command(command); }

std::string units_of(int v_type) {
  // enum simvar_types in ngspice/sim.h: SV_NOTYPE, SV_TIME, SV_FREQUENCY, SV_VOLTAGE, SV_CURRENT, ...
  switch (v_type) {
    case 1:
      return "s";
    case 2:
      return "Hz";
    case 3:
      return "V";
    case 4:
      return "A";
    default:
      return "1";
  }
}

}  // namespace

// Analyses create a new plot; everything else (alter, set, option, ...) does not.
bool is_analysis_command(const std::string& command) {
  static const char* const k_analyses[] = {"op", "dc", "tran", "ac", "noise", "run", "tf", "sens", "pz", "disto"};
  std::string first = lower(trim(command));
  first = first.substr(0, first.find_first_of(" \t"));
  return std::find(std::begin(k_analyses), std::end(k_analyses), first) != std::end(k_analyses);
}

struct Engine::Impl {
  std::mutex api_mutex;  // held by Session

  // Output capture; callbacks may run on ngspice's background thread.
  std::mutex out_mutex;
  std::condition_variable out_cv;
  std::vector<std::string> session_log;  // since the session began
  size_t call_begin = 0;                 // index in session_log where the current call began
  size_t dropped_lines = 0;
  bool bg_started = false;
  bool bg_finished = false;
  bool fatal = false;
  int fatal_status = 0;
  bool stuck = false;  // a halted analysis never stopped: its thread still runs inside ngspice

  void* handle = nullptr;
  InitFn init = nullptr;
  CommandFn command = nullptr;
  CircFn circ = nullptr;
  VecInfoFn vec_info = nullptr;
  CurPlotFn cur_plot = nullptr;
  AllVecsFn all_vecs = nullptr;
  AllPlotsFn all_plots = nullptr;
  int loads = 0;

  std::vector<std::string> netlist;  // the lines last loaded (for locating the offending line)

  static int on_char(char* text, int /*id*/, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::string s(text != nullptr ? text : "");
    for (const char* prefix : {"stdout ", "stderr "}) {
      if (s.rfind(prefix, 0) == 0) {
        s.erase(0, 7);
        break;
      }
    }
    std::lock_guard<std::mutex> g(self->out_mutex);
    if (self->session_log.size() < k_max_log_lines) {
      self->session_log.push_back(std::move(s));
    } else {
      ++self->dropped_lines;
    }
    return 0;
  }
  static int on_stat(char*, int, void*) { return 0; }
  static int on_exit(int status, NG_BOOL /*immediate*/, NG_BOOL quit, int /*id*/, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::lock_guard<std::mutex> g(self->out_mutex);
    if (!quit) {
      self->fatal = true;
      self->fatal_status = status;
    }
    return 0;
  }
  static int on_bg(NG_BOOL finished, int /*id*/, void* user) {
    // arg is true when the thread has stopped (opposite of the header comment; devices.md §1.3).
    auto* self = static_cast<Impl*>(user);
    {
      std::lock_guard<std::mutex> g(self->out_mutex);
      if (finished) {
        self->bg_finished = true;
      } else {
        self->bg_started = true;
      }
    }
    self->out_cv.notify_all();
    return 0;
  }

  template <class F>
  F sym(const char* name) {
    void* p = dlsym(handle, name);
    if (p == nullptr) {
      throw SpiceError(fmt::format("libngspice: symbol {} missing: {}", name, dlerror()));
    }
    return reinterpret_cast<F>(p);
  }

  void load_library() {
    std::setlocale(LC_NUMERIC, "C");
    const char* env = std::getenv("PIMTX_NGSPICE_LIB");
    const std::string path = env != nullptr && *env != '\0' ? env : "libngspice.so.0";
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      throw SpiceError(fmt::format("cannot load libngspice '{}': {}", path, dlerror()));
    }
    init = sym<InitFn>("ngSpice_Init");
    command = sym<CommandFn>("ngSpice_Command");
    circ = sym<CircFn>("ngSpice_Circ");
    vec_info = sym<VecInfoFn>("ngGet_Vec_Info");
    cur_plot = sym<CurPlotFn>("ngSpice_CurPlot");
    all_vecs = sym<AllVecsFn>("ngSpice_AllVecs");
    all_plots = sym<AllPlotsFn>("ngSpice_AllPlots");

    // ngSpice_Init reads .spiceinit from cwd and $HOME: point both at an empty directory meanwhile.
    char tmpl[] = "/tmp/pimtx-ngspice-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (dir == nullptr) {
      throw SpiceError("cannot create a temporary directory for ngspice initialisation");
    }
    const std::filesystem::path old_cwd = std::filesystem::current_path();
    const char* old_home_c = std::getenv("HOME");
    const std::string old_home = old_home_c != nullptr ? old_home_c : "";
    setenv("HOME", dir, 1);
    std::filesystem::current_path(dir);
    // ngspice installs its own signal handlers (SIGINT among them) during init; keep the caller's, so that
    // Ctrl-C still runs pimtx's cleanup (core/interrupt.h).
    struct sigaction old_int {
    }, old_term{};
    sigaction(SIGINT, nullptr, &old_int);
    sigaction(SIGTERM, nullptr, &old_term);
    const int rc = init(&Impl::on_char, &Impl::on_stat, &Impl::on_exit, nullptr, nullptr, &Impl::on_bg, this);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    std::filesystem::current_path(old_cwd);
    if (old_home_c != nullptr) {
      setenv("HOME", old_home.c_str(), 1);
    } else {
      unsetenv("HOME");
    }
    rmdir(dir);
    if (rc != 0) {
      throw SpiceError(fmt::format("ngSpice_Init returned {}", rc));
    }
    ++loads;
  }

  void unload_library() {
    if (handle != nullptr) {
      dlclose(handle);
      handle = nullptr;
    }
  }

  void ensure_loaded() {
    if (handle == nullptr) {
      load_library();
    }
  }

  void begin_call() {
    std::lock_guard<std::mutex> g(out_mutex);
    call_begin = session_log.size();
    fatal = false;
  }

  std::vector<std::string> call_lines() {
    std::lock_guard<std::mutex> g(out_mutex);
    return {session_log.begin() + static_cast<std::ptrdiff_t>(std::min(call_begin, session_log.size())),
            session_log.end()};
  }

  // The netlist line an error message refers to: an element/subckt/model name from the message that
  // starts a netlist line, or the line text ngspice echoes.
  std::string locate_netlist_line(const std::vector<std::string>& errors) const {
    for (const auto& err : errors) {
      const std::string le = lower(err);
      for (size_t k = 1; k < netlist.size(); ++k) {
        const std::string t = lower(trim(netlist[k]));
        if (t.empty() || t[0] == '*' || t[0] == '.' || t[0] == '+') {
          continue;
        }
        const std::string name = t.substr(0, t.find_first_of(" \t"));
        size_t pos = le.find(name);
        while (pos != std::string::npos) {
          const bool left_ok = pos == 0 || std::isalnum(static_cast<unsigned char>(le[pos - 1])) == 0;
          const size_t end = pos + name.size();
          const bool right_ok =
              end >= le.size() || (std::isalnum(static_cast<unsigned char>(le[end])) == 0 && le[end] != '_');
          if (left_ok && right_ok) {
            return fmt::format("netlist line {}: {}", k + 1, printable(trim(netlist[k])));
          }
          pos = le.find(name, pos + 1);
        }
      }
    }
    return "";
  }

  // Throws SpiceError if the lines since begin_call() report a failure or a fatal error happened.
  void check_call(const std::string& what) {
    const std::vector<std::string> lines = call_lines();
    bool was_fatal = false;
    {
      std::lock_guard<std::mutex> g(out_mutex);
      was_fatal = fatal;
    }
    std::vector<std::string> errors;
    for (size_t k = 0; k < lines.size(); ++k) {
      if (is_failure_line(lines[k]) || is_circuit_changing_warning(lines[k])) {
        errors.push_back(printable(trim(lines[k])));
        // ngspice often prints the offending text on the following line(s).
        for (size_t m = k + 1; m < lines.size() && m <= k + 2; ++m) {
          if (!trim(lines[m]).empty() && !is_failure_line(lines[m]) && !is_circuit_changing_warning(lines[m])) {
            errors.push_back("  " + printable(trim(lines[m])));
          }
        }
      }
    }
    if (was_fatal) {
      unload_library();  // the library "awaits to be detached"; the next call loads it again
      throw SpiceError(fmt::format("{}: ngspice fatal error (controlled exit, status {}); library reloaded\n{}", what,
                                   fatal_status, fmt::join(errors, "\n")));
    }
    if (!errors.empty()) {
      const std::string where = locate_netlist_line(errors);
      throw SpiceError(fmt::format("{}: ngspice reported:\n{}{}", what, fmt::join(errors, "\n"),
                                   where.empty() ? "" : "\n(" + where + ")"));
    }
  }

  int send(const std::string& cmd) {
    std::vector<char> buf(cmd.begin(), cmd.end());
    buf.push_back('\0');
    return command(buf.data());
  }

  std::vector<std::string> names_in(const std::string& plot) {
    std::vector<char> buf(plot.begin(), plot.end());
    buf.push_back('\0');
    std::vector<std::string> out;
    char** v = all_vecs(buf.data());
    for (size_t k = 0; v != nullptr && v[k] != nullptr; ++k) {
      out.emplace_back(v[k]);
    }
    return out;
  }

  bool is_plot(const std::string& name) {
    char** p = all_plots();
    for (size_t k = 0; p != nullptr && p[k] != nullptr; ++k) {
      if (lower(p[k]) == lower(name)) {
        return true;
      }
    }
    return false;
  }

  std::string plot_name() {
    const char* p = cur_plot();
    return p != nullptr ? p : "";
  }

  // The name under which ngspice lists `name` ("v(2)" or "plot.v(2)"), "" if absent; avoids
  // ngGet_Vec_Info's "not found" error output.
  std::string find(const std::string& name) {
    std::string plot = plot_name();
    std::string vec = name;
    const size_t dot = name.find('.');
    if (dot != std::string::npos && is_plot(name.substr(0, dot))) {
      plot = name.substr(0, dot);
      vec = name.substr(dot + 1);
    }
    const std::string key = vector_key(vec);
    for (const auto& n : names_in(plot)) {
      if (vector_key(n) == key) {
        return plot + "." + n;
      }
    }
    return "";
  }
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;  // the library stays mapped until process exit (never send quit)

Engine& Engine::instance() {
  static Engine* engine = new Engine();  // leaked on purpose: ngspice may call back during static destruction
  return *engine;
}

std::mutex& Engine::mutex() { return impl_->api_mutex; }

Session Engine::session() { return Session(*this); }

int Engine::load_count() const { return impl_->loads; }

bool Engine::stuck() const { return impl_->stuck; }

void Engine::reload() {
  std::lock_guard<std::mutex> g(impl_->api_mutex);
  impl_->unload_library();
  impl_->load_library();
}

Result Engine::run(const Job& job) {
  check_commands(job.commands, job.policy);
  Session s = session();
  s.load(job.netlist, job.policy);
  for (const auto& c : job.commands) {
    s.run(c, is_analysis(c) ? job.timeout_s : 0.0);
  }
  Result r;
  r.plot = s.current_plot();
  for (const auto& line : s.log()) {
    if (lower(line).find("warning") != std::string::npos) {
      r.warnings.push_back(printable(trim(line)));
    }
  }
  if (job.save.empty()) {
    for (const auto& n : s.vector_names()) {
      r.vectors.push_back(s.vector(n));
    }
  } else {
    for (const auto& n : job.save) {
      if (!s.has_vector(n)) {  // a requested name is user input: a typo is a user error
        throw ConfigError(fmt::format("requested vector '{}' not found in plot '{}'; available: {}", n,
                                      s.current_plot(), fmt::join(s.vector_names(), ", ")));
      }
      r.vectors.push_back(s.vector(n));
    }
  }
  return r;
}

Result run_job(const Job& job) { return Engine::instance().run(job); }

Session::Session(Engine& engine) : engine_(&engine), lock_(engine.impl_->api_mutex) {
  auto& im = *engine_->impl_;
  if (im.stuck) {
    throw SpiceError("ngspice engine unusable: an earlier analysis did not stop after its timeout");
  }
  im.ensure_loaded();
  std::lock_guard<std::mutex> g(im.out_mutex);
  im.session_log.clear();
  im.dropped_lines = 0;
  im.call_begin = 0;
}

Session::Session(Session&& other) noexcept : engine_(other.engine_), lock_(std::move(other.lock_)) {
  other.engine_ = nullptr;
}

Session::~Session() {
  if (engine_ == nullptr || !lock_.owns_lock()) {
    return;
  }
  auto& im = *engine_->impl_;
  if (im.handle != nullptr) {
    // Flat memory across runs (devices.md §1.3 pitfall 3). Errors here ("no circuit loaded") are harmless.
    im.send("remcirc");
    im.send("destroy all");
  }
  im.netlist.clear();
}

void Session::load(const std::vector<std::string>& netlist, const NetlistPolicy& policy) {
  auto& im = *engine_->impl_;
  im.netlist = apply_netlist_policy(netlist, policy);  // ConfigError if refused, before ngspice sees a byte
  if (lower(trim(im.netlist.back())) != ".end") {
    im.netlist.emplace_back(".end");
  }
  std::vector<std::vector<char>> storage;
  storage.reserve(im.netlist.size());
  std::vector<char*> ptrs;
  for (const auto& l : im.netlist) {
    storage.emplace_back(l.begin(), l.end());
    storage.back().push_back('\0');
    ptrs.push_back(storage.back().data());
  }
  ptrs.push_back(nullptr);
  im.begin_call();
  const int rc = im.circ(ptrs.data());
  im.check_call(fmt::format("loading netlist '{}'", printable(trim(netlist[0]))));
  if (rc != 0) {
    throw SpiceError(fmt::format("loading netlist '{}': ngSpice_Circ returned {}", printable(trim(netlist[0])), rc));
  }
}

void Session::load_file(const std::filesystem::path& path, NetlistPolicy policy) {
  std::ifstream in(path);
  policy.source = path.string();
  policy.base_dir = path.parent_path().string();
  if (!in) {
    throw IoError(fmt::format("cannot read netlist file '{}'", path.string()));
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.push_back(line);
  }
  try {
    load(lines, policy);
  } catch (const SpiceError&) {
    rethrow_with_context<SpiceError>(fmt::format("netlist file '{}'", path.string()));
  }
}

void Session::run(const std::string& command, double timeout_s) {
  auto& im = *engine_->impl_;
  const bool analysis = is_analysis(command);
  const std::string before = im.plot_name();
  im.begin_call();
  int rc = 0;
  if (analysis && timeout_s > 0.0) {
    {
      std::lock_guard<std::mutex> g(im.out_mutex);
      im.bg_started = false;
      im.bg_finished = false;
    }
    rc = im.send("bg_" + trim(command));
    std::unique_lock<std::mutex> g(im.out_mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    const bool done = im.out_cv.wait_until(g, deadline, [&] { return im.bg_finished; });
    if (!done) {
      g.unlock();
      im.send("bg_halt");
      g.lock();
      // bg_halt returns once the analysis looked at the halt flag; a non-converging operating point never
      // does, and bg_halt then blocks (README.md): WorkerPool enforces such timeouts by killing its worker.
      // Here, wait briefly only: a timeout must not overshoot.
      im.out_cv.wait_for(g, std::chrono::duration<double>(k_halt_grace_s), [&] { return im.bg_finished; });
      const bool halted = im.bg_finished;
      g.unlock();
      if (!halted) {
        // The background thread still owns ngspice: this process must not use the engine again (a worker
        // process exits; see pool.cpp).
        im.stuck = true;
        throw SpiceError(
            fmt::format("'{}' exceeded its timeout of {} s and did not stop within {} s of bg_halt; the engine of this "
                        "process is unusable",
                        command, timeout_s, k_halt_grace_s));
      }
      throw SpiceError(fmt::format("'{}' exceeded its timeout of {} s; analysis halted", command, timeout_s));
    }
  } else {
    rc = im.send(command);
  }
  im.check_call(fmt::format("'{}'", command));
  if (rc != 0) {
    throw SpiceError(fmt::format("'{}': ngSpice_Command returned {}", command, rc));
  }
  if (analysis) {
    const std::string after = im.plot_name();
    bool has_data = false;
    for (const auto& n : im.names_in(after)) {
      std::vector<char> buf(n.begin(), n.end());
      buf.push_back('\0');
      pvector_info v = im.vec_info(buf.data());
      if (v != nullptr && v->v_length > 0) {
        has_data = true;
        break;
      }
    }
    if (after == before || !has_data) {
      throw SpiceError(fmt::format("'{}' produced no data (plot '{}'); ngspice output:\n{}", command, after,
                                   fmt::join(im.call_lines(), "\n")));
    }
  }
}

void Session::alter(const std::string& device, const std::string& value) { run("alter " + device + " " + value); }

std::string Session::current_plot() const { return engine_->impl_->plot_name(); }

std::vector<std::string> Session::vector_names() const {
  auto& im = *engine_->impl_;
  return im.names_in(im.plot_name());
}

bool Session::has_vector(const std::string& name) const { return !engine_->impl_->find(name).empty(); }

Vector Session::vector(const std::string& name) const {
  auto& im = *engine_->impl_;
  const std::string full = im.find(name);
  if (full.empty()) {
    throw SpiceError(fmt::format("vector '{}' not found in plot '{}'; available: {}", name, im.plot_name(),
                                 fmt::join(vector_names(), ", ")));
  }
  std::vector<char> buf(full.begin(), full.end());
  buf.push_back('\0');
  pvector_info v = im.vec_info(buf.data());
  if (v == nullptr) {
    throw SpiceError(fmt::format("ngGet_Vec_Info('{}') returned NULL", name));
  }
  Vector out;
  out.name = name;
  out.units = units_of(v->v_type);
  const auto n = static_cast<size_t>(std::max(v->v_length, 0));
  if (v->v_realdata != nullptr) {
    out.real.assign(v->v_realdata, v->v_realdata + n);
  } else if (v->v_compdata != nullptr) {
    out.real.resize(n);
    out.imag.resize(n);
    for (size_t k = 0; k < n; ++k) {
      out.real[k] = v->v_compdata[k].cx_real;
      out.imag[k] = v->v_compdata[k].cx_imag;
    }
  }
  return out;
}

std::vector<std::string> Session::log() const {
  auto& im = *engine_->impl_;
  std::lock_guard<std::mutex> g(im.out_mutex);
  return im.session_log;
}

const Vector& Result::at(std::string_view name) const {
  const std::string key = vector_key(name);
  for (const auto& v : vectors) {
    if (vector_key(v.name) == key) {
      return v;
    }
  }
  std::vector<std::string> names;
  for (const auto& v : vectors) {
    names.push_back(v.name);
  }
  throw SpiceError(
      fmt::format("vector '{}' not in result of plot '{}'; available: {}", name, plot, fmt::join(names, ", ")));
}

bool Result::contains(std::string_view name) const {
  const std::string key = vector_key(name);
  return std::any_of(vectors.begin(), vectors.end(), [&](const Vector& v) { return vector_key(v.name) == key; });
}

}  // namespace pimtx::spice
