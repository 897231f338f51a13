// pimtx command-line entry point: the only place that catches errors and picks exit codes.
// Exit codes: 0 success, 2 usage or configuration error, 1 runtime failure.
#include <CLI/CLI.hpp>
#include <clocale>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/errors.h"
#include "pimtx/git_info.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C");  // ngspice and our number formatting assume the C locale
  pimtx::cli::set_command_line(argc, argv);
  CLI::App app{"pimtx: transformers on processing-in-memory arrays, from SPICE to perplexity"};
  app.set_version_flag("--version", std::string("pimtx ") + PIMTX_VERSION + " (" + PIMTX_GIT_COMMIT + ")");
  app.require_subcommand(1);
  pimtx::cli::ActionTable actions;
  pimtx::cli::add_run_command(app, actions);
  pimtx::cli::add_info_command(app, actions);
  pimtx::cli::add_netlist_command(app, actions);
  pimtx::cli::add_spice_command(app, actions);
  pimtx::cli::add_eval_command(app, actions);
  pimtx::cli::add_calibrate_command(app, actions);
  pimtx::cli::add_xbar_command(app, actions);
  pimtx::cli::add_cost_command(app, actions);
  pimtx::cli::add_sweep_command(app, actions);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    for (const CLI::App* sub : app.get_subcommands()) {
      auto it = actions.find(sub);
      if (it != actions.end()) {
        return it->second();
      }
    }
    std::cerr << "pimtx: no action for this command\n";
    return 2;
  } catch (const std::exception& e) {
    const bool usage = pimtx::chain_contains<pimtx::ConfigError>(e) || pimtx::chain_contains<pimtx::UsageError>(e);
    std::cerr << "pimtx: error: " << pimtx::describe_chain(e) << "\n";
    return usage ? 2 : 1;
  }
}
