// `pimtx cost CONFIG`: the command line of the experiment "cost" (src/experiments/cost.cpp): price a model shape
// without running tokens.
// The per-token counts of every unit come from the analytic unit models (src/cost/unit_models.h) for the
// shape in [model] (or the shape of the checkpoint named by model.checkpoint) and the units in [arch.*];
// the catalog in [cost] prices them; the result file holds /cost/ exactly as an eval writes it, plus
// /cost/analytic_counts/<unit>/<quantity> (rows = layers, then the classifier).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "experiments/experiment.h"

namespace pimtx::cli {

void add_cost_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config, out, catalog;
    int64_t context = 0;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("cost", "Energy, latency and area per token of a model shape (no tokens run)");
  sub->add_option("config", o->config, "Config (TOML) with [model] (shape or checkpoint), [arch.*] and [cost]")
      ->required();
  sub->add_option("--catalog", o->catalog, "Cost catalog (TOML, data/costs/); overrides cost.catalog");
  sub->add_option("--context", o->context, "Keys in the cache (default: cost.context, else model.seq_len)")
      ->check(CLI::PositiveNumber);
  sub->add_option("-o,--output", o->out, "Result file (default: results/<config name>.h5)");
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    CommonOptions common = o->common;
    if (!o->catalog.empty()) {
      common.overrides.push_back("cost.catalog=\"" + std::filesystem::absolute(o->catalog).string() + "\"");
    }
    if (o->context > 0) {
      common.overrides.push_back("cost.context=" + std::to_string(o->context));
    }
    core::Config cfg = load_config(o->config, common);
    const uint64_t seed = master_seed(cfg);
    auto root = cfg.root();
    root.get_string("experiment", "cost", {"cost"});
    const auto exp = experiments::experiment_registry().create_named("cost", root, seed);
    const std::filesystem::path out =
        !o->out.empty() ? std::filesystem::path(o->out)
                        : std::filesystem::path("results") / (std::filesystem::path(o->config).stem().string() + ".h5");
    std::string summary;
    run_job(cfg, seed, out, [&](io::ResultFile& f) { summary = exp->run(f); });
    std::cout << summary << "wrote " << out.string() << "\n";
    return 0;
  };
}

}  // namespace pimtx::cli
