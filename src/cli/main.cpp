// pimtx command-line entry point: the only place that catches errors and picks exit codes.
// Exit codes: 0 success, 2 usage or configuration error, 1 runtime failure.
#include <CLI/CLI.hpp>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>

#include "cli/commands.h"
#include "core/errors.h"
#include "core/interrupt.h"
#include "pimtx/git_info.h"

namespace {

// CLI11's number checks (NonNegativeNumber, PositiveNumber) let NaN through (every comparison with NaN is
// false), so `--temperature nan` used to mean greedy and `--timeout-s nan` no timeout. Every floating-point
// option of every subcommand must be finite.
void require_finite_floats(CLI::App* app) {
  const CLI::Validator finite(
      [](std::string& v) {
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        return std::isfinite(x) ? std::string() : "must be a finite number, got '" + v + "'";
      },
      "FINITE");
  for (CLI::Option* opt : app->get_options()) {
    if (opt->get_type_name().find("FLOAT") != std::string::npos) {
      opt->check(finite);
    }
  }
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    require_finite_floats(sub);
  }
}

}  // namespace

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
  require_finite_floats(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  // SIGINT/SIGTERM: remove partial output files, say what was interrupted, exit 130/143.
  pimtx::core::install_interrupt_handlers(pimtx::cli::command_line());
  try {
    for (const CLI::App* sub : app.get_subcommands()) {
      auto it = actions.find(sub);
      if (it != actions.end()) {
        return it->second();
      }
    }
    std::cerr << "pimtx: no action for this command\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "pimtx: error: out of memory (an input far larger than expected?)\n";
    return 1;
  } catch (const std::exception& e) {
    const bool usage = pimtx::chain_contains<pimtx::ConfigError>(e) || pimtx::chain_contains<pimtx::UsageError>(e);
    std::cerr << "pimtx: error: " << pimtx::describe_chain(e) << "\n";
    return usage ? 2 : 1;
  }
}
