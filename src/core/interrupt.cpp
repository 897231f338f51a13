// Cleanup registry and SIGINT/SIGTERM handlers; see interrupt.h. Everything the handler touches is a
// fixed-size static buffer or a lock-free atomic, and it calls only async-signal-safe functions
// (unlink, write, getpid, signal, raise, _exit).
#include "core/interrupt.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

#include "core/errors.h"

namespace pimtx::core {

namespace {

constexpr size_t k_path_bytes = 4096;
constexpr size_t k_what_bytes = 1024;

struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written (claimed, invisible to the handler), 2 registered
  char path[k_path_bytes] = {};
};

std::array<Slot, k_max_cleanup_paths> g_slots;
char g_what[k_what_bytes] = {};
std::atomic<pid_t> g_owner{0};  // pid that installed the handlers; 0 = not installed

void put(const char* s) {
  const size_t n = std::strlen(s);
  size_t off = 0;
  while (off < n) {
    const ssize_t w = ::write(STDERR_FILENO, s + off, n - off);
    if (w <= 0) {
      return;
    }
    off += static_cast<size_t>(w);
  }
}

extern "C" void on_interrupt(int sig) {
  if (g_owner.load() != ::getpid()) {
    // A forked child that inherited the handler: behave as if it had none.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  put(sig == SIGINT ? "\npimtx: interrupted by SIGINT" : "\npimtx: interrupted by SIGTERM");
  if (g_what[0] != '\0') {
    put(" (");
    put(g_what);
    put(")");
  }
  bool any = false;
  for (Slot& s : g_slots) {
    if (s.state.load() == 2 && ::unlink(s.path) == 0) {
      put(any ? ", " : "; removed partial output ");
      put(s.path);
      any = true;
    }
  }
  put(any ? "\n" : "; no partial output to remove\n");
  ::_exit(128 + sig);
}

}  // namespace

void install_interrupt_handlers(const std::string& what) {
  const size_t n = std::min(what.size(), k_what_bytes - 1);
  std::memcpy(g_what, what.data(), n);
  g_what[n] = '\0';
  g_owner.store(::getpid());
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  // Block the other signal while one is handled, so the cleanup runs once.
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void reset_interrupt_handlers_in_child() {
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

size_t registered_cleanup_paths() {
  size_t n = 0;
  for (const Slot& s : g_slots) {
    n += s.state.load() == 2 ? 1 : 0;
  }
  return n;
}

CleanupPath::CleanupPath(const std::filesystem::path& path) {
  const std::string p = path.string();
  if (p.size() >= k_path_bytes) {
    throw IoError(fmt::format("output path too long ({} bytes, at most {}): {}", p.size(), k_path_bytes - 1, p));
  }
  for (size_t k = 0; k < g_slots.size(); ++k) {
    int expected = 0;
    if (g_slots[k].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_slots[k].path, p.c_str(), p.size() + 1);
      g_slots[k].state.store(2);
      slot_ = static_cast<int>(k);
      return;
    }
  }
  throw IoError(fmt::format("too many output files open at once (at most {}): {}", k_max_cleanup_paths, p));
}

CleanupPath::~CleanupPath() { release(); }

CleanupPath::CleanupPath(CleanupPath&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }

CleanupPath& CleanupPath::operator=(CleanupPath&& other) noexcept {
  if (this != &other) {
    release();
    slot_ = other.slot_;
    other.slot_ = -1;
  }
  return *this;
}

void CleanupPath::release() {
  if (slot_ >= 0) {
    g_slots[static_cast<size_t>(slot_)].state.store(0);
    slot_ = -1;
  }
}

}  // namespace pimtx::core
