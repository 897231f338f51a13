// Shared plumbing for commands that write a result file: seed, overrides, provenance, atomic commit.
//
// Contract: run_job() checks the config for unknown keys (after the caller has constructed every unit,
// so all valid keys are known) and the output path (io::check_output_path against run_inputs()), opens ResultFile at
// `out`, writes /meta (resolved config, seed, command, git commit, times), runs `body`, and commits. If `body` throws,
// the temporary file is removed and the exception propagates: no partial file appears under `out`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "io/h5.h"

namespace pimtx::cli {

struct CommonOptions {
  std::vector<std::string> overrides;  // --set key.path=value
  int64_t seed = -1;                   // --seed N (-1: take `seed` from the config)
  bool quiet = false;                  // --quiet
};

// The command line as typed (for /meta/command).
const std::string& command_line();
void set_command_line(int argc, char** argv);

// Load CONFIG (or an empty config when path is empty), apply --set overrides and --seed.
core::Config load_config(const std::string& path, const CommonOptions& opts);

// The master seed: `seed` at the top level of the config (default 1), 0..2^63-1.
uint64_t master_seed(core::Config& cfg);

// The files a run reads (every get_path() so far, and the config file): its output must be none of them.
std::vector<std::string> run_inputs(const core::Config& cfg);

void run_job(core::Config& cfg, uint64_t seed, const std::filesystem::path& out,
             const std::function<void(io::ResultFile&)>& body);

}  // namespace pimtx::cli
