// Contract test over every registered experiment (issue 11): each one is built from its example config
// (experiment_example(), the TOML of a small run), which leaves no unknown key; two runs with the same seed write the
// same datasets bit for bit (timings aside); an unknown key in the experiment's table is a ConfigError naming it.
// Tests run from the source root (pimtx_add_tests), where the examples' data paths resolve.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/errors.h"
#include "experiments/experiment.h"
#include "io/h5.h"

using namespace pimtx;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t k_seed = 5;

// Build the experiment from `toml` (the table `experiment` names), check for unknown keys, run it into `out`.
void run_example(const std::string& toml, const fs::path& out) {
  core::Config cfg = core::Config::from_string(toml, "<example>");
  auto root = cfg.root();
  const std::string name = root.require_string("experiment");
  auto exp = experiments::experiment_registry().create_named(name, root, k_seed);
  cfg.check_unknown();
  io::ResultFile f = io::ResultFile::create(out);
  (void)exp->run(f);
  f.commit();
}

// Timings are the only datasets allowed to differ between two runs of the same config and seed.
bool is_timing(const std::string& path) {
  return path.find("seconds") != std::string::npos || path.find("/timing/") != std::string::npos ||
         path.find("wall_s") != std::string::npos;
}

}  // namespace

TEST_CASE("every experiment builds from its example, is deterministic and rejects unknown keys",
          "[experiments][contract]") {
  const auto names = experiments::experiment_registry().names();
  std::printf("contract experiment: %zu units\n", names.size());
  const fs::path dir = fs::temp_directory_path() / ("pimtx_experiments_contract_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& name : names) {
    INFO("experiment '" << name << "'");
    const std::string example = experiments::experiment_example(name);
    REQUIRE_FALSE(example.empty());
    INFO("example:\n" << example);
    CHECK(example.find("experiment = \"" + name + "\"") != std::string::npos);  // it selects its own experiment
    const fs::path a = dir / (name + "_a.h5"), b = dir / (name + "_b.h5");
    run_example(example, a);
    run_example(example, b);
    io::ResultReader ra(a), rb(b);
    size_t n_compared = 0;
    for (const auto& d : ra.datasets("/")) {
      if (!d.numeric || d.path.rfind("/meta", 0) == 0 || is_timing(d.path)) {
        continue;
      }
      INFO(d.path);
      // Bit for bit (NaN included, e.g. positions no query reached): same config, same seed.
      const auto x = ra.read_doubles(d.path), y = rb.read_doubles(d.path);
      CHECK((x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0)));
      ++n_compared;
    }
    CHECK(n_compared > 0);  // the run wrote results
    // An unknown key in the experiment's own table (the first table of the example) names itself.
    const size_t table = example.find("\n[");
    REQUIRE(table != std::string::npos);
    const size_t eol = example.find('\n', table + 1);
    const std::string bad = example.substr(0, eol + 1) + "not_a_key = 1\n" + example.substr(eol + 1);
    CHECK_THROWS_WITH(run_example(bad, dir / (name + "_bad.h5")), Catch::Contains("not_a_key"));
  }
  fs::remove_all(dir);
}
