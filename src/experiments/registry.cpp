// Explicit list of experiments for `pimtx run` (STYLE.md §2: no self-registration).
#include "experiments/experiment.h"

namespace pimtx::experiments {

std::unique_ptr<Experiment> make_eval_experiment(core::Section& root, uint64_t seed);  // eval.cpp

std::unique_ptr<Experiment> make_spice_crossbar_experiment(core::Section& root,
                                                           uint64_t seed);  // spice_crossbar.cpp

std::unique_ptr<Experiment> make_lsh_attention_experiment(core::Section& root, uint64_t seed);  // lsh_attention.cpp

std::unique_ptr<Experiment> make_cost_experiment(core::Section& root, uint64_t seed);  // cost.cpp
std::unique_ptr<Experiment> make_gain_cell_attention_experiment(core::Section& root,
                                                                uint64_t seed);          // gain_cell_attention.cpp
std::unique_ptr<Experiment> make_lsh_nn_experiment(core::Section& root, uint64_t seed);  // lsh_nn.cpp

std::unique_ptr<Experiment> make_kv_cam_experiment(core::Section& root, uint64_t seed);  // kv_cam.cpp

ExperimentRegistry make_experiment_registry() {
  ExperimentRegistry r("experiment");
  // r.add("<name>", factory) lines go here, one per experiment.
  r.add("spice_crossbar", make_spice_crossbar_experiment);
  r.add("eval", make_eval_experiment);
  r.add("lsh_attention", make_lsh_attention_experiment);
  r.add("cost", make_cost_experiment);
  r.add("gain_cell_attention", make_gain_cell_attention_experiment);
  r.add("lsh_nn", make_lsh_nn_experiment);
  r.add("kv_cam", make_kv_cam_experiment);
  return r;
}

const ExperimentRegistry& experiment_registry() {
  static const ExperimentRegistry r = make_experiment_registry();
  return r;
}

}  // namespace pimtx::experiments
