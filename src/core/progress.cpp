#include "core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace pimtx::core {

namespace {
std::atomic<int> g_enabled{-1};  // -1: not decided yet -> isatty(stderr)

std::string hms(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) {
    return "--:--:--";
  }
  const auto s = static_cast<long>(seconds + 0.5);
  return fmt::format("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}
}  // namespace

void set_progress_enabled(bool enabled) { g_enabled = enabled ? 1 : 0; }

bool progress_enabled() {
  if (g_enabled < 0) {
    g_enabled = isatty(STDERR_FILENO) != 0 ? 1 : 0;
  }
  return g_enabled == 1;
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(progress_enabled()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_) {
    finish();
  }
}

void Progress::update(uint64_t done) {
  done_ = done;
  if (!enabled_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) {
    return;
  }
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  finished_ = true;
  if (enabled_) {
    draw(true);
  }
}

void Progress::draw(bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string line;
  if (total_ > 0) {
    const double frac = static_cast<double>(done_) / static_cast<double>(total_);
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : -1.0;
    line = fmt::format("{}  {}/{}  {:5.1f}%  {:.1f} {}/s  {} {}", label_, done_, total_, 100.0 * frac, rate, unit_,
                       final ? "elapsed" : "ETA", final ? hms(elapsed) : hms(eta));
  } else {
    line = fmt::format("{}  {}  {:.1f} {}/s  elapsed {}", label_, done_, rate, unit_, hms(elapsed));
  }
  std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace pimtx::core
