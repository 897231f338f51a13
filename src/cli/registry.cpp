// Explicit list of experiments for `pimtx run` (STYLE.md §2: no self-registration).
#include "cli/experiment.h"

namespace pimtx::cli {

ExperimentRegistry make_experiment_registry() {
  ExperimentRegistry r("experiment");
  // r.add("<name>", factory) lines go here, one per experiment.
  return r;
}

const ExperimentRegistry& experiment_registry() {
  static const ExperimentRegistry r = make_experiment_registry();
  return r;
}

}  // namespace pimtx::cli
