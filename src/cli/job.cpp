#include "cli/job.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/progress.h"
#include "experiments/experiment.h"
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

void set_command_line(const std::string& text) { g_command_line = text; }

core::Config load_config(const std::string& path, const CommonOptions& opts) {
  core::Config cfg = path.empty() ? core::Config() : core::Config::from_file(path);
  apply_common_options(cfg, opts);
  return cfg;
}

void apply_common_options(core::Config& cfg, const CommonOptions& opts) {
  for (const auto& o : opts.overrides) {
    cfg.apply_override(o);
  }
  if (opts.seed >= 0) {
    cfg.apply_override(fmt::format("seed={}", opts.seed));
  }
  if (opts.quiet) {
    core::set_progress_enabled(false);
  }
}

std::filesystem::path default_output(const std::string& config_path) {
  return std::filesystem::path("results") / (std::filesystem::path(config_path).stem().string() + ".h5");
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

std::string run_experiment(core::Config& cfg, const std::filesystem::path& out) {
  const uint64_t seed = master_seed(cfg);
  auto root = cfg.root();
  const std::string name = root.require_string("experiment");
  std::unique_ptr<experiments::Experiment> exp = experiments::experiment_registry().create_named(name, root, seed);
  std::string summary;
  run_job(cfg, seed, out, [&](io::ResultFile& f) { summary = exp->run(f); });
  return summary;
}

}  // namespace pimtx::cli
