// In-process libngspice 39.3 engine (the only code in pimtx that includes sharedspice.h).
//
// Contract: Engine::instance() is the one ngspice of this process (all ngspice state is global). A Session
// holds the engine's mutex for its lifetime, so only one thread talks to ngspice at a time; its destructor
// sends `remcirc` + `destroy all`, which keeps resident memory flat across runs (devices.md §1.3 pitfall 3).
// Every call scans ngspice's output stream: a line with Error / aborted / singular matrix / Timestep too
// small / failed / interrupted / not found (and similar) raises pimtx::SpiceError carrying ngspice's own
// lines and, where one can be identified, the offending netlist line. An analysis that leaves no data in
// its plot is an error too, as is a requested vector that is missing. A patched-up result (gmin/source
// stepping after "singular matrix") is never returned as success.
//
// Design decisions (see README.md):
//  - libngspice is loaded with dlopen (RTLD_LOCAL), so after a fatal error (ControlledExit with quit=false)
//    the library is closed and loaded again; the failing call still raises SpiceError. `quit` is never sent.
//  - ngSpice_Init runs with cwd and $HOME pointing at an empty temporary directory, so a stray .spiceinit
//    cannot change behaviour; LC_NUMERIC is forced to "C" (ngspice parses numbers with the C locale).
//  - A timeout runs the analysis on ngspice's background thread ("bg_<analysis>"), waits for the
//    BGThreadRunning callbacks (not ngSpice_running(), which races, pitfall 4) and sends bg_halt on expiry.
//  - Vectors are copied out; nothing allocated by ngspice is freed by us.
//  - Parallelism is processes: see pool.h.
// Library path: $PIMTX_NGSPICE_LIB if set, else "libngspice.so.0".
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "spice/netlist_policy.h"

namespace pimtx::spice {

// One real (or complex) vector copied out of an ngspice plot.
struct Vector {
  std::string name;          // as requested ("v(mid)", "op1.v(2)"), or as ngspice lists it ("mid", "vs0#branch")
  std::string units;         // "V", "A", "s", "Hz", or "1" when ngspice gives no type
  std::vector<double> real;  // (length)
  std::vector<double> imag;  // (length) for complex vectors, else empty
};

// Vectors fetched after the last command of a job.
struct Result {
  std::string plot;                   // ngspice plot name, e.g. "op1", "tran2"
  std::vector<Vector> vectors;        // in the order requested (or ngspice's order when all were fetched)
  std::vector<std::string> warnings;  // ngspice's warning lines that did not make the job fail

  // Case-insensitive lookup, "v(node)" == "node"; SpiceError listing the available names if absent.
  [[nodiscard]] const Vector& at(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const;
  // First value of a vector (convenience for `op` results).
  [[nodiscard]] double scalar(std::string_view name) const { return at(name).real.at(0); }
};

// A complete, independent simulation: load `netlist`, run `commands` in order, fetch `save`.
struct Job {
  std::vector<std::string> netlist;   // netlist[0] is the title line (ngspice never parses it as an element);
                                      // a final ".end" is appended if missing
  std::vector<std::string> commands;  // e.g. {"op"}, {"tran 1n 1u 0 1n uic"}, {"alter r1 2k", "op"}
  std::vector<std::string> save;      // vector names in the plot current after the last command
                                      // ("v(2)", "vs0#branch", or "op1.v(2)" for an earlier plot);
                                      // empty: every vector of the current plot
  double timeout_s = 0.0;             // per analysis command; 0 = no limit
  NetlistPolicy policy{};             // what the netlist and commands may do (netlist_policy.h)
};

// True for commands that run an analysis and create a plot (op, dc, tran, ac, noise, run, tf, ...).
bool is_analysis_command(const std::string& command);

class Engine;

// Exclusive use of the engine. Destruction unloads the circuit and destroys all plots.
class Session {
 public:
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) = delete;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Load a netlist from lines (netlist[0] = title) after apply_netlist_policy() (ConfigError if refused).
  // SpiceError on any parse error or a warning that changes the circuit.
  void load(const std::vector<std::string>& netlist, const NetlistPolicy& policy = {});
  // Load a netlist file (first line = title; relative .include paths from its directory). IoError if
  // unreadable; ConfigError if refused by the policy; SpiceError on parse errors.
  void load_file(const std::filesystem::path& path, NetlistPolicy policy = {});
  // Run a command. Analyses (op, dc, tran, ac, noise, run, ...) must produce a new, non-empty plot.
  // timeout_s > 0 runs an analysis in the background thread and halts it after that many seconds.
  void run(const std::string& command, double timeout_s = 0.0);
  // `alter` / `altermod` shortcuts: alter("r1", "2k") sends "alter r1 2k".
  void alter(const std::string& device, const std::string& value);
  [[nodiscard]] std::string current_plot() const;
  [[nodiscard]] std::vector<std::string> vector_names() const;  // of the current plot
  [[nodiscard]] bool has_vector(const std::string& name) const;
  [[nodiscard]] Vector vector(const std::string& name) const;  // copied; SpiceError if missing
  // All output lines ngspice wrote since the session began (stdout/stderr prefix stripped).
  [[nodiscard]] std::vector<std::string> log() const;

 private:
  friend class Engine;
  explicit Session(Engine& engine);
  Engine* engine_;
  std::unique_lock<std::mutex> lock_;
};

class Engine {
 public:
  // The process-wide engine (library loaded lazily on first use).
  static Engine& instance();
  // Blocks until no other session is open.
  Session session();
  // Convenience: one Job in one Session.
  Result run(const Job& job);
  // Number of times the library was (re)loaded in this process (1 after first use; grows after fatal errors).
  [[nodiscard]] int load_count() const;
  // Close and reload libngspice (what happens automatically after a fatal error). Takes the mutex.
  void reload();
  // True once an analysis did not stop after its timeout: its thread still runs inside ngspice, so every
  // later session throws SpiceError. A pool worker exits instead of serving more jobs.
  [[nodiscard]] bool stuck() const;

  // The mutex that Session holds; pool.cpp locks it around fork() so a child never inherits a
  // half-finished ngspice call.
  std::mutex& mutex();

  struct Impl;
  ~Engine();

 private:
  Engine();
  friend class Session;
  std::unique_ptr<Impl> impl_;
};

// Convenience: Engine::instance().run(job).
Result run_job(const Job& job);

}  // namespace pimtx::spice
