// `pimtx calibrate CONFIG.toml -o data/devices/NAME.h5`: fit a device model and write a device card
// (src/calibration/README.md, devices/card.h).
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "calibration/calibrate.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "core/progress.h"
#include "devices/card.h"
#include "devices/registry.h"
#include "xbar/device_programming.h"

namespace pimtx::cli {

namespace {

// The checks reading the card applies (xbar::memristor_model_from_card for memristor models; gain-cell cards
// have no reader yet, so at least every number must be finite, as reading them through the config would
// demand), so calibrate never writes a card that is rejected later.
void check_card(const devices::DeviceCard& card, const std::string& out) {
  try {
    if (devices::memristor_registry().contains(card.model)) {
      (void)xbar::memristor_model_from_card(card, out);
    }
    for (const auto& [key, v] : card.params) {
      if (!std::isfinite(v)) {
        throw ConfigError(fmt::format("parameter '{}' = {}", key, v));
      }
    }
    for (const auto& [key, values] : card.arrays) {
      for (double v : values) {
        if (!std::isfinite(v)) {
          throw ConfigError(fmt::format("array '{}' holds {}", key, v));
        }
      }
    }
  } catch (const Error&) {
    rethrow_with_context<CalibrationError>(fmt::format(
        "the fitted '{}' card fails the checks applied when reading it, so it is not written (degenerate input "
        "data, e.g. no conductance change?)",
        card.model));
  }
}

}  // namespace

void add_calibrate_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config;
    std::string out;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("calibrate", "Fit a device model to SPICE or measured data; write a device card");
  sub->add_option("config", o->config, "Calibration config (TOML, table [calibrate])")->required();
  sub->add_option("-o,--output", o->out, "Device card to write (HDF5), e.g. data/devices/tiox.h5")->required();
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    if (o->common.quiet) {
      core::set_progress_enabled(false);
    }
    core::Config cfg = load_config(o->config, o->common);
    const uint64_t seed = master_seed(cfg);
    auto cal = cfg.section("calibrate");
    auto job = calibration::build_calibration(cal, seed, cfg.document_text());
    run_job(cfg, seed, o->out, [&](io::ResultFile& f) {
      auto card = job->run();
      card.config_text = cfg.resolved_text();
      check_card(card, o->out);
      devices::write_device_card(f, card);
      for (const auto& [name, q] : card.fits) {
        std::cout << "fit " << name << ": R^2 = " << q.r2 << ", rms residual = " << q.rms_residual
                  << ", max rel residual = " << q.max_rel_residual << ", n = " << q.n_points << "\n";
      }
      const auto& a = card.array_check;
      for (size_t s = 0; a.count("max_rel_error") != 0 && s < a.at("max_rel_error").size(); ++s) {
        std::cout << "array check " << a.at("n_rows")[s] << "x" << a.at("n_cols")[s] << " vs SPICE ("
                  << a.at("n_patterns_used")[s] << " input patterns): max rel column-current error "
                  << a.at("max_rel_error")[s] << ", mean " << a.at("mean_rel_error")[s] << "\n";
      }
    });
    std::cout << "wrote " << o->out << "\n";
    return 0;
  };
}

}  // namespace pimtx::cli
