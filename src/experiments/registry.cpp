// Explicit list of experiments for `pimtx run` (STYLE.md §2: no self-registration).
#include <map>
#include <string>

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

namespace {

// Examples (Registry::add's third argument): the TOML text of a small run of each experiment (seconds; paths relative
// to the repository root), built and run by contract_test.cpp.
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> m = {
      {"eval", R"(experiment = "eval"
[eval]
model = "data/models/stories260K.bin"
tokenizer = "data/models/tok512.bin"
text = "data/text/tinystories_valid_excerpt.txt"
max_tokens = 20
)"},
      {"cost", R"(experiment = "cost"
[model]
checkpoint = "data/models/stories260K.bin"
[arch.attention]
type = "lsh"
)"},
      {"spice_crossbar", R"(experiment = "spice_crossbar"
[spice_crossbar]
n_rows = 4
cell = "metal_oxide"
)"},
      {"lsh_attention", R"(experiment = "lsh_attention"
[lsh_attention]
model = "data/models/stories260K.bin"
tokenizer = "data/models/tok512.bin"
text = "data/text/tinystories_valid_excerpt.txt"
max_tokens = 20
n_bits = [4]
n_rounds = [2]
n_window = 4
sources = ["software", "memristive"]
n_calibration_stories = 2
n_collision_pairs = 4
n_collision_slots = 1
collision_theta_rad = [0.5, 1.5]
[lsh_attention.planes.software]
type = "gaussian"
[lsh_attention.planes.memristive]
type = "memristive"
n_tile_rows = 16
n_tile_cols = 32
[lsh_attention.planes.memristive.programming]
type = "device"
device_card = "data/devices/tiox_passive.h5"
read_law = "linear"
)"},
      {"gain_cell_attention", R"(experiment = "gain_cell_attention"
[gain_cell_attention]
model = "data/models/stories260K.bin"
tokenizer = "data/models/tok512.bin"
text = "data/text/tinystories_valid_excerpt.txt"
max_tokens = 20
n_calibration_stories = 2
points = ["ideal", "levels_8"]
[gain_cell_attention.set]
ideal = []
levels_8 = ["arch.kv_cache.n_levels=8"]
[arch.kv_cache]
type = "gain_cell"
[arch.attention]
type = "gain_cell"
)"},
      {"lsh_nn", R"(experiment = "lsh_nn"
[lsh_nn]
n_vectors = 200
source = "software"
[lsh_nn.planes.software]
type = "gaussian"
)"},
      {"kv_cam", R"(experiment = "kv_cam"
[kv_cam]
model = "data/models/stories260K.bin"
tokenizer = "data/models/tok512.bin"
text = "data/text/tinystories_valid_excerpt.txt"
max_tokens = 20
n_calibration_stories = 2
cpq_n_bits_k = [6]
cpq_n_bits_v = [4]
cpq_prune_ratio_k = [0.1]
cpq_prune_ratio_v = [0.2]
cam_k = [8]
cam_scores = ["exact"]
cam_n_bits = [64]
cam_n_window = [4]
cam_card = "data/devices/cam_row64.h5"
lsh_n_bits = [4]
lsh_n_rounds = [2]
)"},
  };
  return m;
}

}  // namespace

ExperimentRegistry make_experiment_registry() {
  ExperimentRegistry r("experiment");
  // r.add("<name>", factory, example) lines go here, one per experiment.
  r.add("spice_crossbar", make_spice_crossbar_experiment, examples().at("spice_crossbar"));
  r.add("eval", make_eval_experiment, examples().at("eval"));
  r.add("lsh_attention", make_lsh_attention_experiment, examples().at("lsh_attention"));
  r.add("cost", make_cost_experiment, examples().at("cost"));
  r.add("gain_cell_attention", make_gain_cell_attention_experiment, examples().at("gain_cell_attention"));
  r.add("lsh_nn", make_lsh_nn_experiment, examples().at("lsh_nn"));
  r.add("kv_cam", make_kv_cam_experiment, examples().at("kv_cam"));
  return r;
}

const ExperimentRegistry& experiment_registry() {
  static const ExperimentRegistry r = make_experiment_registry();
  return r;
}

std::string experiment_example(const std::string& name) { return experiment_registry().example(name); }

}  // namespace pimtx::experiments
