// Sub-commands of the `pimtx` executable. Each lives in its own cmd_<name>.cpp and registers itself on
// the CLI11 app with add_<name>_command(); main.cpp calls them in order. The returned action runs after
// parsing, so exceptions reach main's handler (which alone picks exit codes).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>

#include "cli/job.h"

namespace pimtx::cli {

using Action = std::function<int()>;
// Maps a subcommand pointer to what it does.
using ActionTable = std::map<const CLI::App*, Action>;

// Adds --set, --seed and --quiet to a subcommand.
void add_common_options(CLI::App* sub, CommonOptions& opts);

void add_run_command(CLI::App& app, ActionTable& actions);
void add_info_command(CLI::App& app, ActionTable& actions);
void add_netlist_command(CLI::App& app, ActionTable& actions);
void add_spice_command(CLI::App& app, ActionTable& actions);
void add_eval_command(CLI::App& app, ActionTable& actions);
void add_calibrate_command(CLI::App& app, ActionTable& actions);
void add_xbar_command(CLI::App& app, ActionTable& actions);
void add_cost_command(CLI::App& app, ActionTable& actions);
void add_sweep_command(CLI::App& app, ActionTable& actions);

}  // namespace pimtx::cli
