// Helpers for end-to-end tests that run the built `pimtx` executable (env PIMTX_BIN, set by
// pimtx_add_tests, or <build>/pimtx) and look at its exit code, output and files.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pimtx::test {

struct CliRun {
  int code = -1;       // exit status (-1 if killed by a signal)
  std::string output;  // stdout + stderr
  double wall_s = 0;   // wall-clock time of the command
};

// Runs `pimtx ARGS` through the shell (ARGS is shell text) and captures everything it prints.
inline CliRun run_pimtx(const std::string& args) {
  const char* env = std::getenv("PIMTX_BIN");
  const std::string bin = env != nullptr ? env : std::string(PIMTX_BINARY_DIR) + "/pimtx";
  const auto t0 = std::chrono::steady_clock::now();
  CliRun r;
  FILE* p = popen((bin + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    r.output.append(buf, n);
  }
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// A fresh, empty directory under the system temp dir, unique per process and name.
inline std::filesystem::path scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path d = fs::temp_directory_path() / ("pimtx_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace pimtx::test
