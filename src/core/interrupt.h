// Signal-aware cleanup registry: partial output files are removed when the process is interrupted.
//
// Contract: install_interrupt_handlers(what) (called once, by cli/main.cpp) makes SIGINT and SIGTERM
//   1. unlink every path currently registered with a CleanupPath (async-signal-safe: unlink(2) only),
//   2. print "pimtx: interrupted by SIGINT (<what>); removed <path>" on stderr (write(2) only),
//   3. exit with 128 + signal number (130 for SIGINT, 143 for SIGTERM) via _exit.
// A CleanupPath registers a path for its lifetime (release() or destruction unregisters it without
// touching the file). Registering and unregistering are lock-free and may race with the handler: the
// handler sees either the old or the new set, never a torn path. At most k_max_cleanup_paths paths are
// registered at once (IoError beyond that); paths longer than 4095 bytes are IoError too.
// The handler acts only in the process that installed it: a forked child (spice worker) that inherits it
// resets the signal to its default action and re-raises, so it never deletes the parent's files; such
// children should call reset_interrupt_handlers_in_child() right after fork().
// Without install_interrupt_handlers() (library use, tests) registering is harmless and does nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace pimtx::core {

inline constexpr size_t k_max_cleanup_paths = 16;

// Install the SIGINT/SIGTERM handlers. `what` says what was running (e.g. the command line); it is copied
// into a fixed buffer (truncated to 1 KiB).
void install_interrupt_handlers(const std::string& what);
// In a forked child: SIGINT/SIGTERM back to their default action (terminate), registry ignored.
void reset_interrupt_handlers_in_child();

// Number of paths registered now (for tests).
size_t registered_cleanup_paths();

class CleanupPath {
 public:
  CleanupPath() = default;
  explicit CleanupPath(const std::filesystem::path& path);
  ~CleanupPath();
  CleanupPath(CleanupPath&& other) noexcept;
  CleanupPath& operator=(CleanupPath&& other) noexcept;
  CleanupPath(const CleanupPath&) = delete;
  CleanupPath& operator=(const CleanupPath&) = delete;

  // Unregister (the file stays as it is: committed, or removed by its owner).
  void release();

 private:
  int slot_ = -1;
};

}  // namespace pimtx::core
