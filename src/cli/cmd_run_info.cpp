// `pimtx run CONFIG.toml` (experiments) and `pimtx info FILE.h5`.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/errors.h"
#include "cost/cost_config.h"
#include "io/h5.h"

namespace pimtx::cli {

void add_common_options(CLI::App* sub, CommonOptions& opts) {
  sub->add_option("--set", opts.overrides, "Override a config value: key.path=value (repeatable)");
  sub->add_option("--seed", opts.seed, "Master seed (overrides `seed` in the config)")->check(CLI::NonNegativeNumber);
  sub->add_flag("-q,--quiet", opts.quiet, "No progress display");
}

void add_run_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config;
    std::string out;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("run", "Run the experiment described by a TOML config and write an HDF5 result");
  sub->add_option("config", o->config, "Experiment config (TOML); `experiment = \"name\"` selects what runs")
      ->required();
  sub->add_option("-o,--output", o->out, "Result file (default: results/<config name>.h5)");
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    core::Config cfg = load_config(o->config, o->common);
    const std::filesystem::path out = o->out.empty() ? default_output(o->config) : std::filesystem::path(o->out);
    const std::string summary = run_experiment(cfg, out);
    std::cout << summary;
    if (!summary.empty() && summary.back() != '\n') {
      std::cout << '\n';
    }
    std::cout << "wrote " << out.string() << "\n";
    return 0;
  };
}

void add_info_command(CLI::App& app, ActionTable& actions) {
  auto path = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("info", "Print what a pimtx result file holds (groups, datasets, units, meta)");
  sub->add_option("file", *path, "Result file (HDF5)")->required();
  actions[sub] = [path]() {
    // A wrong argument is a usage error (exit 2); a corrupt file stays a runtime failure (exit 1).
    std::error_code ec;
    if (!std::filesystem::exists(*path, ec)) {
      throw UsageError(fmt::format("result file not found: {}", *path));
    }
    if (std::filesystem::is_directory(*path, ec)) {
      throw UsageError(fmt::format("'{}' is a directory; give a result file (HDF5)", *path));
    }
    if (!std::filesystem::is_regular_file(*path, ec)) {  // a fifo would block, a device never ends
      throw UsageError(fmt::format("'{}' is not a regular file; give a result file (HDF5)", *path));
    }
    io::ResultReader r(*path);
    r.describe(std::cout);
    cost::print_summary(*path, std::cout);
    return 0;
  };
}

}  // namespace pimtx::cli
