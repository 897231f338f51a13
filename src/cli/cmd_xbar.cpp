// `pimtx xbar CONFIG.toml [-o OUT.h5]`: the command line of src/experiments/xbar.h (config keys documented there):
// one crossbar solved for a batch of input vectors, or a weight matrix mapped over tiles ([mvm]).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "experiments/xbar.h"

namespace pimtx::cli {

void add_xbar_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config;
    std::string out;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub =
      app.add_subcommand("xbar", "Solve a crossbar (IR drop, sneak paths, nonlinear cells) for input vectors");
  sub->add_option("config", o->config, "Array config (TOML): [array], [input] or [bias], [solver]")->required();
  sub->add_option("-o,--output", o->out, "Result file (default: results/<config name>.h5)");
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    core::Config cfg = load_config(o->config, o->common);
    const uint64_t seed = master_seed(cfg);
    const std::filesystem::path out =
        o->out.empty() ? std::filesystem::path("results") / (std::filesystem::path(o->config).stem().string() + ".h5")
                       : std::filesystem::path(o->out);
    std::string summary;
    if (cfg.section("mvm").exists()) {
      const auto job = experiments::XbarMvmJob::from_config(cfg, seed);
      run_job(cfg, seed, out, [&](io::ResultFile& f) { summary = job.run(seed, f); });
    } else {
      const auto job = experiments::XbarSolveJob::from_config(cfg, seed);
      run_job(cfg, seed, out, [&](io::ResultFile& f) { summary = job.run(f); });
    }
    std::cout << summary << "\nwrote " << out.string() << "\n";
    return 0;
  };
}

}  // namespace pimtx::cli
