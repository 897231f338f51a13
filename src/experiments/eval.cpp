// Experiment "eval" (`pimtx eval` and `pimtx run` with experiment = "eval"): perplexity / top-1 of a transformer
// checkpoint over a text file of stories, plus greedy or sampled generation, with per-layer operation counts, into an
// HDF5 result file.
//
// Config (TOML; the command-line flags set the same keys):
//   [eval]  model, tokenizer, text (paths), max_tokens (0 = all), prompt, n_generate, temperature_rel,
//           n_calibration_stories (the text's LAST n stories calibrate units that ask for it, e.g. crossbar DAC/ADC
//           ranges, and are never evaluated; 0 = none, an error if a unit needs calibration),
//           calibration_max_tokens (stop calibrating after the story that reaches it; 0 = all n stories)
//   [arch.linear] / [arch.attention] / [arch.kv_cache]  `type` and unit parameters (src/arch/README.md)
//   [cost]  catalog, context, set: how /cost/ prices the counted work (src/cost/README.md)
// The last line printed is `tokens N mean_nll X perplexity Y top1 Z`.
#include "arch/eval.h"

#include <fmt/format.h>

#include <cmath>

#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/errors.h"
#include "cost/cost_config.h"
#include "experiments/experiment.h"
#include "io/h5.h"
#include "io/text.h"

namespace pimtx::experiments {

namespace {

// Everything `pimtx eval` and `pimtx run` (experiment = "eval") do; reads all keys at construction.
class EvalExperiment final : public Experiment {
 public:
  EvalExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    core::Section ev = root.section("eval");
    model_path_ = ev.get_path("model", "", true);
    tok_path_ = ev.get_path("tokenizer", "", true);
    text_path_ = ev.get_path("text", "", true);
    max_tokens_ = ev.get_int("max_tokens", 0, core::Range::non_negative());
    prompt_ = ev.get_string("prompt", "");
    n_generate_ = ev.get_int("n_generate", 0, core::Range::non_negative());
    temperature_ = ev.get_double("temperature_rel", 0.0, core::Range::non_negative());
    n_calib_ = ev.get_int("n_calibration_stories", 0, core::Range::closed(0, 1000000));
    calib_max_tokens_ = ev.get_int("calibration_max_tokens", 0, core::Range::non_negative());
    model_ = std::make_unique<arch::Model>(arch::load_model(model_path_));
    tok_ = arch::load_tokenizer(tok_path_, model_->config.vocab_size);
    check_generation_fits(ev);
    engine_ = std::make_unique<arch::Transformer>(*model_, root.section("arch"), seed);
    arch_spec_ = cost::ArchSpec::from_section(root.section("arch"));
    auto cost_cfg = root.section("cost");
    cost_ = cost::CostSettings::from_config(cost_cfg);
    catalog_ = std::make_unique<cost::Catalog>(cost_.catalog_path, cost_.catalog_overrides);
  }

  std::string run(io::ResultFile& f) override {
    const arch::ModelConfig& c = model_->config;
    f.create_group("/model");
    f.set_attr("/model", "path", model_path_);
    f.set_attr("/model", "format", c.format);
    f.set_attr("/model", "family", std::string(c.family == arch::Family::llama ? "llama" : "gpt2"));
    for (const auto& [k, v] : std::vector<std::pair<const char*, int>>{{"dim", c.dim},
                                                                       {"hidden_dim", c.hidden_dim},
                                                                       {"n_layers", c.n_layers},
                                                                       {"n_heads", c.n_heads},
                                                                       {"n_kv_heads", c.n_kv_heads},
                                                                       {"vocab_size", c.vocab_size},
                                                                       {"seq_len", c.seq_len}}) {
      f.set_attr("/model", k, static_cast<int64_t>(v));
    }
    auto stories = arch::split_stories(io::read_text_file(text_path_));
    // Calibration on the text's last stories, disjoint from the evaluated (first) ones.
    if (n_calib_ > 0 && static_cast<int64_t>(stories.size()) <= n_calib_) {
      throw ConfigError(fmt::format("eval.n_calibration_stories = {}: the text '{}' has only {} stories", n_calib_,
                                    text_path_, stories.size()));
    }
    const std::vector<std::string> calib(stories.end() - n_calib_, stories.end());
    stories.resize(stories.size() - static_cast<size_t>(n_calib_));
    const int n_passes = engine_->calibrate([&]() {
      if (calib.empty()) {
        throw ConfigError(
            "eval.n_calibration_stories = 0, but a unit needs calibration (e.g. crossbar DAC/ADC ranges): set "
            "eval.n_calibration_stories > 0 or give the ranges in its config");
      }
      (void)arch::evaluate(*engine_, *tok_, calib, calib_max_tokens_, false);
    });
    f.create_group("/eval");
    f.set_attr("/eval", "n_calibration_stories", n_calib_);
    f.set_attr("/eval", "calibration_passes", static_cast<int64_t>(n_passes));
    const arch::EvalResult r = arch::evaluate(*engine_, *tok_, stories, max_tokens_, true);
    if (r.n_tokens == 0) {
      throw ConfigError(fmt::format("eval.text '{}': no story with at least one predicted token", text_path_));
    }
    f.write_scalar("/eval/n_tokens", r.n_tokens, "count");
    f.write_scalar("/eval/n_stories", r.n_stories, "count");
    f.write_scalar("/eval/mean_nll", r.mean_nll(), "nat");
    f.write_scalar("/eval/perplexity", std::exp(r.mean_nll()), "1");
    f.write_scalar("/eval/top1", r.top1(), "1");
    f.write_scalar("/eval/seconds", r.seconds, "s");
    f.write("/eval/story_tokens", std::span<const int64_t>(r.story_tokens), {}, "count");
    f.write("/eval/story_nll", std::span<const double>(r.story_nll), {}, "nat");
    engine_->write_results(f, "/eval");
    // Cost per token of the evaluated work: tokens processed = KV entries stored in layer 0 per kv head; the
    // schedule's context = the mean number of cached keys over those tokens (positions 1..n of each story).
    const double n_processed =
        static_cast<double>(engine_->counts().at(0).kv_cache.kv_entries_stored) / static_cast<double>(c.n_kv_heads);
    double ctx_sum = 0.0, ctx_n = 0.0;
    for (int64_t n : r.story_tokens) {
      ctx_sum += 0.5 * static_cast<double>(n) * static_cast<double>(n + 1);
      ctx_n += static_cast<double>(n);
    }
    const int64_t context =
        cost_.context > 0 ? cost_.context : std::max<int64_t>(1, std::llround(ctx_sum / std::max(1.0, ctx_n)));
    cost::ModelShape shape;
    shape.family = c.family == arch::Family::llama ? "llama" : "gpt2";
    shape.dim = c.dim;
    shape.hidden_dim = c.hidden_dim;
    shape.n_layers = c.n_layers;
    shape.n_heads = c.n_heads;
    shape.n_kv_heads = c.n_kv_heads;
    shape.vocab_size = c.vocab_size;
    shape.seq_len = c.seq_len;
    const cost::Report rep = cost::price_eval(*catalog_, engine_->counts(), n_processed, shape, arch_spec_, context);
    cost::write_report(f, "/cost", rep, *catalog_);
    f.write_scalar("/cost/n_tokens_processed", n_processed, "count");
    std::string summary = cost::summary(rep);
    if (n_generate_ > 0) {
      engine_->clear_counts();
      core::Rng rng(seed_, "arch.sample");
      const arch::Generation g = arch::generate(*engine_, *tok_, prompt_, n_generate_, temperature_, rng);
      std::vector<int64_t> ids(g.tokens.begin(), g.tokens.end());
      f.write("/generation/tokens", std::span<const int64_t>(ids), {}, "count");
      f.write_string("/generation/text", g.text);
      f.set_attr("/generation", "temperature_rel", temperature_);
      f.set_attr("/generation", "prompt", prompt_);
      f.set_attr("/generation", "n_prompt_tokens", g.n_prompt);
      engine_->write_results(f, "/generation");
      summary += g.text + "\n";
    }
    summary += fmt::format("eval {} stories in {:.2f} s ({:.0f} tokens/s)\n", r.n_stories, r.seconds,
                           static_cast<double>(r.n_tokens) / r.seconds);
    // The last line (no newline after it) is the figures line `pimtx eval` prints last.
    return summary + fmt::format("tokens {} mean_nll {:.6f} perplexity {:.6f} top1 {:.6f}", r.n_tokens, r.mean_nll(),
                                 std::exp(r.mean_nll()), r.top1());
  }

 private:
  // Generation stops at the model's context: say so instead of silently returning fewer tokens.
  void check_generation_fits(core::Section& ev) const {
    if (n_generate_ == 0) {
      return;
    }
    const int64_t ctx = model_->config.seq_len;
    const auto n_prompt = static_cast<int64_t>(prompt_.empty() ? 1 : tok_->encode(prompt_, true).size());
    if (n_prompt >= ctx) {
      ev.fail("prompt",
              fmt::format("the prompt is {} tokens (with BOS); the model's context is {} tokens", n_prompt, ctx));
    }
    if (n_prompt + n_generate_ > ctx) {
      ev.fail("n_generate", fmt::format("{} tokens after a {}-token prompt exceed the model's context of {} tokens "
                                        "(at most {})",
                                        n_generate_, n_prompt, ctx, ctx - n_prompt));
    }
  }

  uint64_t seed_;
  std::string model_path_, tok_path_, text_path_, prompt_;
  int64_t max_tokens_ = 0, n_generate_ = 0, n_calib_ = 0, calib_max_tokens_ = 0;
  double temperature_ = 0.0;
  std::unique_ptr<arch::Model> model_;
  std::unique_ptr<arch::Tokenizer> tok_;
  std::unique_ptr<arch::Transformer> engine_;
  cost::ArchSpec arch_spec_;
  cost::CostSettings cost_;
  std::unique_ptr<cost::Catalog> catalog_;
};

}  // namespace

std::unique_ptr<Experiment> make_eval_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<EvalExperiment>(root, seed);
}

}  // namespace pimtx::experiments
