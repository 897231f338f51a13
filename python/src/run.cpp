// pimtx.run (the `pimtx run` job machinery of src/cli, shared through cli::run_experiment) and pimtx.evaluate
// (arch::evaluate on a Transformer built from an arch dict).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "cli/job.h"
#include "common.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/progress.h"
#include "io/text.h"
#include "toml.h"

namespace pimtx::python {

namespace {

std::string fspath(const py::handle& p) { return py::module_::import("os").attr("fspath")(p).cast<std::string>(); }

std::string run(const py::object& config, const std::vector<std::string>& overrides, const py::object& seed,
                const py::object& output, bool quiet) {
  cli::CommonOptions opts;
  opts.overrides = overrides;
  opts.seed = seed.is_none() ? -1 : seed.cast<int64_t>();
  if (opts.seed < -1) {
    throw ConfigError(fmt::format("run(): seed = {}: must be >= 0", opts.seed));
  }
  opts.quiet = quiet;
  core::Config cfg;
  std::filesystem::path out;
  std::string what;
  if (py::isinstance<py::dict>(config)) {
    if (output.is_none()) {
      throw ConfigError("run(): a dict config has no file name to derive the result path from; give output=");
    }
    cfg = core::Config::from_string(dict_to_toml(config.cast<py::dict>()), "run(config=dict)");
    cli::apply_common_options(cfg, opts);
    what = "dict";
  } else {
    const std::string path = fspath(config);
    cfg = cli::load_config(path, opts);
    out = cli::default_output(path);
    what = fmt::format("'{}'", path);
  }
  if (!output.is_none()) {
    out = fspath(output);
  }
  std::string call = fmt::format("python: pimtx.run({}", what);
  for (const auto& o : overrides) {
    call += fmt::format(", --set {}", o);
  }
  if (opts.seed >= 0) {
    call += fmt::format(", seed={}", opts.seed);
  }
  cli::set_command_line(call + fmt::format(", output='{}')", out.string()));
  {
    py::gil_scoped_release nogil;
    (void)cli::run_experiment(cfg, out);
  }
  return std::filesystem::absolute(out).string();
}

py::array_t<int64_t> int_array(const std::vector<int64_t>& v) {
  py::array_t<int64_t> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// {field: (n_layers + 1) array} for one operator kind, as written under /<group>/op_counts/<kind>/.
py::dict counts_dict(const std::vector<arch::LayerCounts>& layers, arch::OpCounts arch::LayerCounts::*kind) {
  std::map<std::string, std::vector<int64_t>> f;
  std::map<std::string, std::vector<int64_t>> events;
  std::map<std::string, std::vector<double>> sums;
  const size_t n = layers.size();
  for (size_t l = 0; l < n; ++l) {
    const arch::OpCounts& c = layers[l].*kind;
    for (const auto& [name, value] :
         std::initializer_list<std::pair<const char*, int64_t>>{{"macs", c.macs},
                                                                {"bytes_read", c.bytes_read},
                                                                {"bytes_written", c.bytes_written},
                                                                {"kv_entries_stored", c.kv_entries_stored},
                                                                {"kv_entries_read", c.kv_entries_read},
                                                                {"calls", c.calls}}) {
      f[name].resize(n);
      f[name][l] = value;
    }
    for (const auto& [name, value] : c.events) {
      events[name].resize(n);
      events[name][l] = value;
    }
    for (const auto& [name, value] : c.sums) {
      sums[name].resize(n);
      sums[name][l] = value;
    }
  }
  py::dict d;
  for (const auto& [name, v] : f) {
    d[py::str(name)] = int_array(v);
  }
  py::dict ev;
  for (const auto& [name, v] : events) {
    ev[py::str(name)] = int_array(v);
  }
  py::dict su;
  for (auto& [name, v] : sums) {
    su[py::str(name)] = vector_to_array(std::move(v));
  }
  d["events"] = ev;
  d["sums"] = su;
  return d;
}

py::dict evaluate(const py::object& model, const py::object& tokenizer, const py::object& text, const py::dict& arch,
                  int64_t max_tokens, uint64_t seed) {
  if (max_tokens < 0) {
    throw ConfigError(fmt::format("evaluate(): max_tokens = {}: must be >= 0", max_tokens));
  }
  const std::string model_path = fspath(model), tok_path = fspath(tokenizer), text_path = fspath(text);
  core::Config cfg = core::Config::from_string(dict_to_toml(arch, "arch"), "evaluate(arch=...)");
  arch::EvalResult r;
  std::vector<arch::LayerCounts> counts;
  {
    py::gil_scoped_release nogil;
    const arch::Model m = arch::load_model(model_path);
    const std::unique_ptr<arch::Tokenizer> tok = arch::load_tokenizer(tok_path, m.config.vocab_size);
    arch::Transformer engine(m, cfg.section("arch"), seed);
    cfg.check_unknown();
    const auto stories = arch::split_stories(io::read_text_file(text_path));
    r = arch::evaluate(engine, *tok, stories, max_tokens, false);
    counts = engine.counts();
  }
  if (r.n_tokens == 0) {
    throw ConfigError(fmt::format("evaluate(): text '{}': no story with at least one predicted token", text_path));
  }
  py::dict out;
  out["n_tokens"] = r.n_tokens;
  out["n_stories"] = r.n_stories;
  out["mean_nll"] = r.mean_nll();
  out["perplexity"] = std::exp(r.mean_nll());
  out["top1"] = r.top1();
  out["seconds"] = r.seconds;
  out["story_tokens"] = int_array(r.story_tokens);
  out["story_nll"] = vector_to_array(std::vector<double>(r.story_nll));
  py::dict c;
  c["linear"] = counts_dict(counts, &arch::LayerCounts::linear);
  c["attention"] = counts_dict(counts, &arch::LayerCounts::attention);
  c["kv_cache"] = counts_dict(counts, &arch::LayerCounts::kv_cache);
  out["counts"] = c;
  out["arch"] = cfg.resolved_text();
  return out;
}

}  // namespace

void register_run(py::module_& m) {
  m.def("run", &run, py::arg("config"), py::kw_only(), py::arg("overrides") = std::vector<std::string>{},
        py::arg("seed") = py::none(), py::arg("output") = py::none(), py::arg("quiet") = true, R"doc(
Run an experiment exactly as `pimtx run CONFIG.toml [--set ...] [--seed N] [-o OUT]` and return the result path.

Args:
    config: path of a TOML config (`experiment = "name"` selects what runs), or a dict with the same structure
        (nested dicts are tables; relative paths then resolve against the current directory).
    overrides: "key.path=value" strings, as --set.
    seed: master seed (as --seed); None: `seed` from the config (default 1).
    output: result file; default results/<config stem>.h5 like the CLI (required for a dict config).
    quiet: no progress display.

Returns:
    Absolute path of the HDF5 result (read it with open_result()). For the same config and seed the file holds
    the same datasets as the CLI's (only /meta command and times differ). No file is left behind on error.

Raises:
    pimtx.ConfigError: unknown key, bad value or unknown experiment (naming the key, location and value).
    pimtx.IoError, pimtx.SpiceError, pimtx.NumericError: runtime failures, with pimtx's context chain as __cause__.
)doc");
  m.def("evaluate", &evaluate, py::arg("model"), py::arg("tokenizer"), py::arg("text"), py::kw_only(),
        py::arg("arch") = py::dict(), py::arg("max_tokens") = 0, py::arg("seed") = 1, R"doc(
Perplexity and top-1 of a transformer checkpoint with pluggable in-memory operators (arch::evaluate).

Args:
    model: llama2.c .bin, or a Hugging Face directory / config.json / .safetensors.
    tokenizer: llama2.c tokenizer .bin, or a directory with vocab.json + merges.txt.
    text: text file of stories separated by lines "<|endoftext|>".
    arch: the [arch] table as a dict, e.g. {"attention": {"type": "lsh", "n_bits": 8}, "linear": {...}}
        (src/arch/README.md lists the units and keys); validated like a config file.
    max_tokens: stop after the story in which this many predicted tokens are reached (0: all).
    seed: master seed of the units' random streams.

Returns:
    dict: n_tokens, n_stories, mean_nll (nats), perplexity, top1, seconds, story_tokens, story_nll, counts
    ({"linear"|"attention"|"kv_cache": {field: (n_layers + 1) array, "events": {...}, "sums": {...}}}, last row =
    classifier), arch (the resolved [arch] table as TOML).

The GIL is released while the model runs.
)doc");
}

}  // namespace pimtx::python
