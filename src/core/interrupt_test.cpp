// Cleanup registry: registered paths are removed on SIGINT/SIGTERM, the exit status is 128 + signal, and a
// released path is left alone. Each case runs in a forked child, so the handlers never touch the test runner.
#include "core/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

// Runs fn() in a child, which then raises `sig`; returns the child's exit status (or 1000 + signal).
template <class Fn>
int in_child(Fn&& fn, int sig) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    fn();
    raise(sig);
    _exit(99);  // not reached when the handler ran
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

fs::path temp_file(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("pimtx_interrupt_test_" + std::to_string(getpid()) + name);
  std::ofstream(p) << "partial";
  return p;
}

}  // namespace

TEST_CASE("interrupt: registered files are removed and the exit status is 128 + signal", "[core][signals]") {
  for (int sig : {SIGINT, SIGTERM}) {
    const fs::path kept = temp_file("kept");
    const fs::path removed = temp_file("removed");
    const int code = in_child(
        [&] {
          pimtx::core::install_interrupt_handlers("unit test");
          static pimtx::core::CleanupPath a(removed);
          static pimtx::core::CleanupPath b(kept);
          b.release();
        },
        sig);
    CHECK(code == 128 + sig);
    CHECK_FALSE(fs::exists(removed));
    CHECK(fs::exists(kept));
    fs::remove(kept);
  }
}

TEST_CASE("interrupt: a forked child of the installer dies by the signal and removes nothing", "[core][signals]") {
  const fs::path p = temp_file("parent_owned");
  const int code = in_child(
      [&] {
        pimtx::core::install_interrupt_handlers("parent");
        static pimtx::core::CleanupPath a(p);
        const pid_t child = fork();
        if (child == 0) {
          raise(SIGTERM);  // inherited handler: must act as the default action
          _exit(98);
        }
        int status = 0;
        waitpid(child, &status, 0);
        _exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && fs::exists(p) ? 0 : 1);
      },
      SIGTERM);
  CHECK(code == 0);
  CHECK(fs::exists(p));
  fs::remove(p);
}

TEST_CASE("interrupt: registry bookkeeping and limits", "[core]") {
  const size_t before = pimtx::core::registered_cleanup_paths();
  {
    pimtx::core::CleanupPath a("/tmp/a");
    pimtx::core::CleanupPath b = std::move(a);
    CHECK(pimtx::core::registered_cleanup_paths() == before + 1);
  }
  CHECK(pimtx::core::registered_cleanup_paths() == before);
  CHECK_THROWS(pimtx::core::CleanupPath(std::string(5000, 'x')));
  std::vector<pimtx::core::CleanupPath> many;
  for (size_t k = before; k < pimtx::core::k_max_cleanup_paths; ++k) {
    many.emplace_back("/tmp/many");
  }
  CHECK_THROWS(pimtx::core::CleanupPath("/tmp/one_too_many"));
}
