// `pimtx eval`: the command line of the experiment "eval" (src/experiments/eval.cpp: perplexity / top-1 of a
// transformer checkpoint over a text file of stories, plus generation, per-layer operation counts and /cost/).
//
// Config (TOML; the command-line flags set the same keys):
//   [eval]  model, tokenizer, text (paths), max_tokens (0 = all), prompt, n_generate, temperature_rel,
//           n_calibration_stories (the text's LAST n stories calibrate units that ask for it, e.g. crossbar DAC/ADC
//           ranges, and are never evaluated; 0 = none, an error if a unit needs calibration),
//           calibration_max_tokens (stop calibrating after the story that reaches it; 0 = all n stories)
//   [arch.linear] / [arch.attention] / [arch.kv_cache]  `type` and unit parameters (src/arch/README.md)
//   [cost]  catalog, context, set: how /cost/ prices the counted work (src/cost/README.md)
// The last line printed is `tokens N mean_nll X perplexity Y top1 Z`.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "experiments/experiment.h"

namespace pimtx::cli {

namespace {

// A TOML basic string holding `s` exactly: quotes, backslashes and every control character escaped
// (a raw newline used to end the string early, so a multi-line --prompt kept literal quote marks).
std::string toml_quoted(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      q += '\\';
      q += ch;
    } else if (ch == '\n') {
      q += "\\n";
    } else if (ch == '\t') {
      q += "\\t";
    } else if (ch == '\r') {
      q += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      q += fmt::format("\\u{:04X}", c);
    } else {
      q += ch;
    }
  }
  return q + "\"";
}

}  // namespace

void add_eval_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string config, model, tokenizer, text, prompt, out;
    int64_t max_tokens = -1, n_generate = -1;
    double temperature = -1.0;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("eval", "Perplexity, top-1 accuracy and generation of a transformer checkpoint");
  sub->add_option("config", o->config, "Config (TOML) with [eval] and [arch.*] tables (optional)");
  sub->add_option("--model", o->model, "Checkpoint: llama2.c .bin, or HF directory / config.json / .safetensors");
  sub->add_option("--tokenizer", o->tokenizer, "Tokenizer: llama2.c .bin, or directory with vocab.json + merges.txt");
  sub->add_option("--text", o->text, "Text file of stories separated by <|endoftext|> lines");
  sub->add_option("--max-tokens", o->max_tokens, "Stop after the story in which N predicted tokens are reached")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--prompt", o->prompt, "Generation prompt (default: BOS only)");
  sub->add_option("--generate", o->n_generate, "Tokens to generate after the prompt (default 0)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--temperature", o->temperature, "Sampling temperature; 0 = greedy (default 0)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("-o,--output", o->out, "Result file (default: results/<config name or eval>.h5)");
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    CommonOptions common = o->common;
    auto set = [&](const std::string& key, const std::string& value) { common.overrides.push_back(key + "=" + value); };
    if (!o->model.empty()) {
      set("eval.model", toml_quoted(o->model));
    }
    if (!o->tokenizer.empty()) {
      set("eval.tokenizer", toml_quoted(o->tokenizer));
    }
    if (!o->text.empty()) {
      set("eval.text", toml_quoted(o->text));
    }
    if (!o->prompt.empty()) {
      set("eval.prompt", toml_quoted(o->prompt));
    }
    if (o->max_tokens >= 0) {
      set("eval.max_tokens", std::to_string(o->max_tokens));
    }
    if (o->n_generate >= 0) {
      set("eval.n_generate", std::to_string(o->n_generate));
    }
    if (o->temperature >= 0) {
      set("eval.temperature_rel", fmt::format("{}", o->temperature));
    }
    core::Config cfg = load_config(o->config, common);
    const uint64_t seed = master_seed(cfg);
    auto root = cfg.root();
    root.get_string("experiment", "eval", {"eval"});  // the same file also works with `pimtx run`
    const auto exp = experiments::experiment_registry().create_named("eval", root, seed);
    const std::filesystem::path out =
        !o->out.empty()
            ? std::filesystem::path(o->out)
            : std::filesystem::path("results") /
                  ((o->config.empty() ? std::string("eval") : std::filesystem::path(o->config).stem().string()) +
                   ".h5");
    std::string summary;
    run_job(cfg, seed, out, [&](io::ResultFile& f) { summary = exp->run(f); });
    // Summary without its last line (the figures line, `tokens N mean_nll X ...`), then the file, then that line.
    const std::string last = summary.substr(summary.rfind('\n') + 1);
    std::cout << summary.substr(0, summary.size() - last.size());
    std::cout << "wrote " << out.string() << "\n" << last << "\n";
    return 0;
  };
}

}  // namespace pimtx::cli
