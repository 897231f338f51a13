// Experiment "lsh_attention" (issue 6): LSH attention on passive memristor crossbars, end to end. Contract, config
// keys and the one-point form for `pimtx sweep`: lsh_attention.h; layout of /lsh_attention: the experiment's README.
#include "experiments/lsh_attention.h"

#include <fmt/format.h>

#include <algorithm>
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

LshAttentionParams LshAttentionParams::from_config(core::Section& s) {
  LshAttentionParams p;
  p.model = s.get_path("model", "", true);
  p.tokenizer = s.get_path("tokenizer", "", true);
  p.text = s.get_path("text", "", true);
  p.max_tokens = s.get_int("max_tokens", p.max_tokens, core::Range::non_negative());
  p.n_bits = s.get_int_array("n_bits", p.n_bits, core::Range::closed(0, 16));
  p.n_rounds = s.get_int_array("n_rounds", p.n_rounds, core::Range::closed(1, 1024));
  p.n_window = s.get_int("n_window", p.n_window, core::Range::non_negative());
  p.n_sink = s.get_int("n_sink", p.n_sink, core::Range::non_negative());
  p.n_sparsity_skip_pos = s.get_int("n_sparsity_skip_pos", p.n_sparsity_skip_pos, core::Range::non_negative());
  p.sources = s.get_string_array("sources", p.sources);
  p.collision_theta_rad =
      s.get_double_array("collision_theta_rad", p.collision_theta_rad, core::Range::closed(0.0, 3.14159265358979));
  p.n_collision_pairs = s.get_int("n_collision_pairs", p.n_collision_pairs, core::Range::closed(1, 1000000));
  p.n_collision_slots = s.get_int("n_collision_slots", p.n_collision_slots, core::Range::closed(1, 4096));
  p.n_collision_bits = s.get_int("n_collision_bits", p.n_collision_bits, core::Range::closed(1, 16));
  p.n_collision_rounds = s.get_int("n_collision_rounds", p.n_collision_rounds, core::Range::closed(1, 1024));
  p.n_seeds = s.get_int("n_seeds", p.n_seeds, core::Range::closed(1, 1000));
  p.center_keys = s.get_bool("center_keys", p.center_keys);
  p.n_calibration_stories =
      s.get_int("n_calibration_stories", p.n_calibration_stories, core::Range::closed(1, 1000000));
  p.validate(s);
  return p;
}

void LshAttentionParams::validate(const core::Section& s) const {
  if (n_bits.empty() || n_rounds.empty()) {
    s.fail(n_bits.empty() ? "n_bits" : "n_rounds", "must list at least one value");
  }
}

void LshAttentionParams::to_config(core::Section& s) const {
  s.set_string("model", model);
  s.set_string("tokenizer", tokenizer);
  s.set_string("text", text);
  s.set_int("max_tokens", max_tokens);
  s.set_int_array("n_bits", n_bits);
  s.set_int_array("n_rounds", n_rounds);
  s.set_int("n_window", n_window);
  s.set_int("n_sink", n_sink);
  s.set_int("n_sparsity_skip_pos", n_sparsity_skip_pos);
  s.set_string_array("sources", sources);
  s.set_double_array("collision_theta_rad", collision_theta_rad);
  s.set_int("n_collision_pairs", n_collision_pairs);
  s.set_int("n_collision_slots", n_collision_slots);
  s.set_int("n_collision_bits", n_collision_bits);
  s.set_int("n_collision_rounds", n_collision_rounds);
  s.set_int("n_seeds", n_seeds);
  s.set_bool("center_keys", center_keys);
  s.set_int("n_calibration_stories", n_calibration_stories);
}

namespace {

struct RunResult {
  double nll = 0.0;
  double top1 = 0.0;
  double attended_frac = 1.0;         // mean over layers and heads of the per-position fraction, all positions
  double attended_frac_beyond = 1.0;  // same, positions >= n_sparsity_skip_pos
  double seconds = 0.0;
  int64_t n_tokens = 0;
};

// The grid of lsh runs, each vector (source, bits, rounds, seed) row-major.
struct Grid {
  std::vector<double> nll, top1, attended_frac, attended_frac_beyond, seconds;
};

class LshAttentionExperiment final : public Experiment {
 public:
  LshAttentionExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    core::Section c = root.section("lsh_attention");
    p_ = LshAttentionParams::from_config(c);
    model_ = std::make_unique<arch::Model>(arch::load_model(p_.model));
    tok_ = arch::load_tokenizer(p_.tokenizer, model_->config.vocab_size);
    core::Section sources = c.section("planes");
    for (const auto& name : p_.sources) {
      if (!sources.section(name).exists()) {
        c.fail("sources", fmt::format("names '{}' but there is no table [lsh_attention.planes.{}]", name, name));
      }
      source_cfgs_.push_back(sources.section(name).copy_to("arch.attention.planes"));
    }
    // Build one engine per source now, so bad plane settings fail before anything runs.
    for (size_t s = 0; s < p_.sources.size(); ++s) {
      make_engine(s, static_cast<int>(p_.n_bits[0]), static_cast<int>(p_.n_rounds[0]), seed_);
    }
    // Tables not selected by `sources` are validated too (a typo there should not pass silently).
    for (const auto& name : sources.keys()) {
      if (std::find(p_.sources.begin(), p_.sources.end(), name) == p_.sources.end()) {
        core::Config other = sources.section(name).copy_to("planes");
        core::Section ps = other.section("planes");
        arch::lsh::plane_source_registry().create(ps, "gaussian", seed_, {8, 1, 1});
        other.check_unknown();
      }
    }
  }

  std::string run(io::ResultFile& f) override {
    auto stories = arch::split_stories(io::read_text_file(p_.text));
    if (static_cast<int64_t>(stories.size()) <= p_.n_calibration_stories) {
      throw ConfigError(fmt::format("lsh_attention.n_calibration_stories = {}: the text has only {} stories",
                                    p_.n_calibration_stories, stories.size()));
    }
    // The last n_calibration_stories calibrate the key offsets; the others are evaluated (disjoint sets).
    const std::vector<std::string> calib(stories.end() - p_.n_calibration_stories, stories.end());
    stories.resize(stories.size() - static_cast<size_t>(p_.n_calibration_stories));
    if (p_.center_keys) {
      calibrate_key_offset(f, calib);
    }
    core::Progress progress("lsh sweep", 2 + grid_size(), "run");
    const auto [dense, window] = run_references(f, stories, progress);
    const Grid grid = run_grid(f, stories, progress);
    progress.finish();
    write_grid(f, grid, dense);
    const std::vector<arch::lsh::CollisionResult> coll = collision_study(f);
    return summary(dense, window, grid, coll);
  }

 private:
  static constexpr const char* k_group = "/lsh_attention";

  [[nodiscard]] size_t grid_size() const {
    return p_.sources.size() * p_.n_bits.size() * p_.n_rounds.size() * static_cast<size_t>(p_.n_seeds);
  }
  // Flat index of (source, bits, rounds, seed) in a Grid vector.
  [[nodiscard]] size_t grid_index(size_t s, size_t b, size_t r, size_t k) const {
    return ((s * p_.n_bits.size() + b) * p_.n_rounds.size() + r) * static_cast<size_t>(p_.n_seeds) + k;
  }

  // Dense attention and the window alone (when there is a window or sinks), written to runs/dense and
  // runs/window_only.
  std::pair<RunResult, RunResult> run_references(io::ResultFile& f, const std::vector<std::string>& stories,
                                                 core::Progress& progress) {
    const std::string g = k_group;
    arch::Transformer dense(*model_, core::Config().section("arch"), seed_);
    const RunResult d = evaluate(dense, stories, 1, false);
    dense.write_results(f, g + "/runs/dense");
    write_run_scalars(f, g + "/runs/dense", d);
    progress.advance();
    RunResult w;
    if (p_.n_window > 0 || p_.n_sink > 0) {
      auto [wcfg, wengine] = make_window_only_engine();
      w = evaluate(*wengine, stories, model_->config.n_layers, true);
      wengine->write_results(f, g + "/runs/window_only");
      write_run_scalars(f, g + "/runs/window_only", w);
    }
    progress.advance();
    return {d, w};
  }

  // The grid (source, bits, rounds, seed): seeds seed, seed+1, ... draw new planes / devices each; every run is
  // written to runs/<source>_b<bits>_r<rounds>_s<seed>.
  Grid run_grid(io::ResultFile& f, const std::vector<std::string>& stories, core::Progress& progress) {
    Grid grid;
    for (auto* v : {&grid.nll, &grid.top1, &grid.attended_frac, &grid.attended_frac_beyond, &grid.seconds}) {
      v->resize(grid_size());
    }
    const auto nk = static_cast<size_t>(p_.n_seeds);
    for (size_t s = 0; s < p_.sources.size(); ++s) {
      for (size_t b = 0; b < p_.n_bits.size(); ++b) {
        for (size_t r = 0; r < p_.n_rounds.size(); ++r) {
          for (size_t k = 0; k < nk; ++k) {
            auto [cfg, engine] =
                make_engine(s, static_cast<int>(p_.n_bits[b]), static_cast<int>(p_.n_rounds[r]), seed_ + k);
            const RunResult res = evaluate(*engine, stories, model_->config.n_layers, true);
            const std::string rg =
                fmt::format("{}/runs/{}_b{}_r{}_s{}", k_group, p_.sources[s], p_.n_bits[b], p_.n_rounds[r], seed_ + k);
            engine->write_results(f, rg);
            write_run_scalars(f, rg, res);
            const size_t i = grid_index(s, b, r, k);
            grid.nll[i] = res.nll;
            grid.top1[i] = res.top1;
            grid.attended_frac[i] = res.attended_frac;
            grid.attended_frac_beyond[i] = res.attended_frac_beyond;
            grid.seconds[i] = res.seconds;
            progress.advance();
          }
        }
      }
    }
    return grid;
  }

  // The grid's tables and axes, the dense reference's scalars and the settings every run shared.
  void write_grid(io::ResultFile& f, const Grid& grid, const RunResult& dense) {
    const std::string g = k_group;
    f.write(g + "/n_bits", std::span<const int64_t>(p_.n_bits), {}, "count");
    f.write(g + "/n_rounds", std::span<const int64_t>(p_.n_rounds), {}, "count");
    f.write_strings(g + "/sources", p_.sources);
    const std::vector<size_t> shape = {p_.sources.size(), p_.n_bits.size(), p_.n_rounds.size(),
                                       static_cast<size_t>(p_.n_seeds)};
    f.write(g + "/nll", grid.nll, shape, "nat");
    f.write(g + "/top1", grid.top1, shape, "1");
    f.write(g + "/attended_frac", grid.attended_frac, shape, "1");
    f.write(g + "/attended_frac_beyond", grid.attended_frac_beyond, shape, "1");
    f.write(g + "/seconds", grid.seconds, shape, "s");
    f.write_scalar(g + "/dense_nll", dense.nll, "nat");
    f.write_scalar(g + "/dense_top1", dense.top1, "1");
    f.write_scalar(g + "/n_tokens", dense.n_tokens, "count");
    f.write_scalar(g + "/n_window", p_.n_window, "count");
    std::vector<int64_t> seeds;
    for (int64_t k = 0; k < p_.n_seeds; ++k) {
      seeds.push_back(static_cast<int64_t>(seed_) + k);
    }
    f.write(g + "/seeds", std::span<const int64_t>(seeds), {}, "count");
    f.write_scalar(g + "/n_sink", p_.n_sink, "count");
    f.write_scalar(g + "/center_keys", static_cast<int64_t>(p_.center_keys ? 1 : 0), "1");
    f.write_scalar(g + "/n_sparsity_skip_pos", p_.n_sparsity_skip_pos, "count");
    for (size_t s = 0; s < p_.sources.size(); ++s) {
      const std::string t = source_cfgs_[s].section("arch.attention.planes").copy_to("").document_text();
      f.set_attr(g, "source_" + p_.sources[s], t);
    }
  }

  // Collision probability of each source's planes against 1 − θ/π, written to collision/<source>.
  std::vector<arch::lsh::CollisionResult> collision_study(io::ResultFile& f) {
    std::vector<arch::lsh::CollisionResult> coll;
    const arch::lsh::HashShape cshape{model_->config.dim / model_->config.n_heads,
                                      static_cast<int>(p_.n_collision_bits), static_cast<int>(p_.n_collision_rounds)};
    for (size_t s = 0; s < p_.sources.size(); ++s) {
      core::Config cc = source_cfgs_[s].section("arch.attention.planes").copy_to("planes");
      core::Section ps = cc.section("planes");
      auto src = arch::lsh::plane_source_registry().create(ps, "gaussian", seed_, cshape);
      cc.check_unknown();
      coll.push_back(arch::lsh::measure_collision(*src, cshape, p_.collision_theta_rad,
                                                  static_cast<int>(p_.n_collision_slots),
                                                  static_cast<int>(p_.n_collision_pairs), seed_));
      const std::string cg = std::string(k_group) + "/collision/" + p_.sources[s];
      f.write(cg + "/theta_rad", coll.back().theta_rad, {}, "rad");
      f.write(cg + "/p_measured", coll.back().p_measured, {}, "1");
      f.write(cg + "/p_theory", coll.back().p_theory, {}, "1");
      f.write(cg + "/n_compared", coll.back().n_compared, {}, "count");
      f.set_attr(cg, "n_bits", p_.n_collision_bits);
      f.set_attr(cg, "n_rounds", p_.n_collision_rounds);
      f.set_attr(cg, "n_slots", p_.n_collision_slots);
      f.set_attr(cg, "n_pairs", p_.n_collision_pairs);
    }
    return coll;
  }

  // The lsh unit's settings shared by every run of the grid, written into [arch.attention] of `cfg`.
  void set_lsh_settings(core::Config& cfg, int bits, int rounds) const {
    core::Section a = cfg.section("arch.attention");
    a.set_string("type", "lsh");
    a.set_int("n_bits", bits);
    a.set_int("n_rounds", rounds);
    a.set_int("n_window", p_.n_window);
    a.set_int("n_sink", p_.n_sink);
    if (!key_offset_.empty()) {
      a.set_double_array("key_offset", key_offset_);
    }
    a.set_int("n_sparsity_skip_pos", p_.n_sparsity_skip_pos);
  }

  std::pair<std::shared_ptr<core::Config>, std::unique_ptr<arch::Transformer>> make_engine(size_t s, int bits,
                                                                                           int rounds, uint64_t seed) {
    auto cfg = std::make_shared<core::Config>(
        source_cfgs_[s].section("arch.attention.planes").copy_to("arch.attention.planes"));
    set_lsh_settings(*cfg, bits, rounds);
    try {
      auto engine = std::make_unique<arch::Transformer>(*model_, cfg->section("arch"), seed);
      cfg->check_unknown();
      return {cfg, std::move(engine)};
    } catch (const ConfigError&) {
      rethrow_with_context<ConfigError>(fmt::format("in [lsh_attention.planes.{}]", p_.sources[s]));
    }
  }

  // Mean post-RoPE key per (layer, kv head) over the calibration stories (an lsh engine with one bucket, i.e.
  // exact dense attention), written to /lsh_attention/key_offset and passed to every lsh run as key_offset.
  void calibrate_key_offset(io::ResultFile& f, const std::vector<std::string>& calib) {
    core::Config cfg;
    core::Section a = cfg.section("arch.attention");
    a.set_string("type", "lsh");
    a.set_int("n_bits", 0);
    a.set_int("n_rounds", 1);
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
    f.set_attr("/lsh_attention/key_offset", "n_calibration_stories", p_.n_calibration_stories);
    key_offset_ = std::move(off);
  }

  // The window and sinks alone: lsh with rounds whose planes can never match is not expressible, so this run
  // uses 16 software bits in 1 round (65,536 buckets: a chance collision per pair ~1.5e-5 for random
  // directions; the attended fraction it reports counts those too).
  std::pair<std::shared_ptr<core::Config>, std::unique_ptr<arch::Transformer>> make_window_only_engine() {
    auto cfg = std::make_shared<core::Config>();
    core::Section a = cfg->section("arch.attention");
    a.set_string("type", "lsh");
    a.set_int("n_bits", 16);
    a.set_int("n_rounds", 1);
    a.set_int("n_window", p_.n_window);
    a.set_int("n_sink", p_.n_sink);
    a.set_int("n_sparsity_skip_pos", p_.n_sparsity_skip_pos);
    cfg->section("arch.attention.planes").set_string("type", "gaussian");
    auto engine = std::make_unique<arch::Transformer>(*model_, cfg->section("arch"), seed_);
    cfg->check_unknown();
    return {cfg, std::move(engine)};
  }

  RunResult evaluate(arch::Transformer& e, const std::vector<std::string>& stories, int n_lsh_layers, bool lsh) {
    const arch::EvalResult r = arch::evaluate(e, *tok_, stories, p_.max_tokens, false);
    if (r.n_tokens == 0) {
      throw ConfigError(fmt::format("lsh_attention.text '{}': no story with a predicted token", p_.text));
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

  [[nodiscard]] std::string summary(const RunResult& d, const RunResult& w, const Grid& grid,
                                    const std::vector<arch::lsh::CollisionResult>& coll) const {
    std::string s = fmt::format(
        "LSH attention on {} tokens, n_window {}, n_sink {}, keys {}: dense NLL {:.4f} nats\n", d.n_tokens, p_.n_window,
        p_.n_sink, p_.center_keys ? fmt::format("centred ({} calibration stories)", p_.n_calibration_stories) : "raw",
        d.nll);
    if (p_.n_window > 0 || p_.n_sink > 0) {
      s += fmt::format("window only (no hash matches): NLL {:.4f} ({:+.2f}% vs dense), attended {:.3f}\n", w.nll,
                       100.0 * (w.nll / d.nll - 1.0), w.attended_frac_beyond);
    }
    s +=
        fmt::format("attended = fraction of causal keys attended, mean over positions >= {}\n", p_.n_sparsity_skip_pos);
    const auto nk = static_cast<size_t>(p_.n_seeds);
    s += fmt::format("NLL: mean over {} seed(s){}\n", nk, nk > 1 ? " (± sample sd)" : "");
    s += fmt::format("{:>4} {:>6}", "bits", "rounds");
    for (const auto& n : p_.sources) {
      s += fmt::format(" | {:>17} {:>8} {:>8}", n + " NLL", "vs dense", "attended");
    }
    s += "\n";
    for (size_t b = 0; b < p_.n_bits.size(); ++b) {
      for (size_t r = 0; r < p_.n_rounds.size(); ++r) {
        s += fmt::format("{:>4} {:>6}", p_.n_bits[b], p_.n_rounds[r]);
        for (size_t k = 0; k < p_.sources.size(); ++k) {
          const size_t i0 = grid_index(k, b, r, 0);
          double m = 0.0, fb = 0.0, m2 = 0.0;
          for (size_t q = 0; q < nk; ++q) {
            m += grid.nll[i0 + q] / static_cast<double>(nk);
            fb += grid.attended_frac_beyond[i0 + q] / static_cast<double>(nk);
          }
          for (size_t q = 0; q < nk; ++q) {
            m2 += (grid.nll[i0 + q] - m) * (grid.nll[i0 + q] - m);
          }
          const std::string sd = nk > 1 ? fmt::format("±{:.4f}", std::sqrt(m2 / static_cast<double>(nk - 1))) : "";
          s += fmt::format(" | {:>9.4f}{:<8} {:>+7.2f}% {:>8.3f}", m, sd, 100.0 * (m / d.nll - 1.0), fb);
        }
        s += "\n";
      }
    }
    s += fmt::format("hash collision P[bit equal] vs 1 - theta/pi ({} bits x {} rounds x {} slots, {} pairs):\n",
                     p_.n_collision_bits, p_.n_collision_rounds, p_.n_collision_slots, p_.n_collision_pairs);
    for (size_t k = 0; k < p_.sources.size(); ++k) {
      double max_dev = 0.0;
      for (size_t i = 0; i < coll[k].theta_rad.size(); ++i) {
        max_dev = std::max(max_dev, std::abs(coll[k].p_measured[i] - coll[k].p_theory[i]));
      }
      s += fmt::format("  {:<12} max |measured - theory| = {:.3f} over {} angles\n", p_.sources[k], max_dev,
                       coll[k].theta_rad.size());
    }
    return s;
  }

  uint64_t seed_;
  LshAttentionParams p_;
  std::vector<double> key_offset_;  // calibrated key means (n_layers, n_kv_heads, head_dim), or empty
  std::vector<core::Config> source_cfgs_;
  std::unique_ptr<arch::Model> model_;
  std::unique_ptr<arch::Tokenizer> tok_;
};

}  // namespace

std::unique_ptr<Experiment> make_lsh_attention_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<LshAttentionExperiment>(root, seed);
}

}  // namespace pimtx::experiments
