// Experiment "lsh_attention" (issue 6): LSH attention on passive memristor crossbars, end to end.
// Sweeps hash bits × rounds × plane source (dense reference, software Gaussian planes, memristive planes,
// ...) on a llama2.c checkpoint over a text of stories, and measures each source's hash-collision probability
// against 1 − θ/π. Everything goes into one HDF5 file; plot with experiments/lsh_attention/plot.py.
//
// Config ([lsh_attention]; see experiments/lsh_attention/config.toml):
//   model, tokenizer, text        paths (relative to the config file)
//   max_tokens                    predicted tokens per run (0 = whole text; stops after the story reaching it)
//   n_bits, n_rounds              arrays: the sweep grid
//   n_window, n_sink,
//   n_sparsity_skip_pos           passed to every lsh run
//   sources                       names of tables [lsh_attention.planes.<name>]: each is an
//                                 [arch.attention.planes] table (type = gaussian | quantized | memristive, ...)
//   center_keys, n_calibration_stories  hash k − μ, μ = mean key over the text's last n stories (not evaluated)
//   n_seeds                       seeds seed .. seed+n_seeds-1 per setting (new planes / devices each)
//   collision_theta_rad, n_collision_pairs, n_collision_slots, n_collision_bits, n_collision_rounds
// Layout of /lsh_attention: see the README of the experiment.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "arch/attention/lsh.h"
#include "arch/attention/lsh_collision.h"
#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/errors.h"
#include "core/progress.h"
#include "experiments/experiment.h"
#include "io/text.h"

namespace pimtx::experiments {

namespace {

struct RunResult {
  double nll = 0.0;
  double top1 = 0.0;
  double attended_frac = 1.0;         // mean over layers and heads of the per-position fraction, all positions
  double attended_frac_beyond = 1.0;  // same, positions >= n_sparsity_skip_pos
  double seconds = 0.0;
  int64_t n_tokens = 0;
};

class LshAttentionExperiment final : public Experiment {
 public:
  LshAttentionExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    core::Section c = root.section("lsh_attention");
    model_path_ = c.get_path("model", "", true);
    tok_path_ = c.get_path("tokenizer", "", true);
    text_path_ = c.get_path("text", "", true);
    max_tokens_ = c.get_int("max_tokens", 2000, core::Range::non_negative());
    bits_ = c.get_int_array("n_bits", {2, 4, 6}, core::Range::closed(0, 16));
    rounds_ = c.get_int_array("n_rounds", {1, 2, 4}, core::Range::closed(1, 1024));
    n_window_ = c.get_int("n_window", 0, core::Range::non_negative());
    n_sink_ = c.get_int("n_sink", 0, core::Range::non_negative());
    skip_pos_ = c.get_int("n_sparsity_skip_pos", 64, core::Range::non_negative());
    source_names_ = c.get_string_array("sources", {"software", "memristive"});
    theta_ = c.get_double_array("collision_theta_rad", {0.1, 0.3, 0.5, 0.8, 1.1, 1.4, 1.5708, 1.8, 2.1, 2.4, 2.7, 3.0},
                                core::Range::closed(0.0, 3.14159265358979));
    n_pairs_ = static_cast<int>(c.get_int("n_collision_pairs", 200, core::Range::closed(1, 1000000)));
    n_slots_ = static_cast<int>(c.get_int("n_collision_slots", 8, core::Range::closed(1, 4096)));
    n_coll_bits_ = static_cast<int>(c.get_int("n_collision_bits", 8, core::Range::closed(1, 16)));
    n_coll_rounds_ = static_cast<int>(c.get_int("n_collision_rounds", 4, core::Range::closed(1, 1024)));
    n_seeds_ = c.get_int("n_seeds", 1, core::Range::closed(1, 1000));
    center_keys_ = c.get_bool("center_keys", true);
    n_calib_ = c.get_int("n_calibration_stories", 100, core::Range::closed(1, 1000000));
    if (bits_.empty() || rounds_.empty()) {
      c.fail(bits_.empty() ? "n_bits" : "n_rounds", "must list at least one value");
    }
    model_ = std::make_unique<arch::Model>(arch::load_model(model_path_));
    tok_ = arch::load_tokenizer(tok_path_, model_->config.vocab_size);
    core::Section sources = c.section("planes");
    for (const auto& name : source_names_) {
      if (!sources.section(name).exists()) {
        c.fail("sources", fmt::format("names '{}' but there is no table [lsh_attention.planes.{}]", name, name));
      }
      source_cfgs_.push_back(sources.section(name).copy_to("arch.attention.planes"));
    }
    // Build one engine per source now, so bad plane settings fail before anything runs.
    for (size_t s = 0; s < source_names_.size(); ++s) {
      make_engine(s, static_cast<int>(bits_[0]), static_cast<int>(rounds_[0]), seed_);
    }
    // Tables not selected by `sources` are validated too (a typo there should not pass silently).
    for (const auto& name : sources.keys()) {
      if (std::find(source_names_.begin(), source_names_.end(), name) == source_names_.end()) {
        core::Config other = sources.section(name).copy_to("planes");
        core::Section ps = other.section("planes");
        arch::lsh::plane_source_registry().create(ps, "gaussian", seed_, {8, 1, 1});
        other.check_unknown();
      }
    }
  }

  std::string run(io::ResultFile& f) override {
    auto stories = arch::split_stories(io::read_text_file(text_path_));
    if (static_cast<int64_t>(stories.size()) <= n_calib_) {
      throw ConfigError(fmt::format("lsh_attention.n_calibration_stories = {}: the text has only {} stories", n_calib_,
                                    stories.size()));
    }
    // The last n_calibration_stories calibrate the key offsets; the others are evaluated (disjoint sets).
    const std::vector<std::string> calib(stories.end() - n_calib_, stories.end());
    stories.resize(stories.size() - static_cast<size_t>(n_calib_));
    if (center_keys_) {
      calibrate_key_offset(f, calib);
    }
    const size_t nb = bits_.size(), nr = rounds_.size(), ns = source_names_.size();
    const std::string g = "/lsh_attention";
    core::Progress progress("lsh sweep", 2 + nb * nr * ns * static_cast<size_t>(n_seeds_), "run");
    // Dense reference.
    arch::Transformer dense(*model_, core::Config().section("arch"), seed_);
    const RunResult d = evaluate(dense, stories, 1, false);
    dense.write_results(f, g + "/runs/dense");
    write_run_scalars(f, g + "/runs/dense", d);
    progress.advance();
    // Window-only reference: the local window (and sinks) without hash matches (see window_only_run).
    RunResult w;
    if (n_window_ > 0 || n_sink_ > 0) {
      auto [wcfg, wengine] = make_window_only_engine();
      w = evaluate(*wengine, stories, model_->config.n_layers, true);
      wengine->write_results(f, g + "/runs/window_only");
      write_run_scalars(f, g + "/runs/window_only", w);
    }
    progress.advance();
    // Sweep: (source, bits, rounds, seed). Seeds seed, seed+1, ... draw new planes / devices each.
    const size_t nk = static_cast<size_t>(n_seeds_);
    const size_t n_all = ns * nb * nr * nk;
    std::vector<double> nll(n_all), top1(n_all), frac(n_all), frac_b(n_all), secs(n_all);
    for (size_t s = 0; s < ns; ++s) {
      for (size_t b = 0; b < nb; ++b) {
        for (size_t r = 0; r < nr; ++r) {
          for (size_t k = 0; k < nk; ++k) {
            auto [cfg, engine] = make_engine(s, static_cast<int>(bits_[b]), static_cast<int>(rounds_[r]), seed_ + k);
            const RunResult res = evaluate(*engine, stories, model_->config.n_layers, true);
            const std::string rg =
                fmt::format("{}/runs/{}_b{}_r{}_s{}", g, source_names_[s], bits_[b], rounds_[r], seed_ + k);
            engine->write_results(f, rg);
            write_run_scalars(f, rg, res);
            const size_t i = ((s * nb + b) * nr + r) * nk + k;
            nll[i] = res.nll;
            top1[i] = res.top1;
            frac[i] = res.attended_frac;
            frac_b[i] = res.attended_frac_beyond;
            secs[i] = res.seconds;
            progress.advance();
          }
        }
      }
    }
    progress.finish();
    // Grids.
    f.write(g + "/n_bits", std::span<const int64_t>(bits_), {}, "count");
    f.write(g + "/n_rounds", std::span<const int64_t>(rounds_), {}, "count");
    f.write_strings(g + "/sources", source_names_);
    const std::vector<size_t> shape = {ns, nb, nr, nk};
    f.write(g + "/nll", nll, shape, "nat");
    f.write(g + "/top1", top1, shape, "1");
    f.write(g + "/attended_frac", frac, shape, "1");
    f.write(g + "/attended_frac_beyond", frac_b, shape, "1");
    f.write(g + "/seconds", secs, shape, "s");
    f.write_scalar(g + "/dense_nll", d.nll, "nat");
    f.write_scalar(g + "/dense_top1", d.top1, "1");
    f.write_scalar(g + "/n_tokens", d.n_tokens, "count");
    f.write_scalar(g + "/n_window", n_window_, "count");
    std::vector<int64_t> seeds;
    for (size_t k = 0; k < nk; ++k) {
      seeds.push_back(static_cast<int64_t>(seed_ + k));
    }
    f.write(g + "/seeds", std::span<const int64_t>(seeds), {}, "count");
    f.write_scalar(g + "/n_sink", n_sink_, "count");
    f.write_scalar(g + "/center_keys", static_cast<int64_t>(center_keys_ ? 1 : 0), "1");
    f.write_scalar(g + "/n_sparsity_skip_pos", skip_pos_, "count");
    for (size_t s = 0; s < ns; ++s) {
      const std::string t = source_cfgs_[s].section("arch.attention.planes").copy_to("").document_text();
      f.set_attr(g, "source_" + source_names_[s], t);
    }
    // Collision probability of each source's planes against 1 − θ/π.
    std::vector<arch::lsh::CollisionResult> coll;
    const arch::lsh::HashShape cshape{model_->config.dim / model_->config.n_heads, n_coll_bits_, n_coll_rounds_};
    for (size_t s = 0; s < ns; ++s) {
      core::Config cc = source_cfgs_[s].section("arch.attention.planes").copy_to("planes");
      core::Section ps = cc.section("planes");
      auto src = arch::lsh::plane_source_registry().create(ps, "gaussian", seed_, cshape);
      cc.check_unknown();
      coll.push_back(arch::lsh::measure_collision(*src, cshape, theta_, n_slots_, n_pairs_, seed_));
      const std::string cg = g + "/collision/" + source_names_[s];
      f.write(cg + "/theta_rad", coll.back().theta_rad, {}, "rad");
      f.write(cg + "/p_measured", coll.back().p_measured, {}, "1");
      f.write(cg + "/p_theory", coll.back().p_theory, {}, "1");
      f.write(cg + "/n_compared", coll.back().n_compared, {}, "count");
      f.set_attr(cg, "n_bits", static_cast<int64_t>(n_coll_bits_));
      f.set_attr(cg, "n_rounds", static_cast<int64_t>(n_coll_rounds_));
      f.set_attr(cg, "n_slots", static_cast<int64_t>(n_slots_));
      f.set_attr(cg, "n_pairs", static_cast<int64_t>(n_pairs_));
    }
    return summary(d, w, nll, frac_b, coll);
  }

 private:
  std::pair<std::shared_ptr<core::Config>, std::unique_ptr<arch::Transformer>> make_engine(size_t s, int bits,
                                                                                           int rounds, uint64_t seed) {
    auto cfg = std::make_shared<core::Config>(
        source_cfgs_[s].section("arch.attention.planes").copy_to("arch.attention.planes"));
    cfg->apply_override("arch.attention.type=\"lsh\"");
    cfg->apply_override(fmt::format("arch.attention.n_bits={}", bits));
    cfg->apply_override(fmt::format("arch.attention.n_rounds={}", rounds));
    cfg->apply_override(fmt::format("arch.attention.n_window={}", n_window_));
    cfg->apply_override(fmt::format("arch.attention.n_sink={}", n_sink_));
    if (!key_offset_toml_.empty()) {
      cfg->apply_override("arch.attention.key_offset=" + key_offset_toml_);
    }
    cfg->apply_override(fmt::format("arch.attention.n_sparsity_skip_pos={}", skip_pos_));
    try {
      auto engine = std::make_unique<arch::Transformer>(*model_, cfg->section("arch"), seed);
      cfg->check_unknown();
      return {cfg, std::move(engine)};
    } catch (const ConfigError&) {
      rethrow_with_context<ConfigError>(fmt::format("in [lsh_attention.planes.{}]", source_names_[s]));
    }
  }

  // Mean post-RoPE key per (layer, kv head) over the calibration stories (an lsh engine with one bucket, i.e.
  // exact dense attention), written to /lsh_attention/key_offset and passed to every lsh run as key_offset.
  void calibrate_key_offset(io::ResultFile& f, const std::vector<std::string>& calib) {
    auto cfg = core::Config::from_string("[arch.attention]\ntype = \"lsh\"\nn_bits = 0\nn_rounds = 1\n");
    arch::Transformer e(*model_, cfg.section("arch"), seed_);
    arch::evaluate(e, *tok_, calib, 0, false);
    const arch::ModelConfig& mc = model_->config;
    const int hd = mc.dim / mc.n_heads;
    std::vector<double> off;
    for (int l = 0; l < mc.n_layers; ++l) {
      for (int h = 0; h < mc.n_kv_heads; ++h) {
        const auto m = e.attention(l).statistic("key_mean", h);
        if (m.size() != static_cast<size_t>(hd)) {
          throw NumericError(fmt::format("lsh_attention: layer {} kv head {} gave {} key-mean values, expected {}", l,
                                         h, m.size(), hd));
        }
        off.insert(off.end(), m.begin(), m.end());
      }
    }
    f.write("/lsh_attention/key_offset", off,
            {static_cast<size_t>(mc.n_layers), static_cast<size_t>(mc.n_kv_heads), static_cast<size_t>(hd)}, "1");
    f.set_attr("/lsh_attention/key_offset", "n_calibration_stories", n_calib_);
    key_offset_toml_ = "[";
    for (size_t i = 0; i < off.size(); ++i) {
      key_offset_toml_ += fmt::format("{}{:.9g}", i ? ", " : "", off[i]);
    }
    key_offset_toml_ += "]";
  }

  // The window and sinks alone: lsh with rounds whose planes can never match is not expressible, so this run
  // uses 16 software bits in 1 round (65,536 buckets: a chance collision per pair ~1.5e-5 for random
  // directions; the attended fraction it reports counts those too).
  std::pair<std::shared_ptr<core::Config>, std::unique_ptr<arch::Transformer>> make_window_only_engine() {
    auto cfg = std::make_shared<core::Config>(core::Config::from_string(
        fmt::format("[arch.attention]\ntype = \"lsh\"\nn_bits = 16\nn_rounds = 1\nn_window = {}\nn_sink = {}\n"
                    "n_sparsity_skip_pos = {}\n[arch.attention.planes]\ntype = \"gaussian\"\n",
                    n_window_, n_sink_, skip_pos_)));
    auto engine = std::make_unique<arch::Transformer>(*model_, cfg->section("arch"), seed_);
    cfg->check_unknown();
    return {cfg, std::move(engine)};
  }

  RunResult evaluate(arch::Transformer& e, const std::vector<std::string>& stories, int n_lsh_layers, bool lsh) {
    const arch::EvalResult r = arch::evaluate(e, *tok_, stories, max_tokens_, false);
    if (r.n_tokens == 0) {
      throw ConfigError(fmt::format("lsh_attention.text '{}': no story with a predicted token", text_path_));
    }
    RunResult out;
    out.nll = r.mean_nll();
    out.top1 = r.top1();
    out.seconds = r.seconds;
    out.n_tokens = r.n_tokens;
    if (lsh) {
      double sum = 0.0, sum_b = 0.0;
      int n = 0;
      for (int l = 0; l < n_lsh_layers; ++l) {
        const arch::Attention& u = e.attention(l);
        for (int h = 0; h < model_->config.n_heads; ++h) {
          sum += u.statistic("attended_frac", h).at(0);
          sum_b += u.statistic("attended_frac_beyond", h).at(0);
          ++n;
        }
      }
      out.attended_frac = sum / n;
      out.attended_frac_beyond = sum_b / n;
    }
    return out;
  }

  static void write_run_scalars(io::ResultFile& f, const std::string& g, const RunResult& r) {
    f.write_scalar(g + "/mean_nll", r.nll, "nat");
    f.write_scalar(g + "/top1", r.top1, "1");
    f.write_scalar(g + "/attended_frac_mean", r.attended_frac, "1");
    f.write_scalar(g + "/attended_frac_beyond_mean", r.attended_frac_beyond, "1");
    f.write_scalar(g + "/seconds", r.seconds, "s");
    f.write_scalar(g + "/n_tokens", r.n_tokens, "count");
  }

  std::string summary(const RunResult& d, const RunResult& w, const std::vector<double>& nll,
                      const std::vector<double>& frac_b, const std::vector<arch::lsh::CollisionResult>& coll) const {
    const size_t nb = bits_.size(), nr = rounds_.size(), ns = source_names_.size();
    std::string s = fmt::format(
        "LSH attention on {} tokens, n_window {}, n_sink {}, keys {}: dense NLL {:.4f} nats\n", d.n_tokens, n_window_,
        n_sink_, center_keys_ ? fmt::format("centred ({} calibration stories)", n_calib_) : "raw", d.nll);
    if (n_window_ > 0 || n_sink_ > 0) {
      s += fmt::format("window only (no hash matches): NLL {:.4f} ({:+.2f}% vs dense), attended {:.3f}\n", w.nll,
                       100.0 * (w.nll / d.nll - 1.0), w.attended_frac_beyond);
    }
    s += fmt::format("attended = fraction of causal keys attended, mean over positions >= {}\n", skip_pos_);
    const size_t nk = static_cast<size_t>(n_seeds_);
    s += fmt::format("NLL: mean over {} seed(s){}\n", nk, nk > 1 ? " (± sample sd)" : "");
    s += fmt::format("{:>4} {:>6}", "bits", "rounds");
    for (const auto& n : source_names_) {
      s += fmt::format(" | {:>17} {:>8} {:>8}", n + " NLL", "vs dense", "attended");
    }
    s += "\n";
    for (size_t b = 0; b < nb; ++b) {
      for (size_t r = 0; r < nr; ++r) {
        s += fmt::format("{:>4} {:>6}", bits_[b], rounds_[r]);
        for (size_t k = 0; k < ns; ++k) {
          const size_t i0 = ((k * nb + b) * nr + r) * nk;
          double m = 0.0, fb = 0.0, m2 = 0.0;
          for (size_t q = 0; q < nk; ++q) {
            m += nll[i0 + q] / static_cast<double>(nk);
            fb += frac_b[i0 + q] / static_cast<double>(nk);
          }
          for (size_t q = 0; q < nk; ++q) {
            m2 += (nll[i0 + q] - m) * (nll[i0 + q] - m);
          }
          const std::string sd = nk > 1 ? fmt::format("±{:.4f}", std::sqrt(m2 / static_cast<double>(nk - 1))) : "";
          s += fmt::format(" | {:>9.4f}{:<8} {:>+7.2f}% {:>8.3f}", m, sd, 100.0 * (m / d.nll - 1.0), fb);
        }
        s += "\n";
      }
    }
    s += fmt::format("hash collision P[bit equal] vs 1 - theta/pi ({} bits x {} rounds x {} slots, {} pairs):\n",
                     n_coll_bits_, n_coll_rounds_, n_slots_, n_pairs_);
    for (size_t k = 0; k < ns; ++k) {
      double max_dev = 0.0;
      for (size_t i = 0; i < coll[k].theta_rad.size(); ++i) {
        max_dev = std::max(max_dev, std::abs(coll[k].p_measured[i] - coll[k].p_theory[i]));
      }
      s += fmt::format("  {:<12} max |measured - theory| = {:.3f} over {} angles\n", source_names_[k], max_dev,
                       coll[k].theta_rad.size());
    }
    return s;
  }

  uint64_t seed_;
  std::string model_path_, tok_path_, text_path_;
  int64_t max_tokens_ = 0, n_window_ = 0, n_sink_ = 0, skip_pos_ = 64, n_seeds_ = 1, n_calib_ = 100;
  bool center_keys_ = true;
  std::string key_offset_toml_;  // "[...]" calibrated key means, or "" when not centring
  std::vector<int64_t> bits_, rounds_;
  std::vector<std::string> source_names_;
  std::vector<double> theta_;
  int n_pairs_ = 0, n_slots_ = 0, n_coll_bits_ = 0, n_coll_rounds_ = 0;
  std::vector<core::Config> source_cfgs_;
  std::unique_ptr<arch::Model> model_;
  std::unique_ptr<arch::Tokenizer> tok_;
};

}  // namespace

std::unique_ptr<Experiment> make_lsh_attention_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<LshAttentionExperiment>(root, seed);
}

}  // namespace pimtx::experiments
