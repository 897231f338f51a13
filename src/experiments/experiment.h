// Experiments run by `pimtx run CONFIG.toml` (and `pimtx sweep`, the Python module's run(), `pimtx eval`,
// `pimtx cost`): the top-level key `experiment = "<name>"` selects one. This layer sits above arch and cost and
// below cli: an experiment owns its logic (what it runs, what it writes); the CLI owns argument parsing, output
// paths and exit codes (src/experiments/README.md).
//
// Contract: the factory reads every key it needs from the config (so unknown keys can be rejected
// before anything runs); run() writes its results under its own group of the file and returns a short
// human summary (a few lines) that `pimtx run` prints.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/registry.h"
#include "io/h5.h"

namespace pimtx::experiments {

class Experiment {
 public:
  virtual ~Experiment() = default;
  virtual std::string run(io::ResultFile& out) = 0;
};

// Factory arguments: the root section and the master seed.
using ExperimentRegistry = core::Registry<Experiment, uint64_t>;
const ExperimentRegistry& experiment_registry();
// The example config of a registered experiment (experiment_registry().example(name), given to add() in
// registry.cpp): the TOML text of a small run (seconds), with paths relative to the repository root; "" for an
// unknown name. contract_test.cpp builds and runs every registered experiment from it.
std::string experiment_example(const std::string& name);

}  // namespace pimtx::experiments
