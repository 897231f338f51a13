// Progress line for long runs: "label  123/1000  12.3%  45.6 it/s  ETA 00:01:23" redrawn in place on a
// TTY (stderr), silent otherwise (logs, CI, --quiet). Throttled to ~5 redraws per second.
//
// Contract: update() may be called as often as wanted from one thread; finish() prints the final line
// (on a TTY) and is called by the destructor if needed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace pimtx::core {

// Global switch; default: enabled iff stderr is a TTY. `--quiet` sets it to false.
void set_progress_enabled(bool enabled);
bool progress_enabled();

class Progress {
 public:
  Progress(std::string label, uint64_t total, std::string unit = "it");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(uint64_t done);
  void advance(uint64_t n = 1) { update(done_ + n); }
  void set_total(uint64_t total) { total_ = total; }
  void set_label(std::string label) { label_ = std::move(label); }  // e.g. to show a failure count
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  uint64_t total_;
  std::string unit_;
  uint64_t done_ = 0;
  bool finished_ = false;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace pimtx::core
