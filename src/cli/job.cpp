#include "cli/job.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/progress.h"
#include "io/output_path.h"

namespace pimtx::cli {

namespace {
std::string g_command_line = "pimtx";
}

const std::string& command_line() { return g_command_line; }

void set_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) {
      s += ' ';
    }
    std::string a = argv[i];
    if (a.find_first_of(" \t\"'") != std::string::npos) {
      a = "'" + a + "'";
    }
    s += a;
  }
  g_command_line = s;
}

core::Config load_config(const std::string& path, const CommonOptions& opts) {
  core::Config cfg = path.empty() ? core::Config() : core::Config::from_file(path);
  for (const auto& o : opts.overrides) {
    cfg.apply_override(o);
  }
  if (opts.seed >= 0) {
    cfg.apply_override(fmt::format("seed={}", opts.seed));
  }
  if (opts.quiet) {
    core::set_progress_enabled(false);
  }
  return cfg;
}

uint64_t master_seed(core::Config& cfg) {
  auto root = cfg.root();
  return static_cast<uint64_t>(root.get_int("seed", 1, core::Range::closed(0, 9.2e18)));
}

std::vector<std::string> run_inputs(const core::Config& cfg) {
  std::vector<std::string> inputs = cfg.paths_read();
  inputs.push_back(cfg.origin());  // the config file itself ("<string>" when there is none: never a file)
  return inputs;
}

void run_job(core::Config& cfg, uint64_t seed, const std::filesystem::path& out,
             const std::function<void(io::ResultFile&)>& body) {
  cfg.check_unknown();
  io::check_output_path(out, run_inputs(cfg));
  io::RunMeta meta;
  meta.command = command_line();
  meta.config_origin = cfg.origin();
  meta.seed = seed;
  meta.start_time_utc = io::utc_now_iso8601();
  io::ResultFile file = io::ResultFile::create(out);
  body(file);
  meta.config_text = cfg.resolved_text();  // after body: includes keys read lazily during the run
  meta.end_time_utc = io::utc_now_iso8601();
  file.write_meta(meta);
  file.commit();
}

}  // namespace pimtx::cli
