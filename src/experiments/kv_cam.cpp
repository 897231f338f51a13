// Experiment "kv_cam" (issue 14): Titanus-style KV-cache compression (`cpq`) and CAMformer-style associative attention
// (`cam`) in stories260K, beside dense/full and lsh. See experiments/kv_cam/README.md for the layout of /kv_cam.
//
// Config ([kv_cam]):
//   model, tokenizer, text          paths (relative to the config file)
//   max_tokens                      predicted tokens per run (stops after the story reaching it)
//   n_calibration_stories           the LAST n stories of the text calibrate the prune thresholds (|x| quantiles
//                                   per layer/kv head) and the key centring of cam (mean key); never evaluated
//   cpq_n_bits_k, cpq_n_bits_v      (a) grid: (K, V) bit pairs x (K, V) prune-ratio pairs
//   cpq_prune_ratio_k, cpq_prune_ratio_v
//   cpq_n_group, cpq_n_scale_bits   passed to every cpq run
//   cpq_channel_scales              true: static per-channel scales = max |x| per channel of the calibration stories
//   cam_k, cam_scores, cam_n_bits   (b) grid: k x score ("exact" | "hamming") x code bits (0 = sign of head_dim)
//   cam_n_window                    grid: local windows (0 = pure top-k, as CAMformer)
//   cam_k_first, cam_n_tile_rows, cam_n_adc_bits   passed to every cam run
//   cam_card                        CAM card (path) for the "card" rows; the "ideal" rows use the ideal CAM
//   combined_n_bits_k/_v, combined_prune_ratio_k/_v, combined_k, combined_cam_n_bits, combined_n_window
//                                   (c) cam (card, exact) + cpq
//   lsh_n_bits, lsh_n_rounds        lsh references (pairs, gaussian planes, centred keys, window lsh_n_window)
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/errors.h"
#include "core/progress.h"
#include "experiments/calibrated_values.h"
#include "experiments/experiment.h"
#include "io/text.h"

namespace pimtx::experiments {

namespace {

struct Run {
  double nll = 0, top1 = 0, attended = 1, movement_reduction = 0, read_reduction = 0, write_reduction = 0;
  double k_bits = 0, v_bits = 0, sparsity_before = 0, sparsity_after = 0;
};

class KvCamExperiment final : public Experiment {
 public:
  KvCamExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    using core::Range;
    core::Section c = root.section("kv_cam");
    model_path_ = c.get_path("model", "", true);
    tok_path_ = c.get_path("tokenizer", "", true);
    text_path_ = c.get_path("text", "", true);
    max_tokens_ = c.get_int("max_tokens", 3000, Range::non_negative());
    n_calib_ = c.get_int("n_calibration_stories", 100, Range::closed(1, 1e6));
    cpq_bits_ = c.get_int_array("cpq_n_bits_k", {8, 6, 4}, Range::closed(1, 16));
    cpq_bits_v_ = c.get_int_array("cpq_n_bits_v", {8, 4, 4}, Range::closed(1, 16));
    cpq_prune_ = c.get_double_array("cpq_prune_ratio_k", {0.0, 0.0}, Range{0.0, 1.0, true, false});
    cpq_prune_v_ = c.get_double_array("cpq_prune_ratio_v", {0.0, 0.2}, Range{0.0, 1.0, true, false});
    if (cpq_bits_.size() != cpq_bits_v_.size()) {
      c.fail("cpq_n_bits_v",
             fmt::format("has {} values; cpq_n_bits_k has {} (they pair up)", cpq_bits_v_.size(), cpq_bits_.size()));
    }
    if (cpq_prune_.size() != cpq_prune_v_.size()) {
      c.fail("cpq_prune_ratio_v", fmt::format("has {} values; cpq_prune_ratio_k has {} (they pair up)",
                                              cpq_prune_v_.size(), cpq_prune_.size()));
    }
    cpq_group_ = c.get_int("cpq_n_group", 4, Range::closed(1, 4096));
    cpq_scale_bits_ = c.get_int("cpq_n_scale_bits", 4, Range::closed(0, 8));
    cpq_channel_scales_ = c.get_bool("cpq_channel_scales", true);
    cam_k_ = c.get_int_array("cam_k", {8, 16, 32, 64, 128}, Range::closed(1, 1e9));
    cam_scores_ = c.get_string_array("cam_scores", {"exact", "hamming"});
    cam_n_bits_ = c.get_int_array("cam_n_bits", {0, 64}, Range::closed(0, 4096));
    cam_k_first_ = c.get_int("cam_k_first", 0, Range::closed(0, 1e9));
    cam_tile_ = c.get_int("cam_n_tile_rows", 64, Range::closed(1, 1e9));
    cam_adc_ = c.get_int("cam_n_adc_bits", 6, Range::closed(1, 16));
    cam_window_ = c.get_int_array("cam_n_window", {0}, Range::closed(0, 1e9));
    cam_card_ = c.has("cam_card") ? c.get_path("cam_card", "", true) : "";
    comb_bits_ = c.get_int("combined_n_bits_k", 6, Range::closed(1, 16));
    comb_bits_v_ = c.get_int("combined_n_bits_v", 4, Range::closed(1, 16));
    comb_prune_ = c.get_double("combined_prune_ratio_k", 0.0, Range{0.0, 1.0, true, false});
    comb_prune_v_ = c.get_double("combined_prune_ratio_v", 0.0, Range{0.0, 1.0, true, false});
    comb_window_ = c.get_int("combined_n_window", 0, Range::closed(0, 1e9));
    comb_k_ = c.get_int("combined_k", 32, Range::closed(1, 1e9));
    comb_cam_bits_ = c.get_int("combined_cam_n_bits", 64, Range::closed(0, 4096));
    lsh_bits_ = c.get_int_array("lsh_n_bits", {4, 6}, Range::closed(0, 16));
    lsh_rounds_ = c.get_int_array("lsh_n_rounds", {8, 8}, Range::closed(1, 1024));
    lsh_window_ = c.get_int("lsh_n_window", 16, Range::non_negative());
    for (const auto& s : cam_scores_) {
      if (s != "exact" && s != "hamming") {
        c.fail("cam_scores", fmt::format("'{}' is not a score mode (exact, hamming)", s));
      }
    }
    if (lsh_bits_.size() != lsh_rounds_.size()) {
      c.fail("lsh_n_rounds",
             fmt::format("has {} values; lsh_n_bits has {} (they pair up)", lsh_rounds_.size(), lsh_bits_.size()));
    }
    if (cpq_bits_.empty() || cpq_prune_.empty() || cam_k_.empty() || cam_scores_.empty() || cam_n_bits_.empty()) {
      c.fail("cpq_n_bits_k",
             "every grid (cpq_n_bits_k, cpq_prune_ratio_k, cam_k, cam_scores, cam_n_bits) needs a value");
    }
    model_ = std::make_unique<arch::Model>(arch::load_model(model_path_));
    tok_ = arch::load_tokenizer(tok_path_, model_->config.vocab_size);
  }

  std::string run(io::ResultFile& f) override {
    auto stories = arch::split_stories(io::read_text_file(text_path_));
    if (static_cast<int64_t>(stories.size()) <= n_calib_) {
      throw ConfigError(
          fmt::format("kv_cam.n_calibration_stories = {}: the text has only {} stories", n_calib_, stories.size()));
    }
    const std::vector<std::string> calib(stories.end() - n_calib_, stories.end());
    stories.resize(stories.size() - static_cast<size_t>(n_calib_));
    calibrate(f, calib);
    const std::string g = "/kv_cam";
    const size_t nb = cpq_bits_.size(), np = cpq_prune_.size(), nk = cam_k_.size(), nsc = cam_scores_.size(),
                 ncb = cam_n_bits_.size(), nw = cam_window_.size();
    const std::vector<std::string> sources =
        cam_card_.empty() ? std::vector<std::string>{"ideal"} : std::vector<std::string>{"ideal", "card"};
    const size_t nsrc = sources.size();
    core::Progress prog("kv_cam", 2 + nb * np + nsrc * ncb * nsc * nw * nk + lsh_bits_.size(), "run");
    // Reference.
    const Run dense = eval_run(core::Config(), stories, f, g + "/runs/dense");
    prog.advance();
    // (a) cpq grid.
    std::vector<Run> cpq(nb * np);
    for (size_t b = 0; b < nb; ++b) {
      for (size_t p = 0; p < np; ++p) {
        core::Config cfg;
        set_cpq(cfg, cpq_bits_[b], cpq_bits_v_[b], cpq_prune_[p], cpq_prune_v_[p]);
        cpq[b * np + p] = eval_run(std::move(cfg), stories, f,
                                   fmt::format("{}/runs/cpq_k{}v{}_pk{}_pv{}", g, cpq_bits_[b], cpq_bits_v_[b],
                                               cpq_prune_[p], cpq_prune_v_[p]));
        prog.advance();
      }
    }
    // (b) cam grid: source x code bits x score x window x k.
    std::vector<Run> cam(nsrc * ncb * nsc * nw * nk);
    for (size_t s = 0; s < nsrc; ++s) {
      for (size_t cb = 0; cb < ncb; ++cb) {
        for (size_t sc = 0; sc < nsc; ++sc) {
          for (size_t w = 0; w < nw; ++w) {
            for (size_t k = 0; k < nk; ++k) {
              core::Config cfg;
              set_cam(cfg, cam_k_[k], cam_scores_[sc], cam_n_bits_[cb], sources[s] == "card", cam_window_[w]);
              cam[(((s * ncb + cb) * nsc + sc) * nw + w) * nk + k] =
                  eval_run(std::move(cfg), stories, f,
                           fmt::format("{}/runs/cam_{}_n{}_{}_w{}_k{}", g, sources[s], cam_n_bits_[cb], cam_scores_[sc],
                                       cam_window_[w], cam_k_[k]));
              prog.advance();
            }
          }
        }
      }
    }
    // (c) combined.
    core::Config comb_cfg;
    set_cam(comb_cfg, comb_k_, "exact", comb_cam_bits_, !cam_card_.empty(), comb_window_);
    set_cpq(comb_cfg, comb_bits_, comb_bits_v_, comb_prune_, comb_prune_v_);
    const Run comb = eval_run(std::move(comb_cfg), stories, f, g + "/runs/combined");
    prog.advance();
    // lsh references.
    std::vector<Run> lsh;
    for (size_t i = 0; i < lsh_bits_.size(); ++i) {
      core::Config cfg;
      core::Section a = cfg.section("arch.attention");
      a.set_string("type", "lsh");
      a.set_int("n_bits", lsh_bits_[i]);
      a.set_int("n_rounds", lsh_rounds_[i]);
      a.set_int("n_window", lsh_window_);
      a.set_double_array("key_offset", nine_digits(key_offset_));
      lsh.push_back(
          eval_run(std::move(cfg), stories, f, fmt::format("{}/runs/lsh_b{}_r{}", g, lsh_bits_[i], lsh_rounds_[i])));
      prog.advance();
    }
    prog.finish();
    // Tables.
    auto put = [&](const std::string& name, const std::vector<Run>& rs, const std::vector<size_t>& shape) {
      auto col = [&](auto fn) {
        std::vector<double> v;
        for (const auto& r : rs) {
          v.push_back(fn(r));
        }
        return v;
      };
      f.write(name + "/nll", col([](const Run& r) { return r.nll; }), shape, "nat");
      f.write(name + "/top1", col([](const Run& r) { return r.top1; }), shape, "1");
      f.write(name + "/attended_frac", col([](const Run& r) { return r.attended; }), shape, "1");
      f.write(name + "/movement_reduction", col([](const Run& r) { return r.movement_reduction; }), shape, "1");
      f.write(name + "/read_reduction", col([](const Run& r) { return r.read_reduction; }), shape, "1");
      f.write(name + "/write_reduction", col([](const Run& r) { return r.write_reduction; }), shape, "1");
      f.write(name + "/k_mean_bits_per_element", col([](const Run& r) { return r.k_bits; }), shape, "bit");
      f.write(name + "/v_mean_bits_per_element", col([](const Run& r) { return r.v_bits; }), shape, "bit");
      f.write(name + "/sparsity_before_quant", col([](const Run& r) { return r.sparsity_before; }), shape, "1");
      f.write(name + "/sparsity_after_quant", col([](const Run& r) { return r.sparsity_after; }), shape, "1");
    };
    put(g + "/dense", {dense}, {1});
    put(g + "/cpq", cpq, {nb, np});
    f.write(g + "/cpq/n_bits_k", std::span<const int64_t>(cpq_bits_), {}, "count");
    f.write(g + "/cpq/n_bits_v", std::span<const int64_t>(cpq_bits_v_), {}, "count");
    f.write(g + "/cpq/prune_ratio_v", cpq_prune_v_, {}, "1");
    f.write(g + "/cpq/prune_ratio_k", cpq_prune_, {}, "1");
    put(g + "/cam", cam, {nsrc, ncb, nsc, nw, nk});
    f.write(g + "/cam/n_window", std::span<const int64_t>(cam_window_), {}, "count");
    f.write(g + "/cam/k", std::span<const int64_t>(cam_k_), {}, "count");
    f.write(g + "/cam/n_bits", std::span<const int64_t>(cam_n_bits_), {}, "count");
    f.write_strings(g + "/cam/scores", cam_scores_);
    f.write_strings(g + "/cam/sources", sources);
    put(g + "/combined", {comb}, {1});
    put(g + "/lsh", lsh, {lsh.size()});
    f.write(g + "/lsh/n_bits", std::span<const int64_t>(lsh_bits_), {}, "count");
    f.write(g + "/lsh/n_rounds", std::span<const int64_t>(lsh_rounds_), {}, "count");
    f.write_scalar(g + "/n_tokens", n_tokens_, "count");
    f.set_attr(g, "cam_card", cam_card_.empty() ? std::string("none") : cam_card_);
    return summary(dense, cpq, cam, comb, lsh, sources);
  }

 private:
  // A cpq cache with these bits and prune ratios, the shared group/scale settings and the calibrated channel scales and
  // prune thresholds, written into [arch.kv_cache] of `cfg`.
  void set_cpq(core::Config& cfg, int64_t bits_k, int64_t bits_v, double prune_k, double prune_v) const {
    core::Section c = cfg.section("arch.kv_cache");
    c.set_string("type", "cpq");
    c.set_int("n_bits_k", bits_k);
    c.set_int("n_bits_v", bits_v);
    c.set_int("n_group_k", cpq_group_);
    c.set_int("n_group_v", cpq_group_);
    c.set_int("n_scale_bits", cpq_scale_bits_);
    // prune_ratio records the larger target; the thresholds carry each side's own quantile.
    c.set_double("prune_ratio", std::max(prune_k, prune_v));
    if (cpq_channel_scales_) {
      c.set_double_array("channel_scale_k", nine_digits(channel_scale_k_));
      c.set_double_array("channel_scale_v", nine_digits(channel_scale_v_));
    }
    if (prune_k > 0.0 || prune_v > 0.0) {
      c.set_double_array("prune_threshold_k", nine_digits(thresholds(true, prune_k)));
      c.set_double_array("prune_threshold_v", nine_digits(thresholds(false, prune_v)));
    }
  }

  // A cam unit (centred keys, the shared tile/ADC settings; the CAM card when `card`) into [arch.attention] of `cfg`.
  void set_cam(core::Config& cfg, int64_t k, const std::string& score, int64_t n_bits, bool card,
               int64_t window) const {
    core::Section a = cfg.section("arch.attention");
    a.set_string("type", "cam");
    a.set_int("k", k);
    a.set_int("k_first", cam_k_first_ > 0 ? cam_k_first_ : k);
    a.set_int("n_tile_rows", cam_tile_);
    a.set_int("n_adc_bits", cam_adc_);
    a.set_string("score", score);
    a.set_int("n_bits", n_bits);
    a.set_int("n_window", window);
    a.set_double_array("key_offset", nine_digits(key_offset_));
    if (card) {
      a.set_string("cam_card", cam_card_);
    }
  }

  // |x| quantile per (layer, kv head) of the calibration stories' keys or values.
  std::vector<double> thresholds(bool key, double ratio) const {
    std::vector<double> t;
    for (const auto* u : calib_caches_) {
      for (int h = 0; h < model_->config.n_kv_heads; ++h) {
        t.push_back(u->statistic(fmt::format("magnitude_quantile_{}:{}", key ? 'k' : 'v', ratio), h).at(0));
      }
    }
    return t;
  }

  // One engine over the calibration stories: a 16-bit cpq cache without pruning (records |x| histograms) and a cam
  // unit that selects every key (exact dense attention; records the mean key per layer and kv head).
  void calibrate(io::ResultFile& f, const std::vector<std::string>& calib) {
    core::Config cfg;
    core::Section c = cfg.section("arch.kv_cache");
    c.set_string("type", "cpq");
    c.set_int("n_bits_k", 16);
    c.set_int("n_bits_v", 16);
    core::Section a = cfg.section("arch.attention");
    a.set_string("type", "cam");
    a.set_int("k", model_->config.seq_len);
    calib_engine_ = std::make_unique<arch::Transformer>(*model_, cfg.section("arch"), seed_);
    arch::evaluate(*calib_engine_, *tok_, calib, 0, false);
    const arch::ModelConfig& mc = model_->config;
    std::vector<double> off;
    for (int l = 0; l < mc.n_layers; ++l) {
      calib_caches_.push_back(&calib_engine_->kv_cache(l));
      for (int h = 0; h < mc.n_kv_heads; ++h) {
        const auto m = calib_engine_->attention(l).statistic("key_mean", h);
        off.insert(off.end(), m.begin(), m.end());
      }
    }
    key_offset_ = off;
    // Static per-channel scales of cpq: max |x| per (layer, kv head, channel) of the calibration keys / values
    // (a channel never non-zero gets 1e-6, as a scale must be > 0).
    std::vector<double> sk, sv;
    for (const auto* u : calib_caches_) {
      for (int h = 0; h < mc.n_kv_heads; ++h) {
        for (double x : u->statistic("channel_absmax_k", h)) {
          sk.push_back(std::max(x, 1e-6));
        }
        for (double x : u->statistic("channel_absmax_v", h)) {
          sv.push_back(std::max(x, 1e-6));
        }
      }
    }
    channel_scale_k_ = sk;
    channel_scale_v_ = sv;
    const auto hd = static_cast<size_t>(mc.head_dim());
    f.write("/kv_cam/calibration/key_offset", off,
            {static_cast<size_t>(mc.n_layers), static_cast<size_t>(mc.n_kv_heads), hd}, "1");
    f.set_attr("/kv_cam/calibration/key_offset", "n_calibration_stories", n_calib_);
    f.write("/kv_cam/calibration/channel_scale_k", sk,
            {static_cast<size_t>(mc.n_layers), static_cast<size_t>(mc.n_kv_heads), hd}, "1");
    f.write("/kv_cam/calibration/channel_scale_v", sv,
            {static_cast<size_t>(mc.n_layers), static_cast<size_t>(mc.n_kv_heads), hd}, "1");
    std::vector<double> ratios = cpq_prune_;
    ratios.insert(ratios.end(), cpq_prune_v_.begin(), cpq_prune_v_.end());
    ratios.push_back(comb_prune_);
    ratios.push_back(comb_prune_v_);
    std::sort(ratios.begin(), ratios.end());
    ratios.erase(std::unique(ratios.begin(), ratios.end()), ratios.end());
    for (double p : ratios) {
      if (p > 0.0) {
        const std::string pg = fmt::format("/kv_cam/calibration/prune_{}", p);
        const std::vector<size_t> shape = {static_cast<size_t>(mc.n_layers), static_cast<size_t>(mc.n_kv_heads)};
        f.write(pg + "/threshold_k", thresholds(true, p), shape, "1");
        f.write(pg + "/threshold_v", thresholds(false, p), shape, "1");
      }
    }
  }

  Run eval_run(core::Config cfg, const std::vector<std::string>& stories, io::ResultFile& f, const std::string& group) {
    arch::Transformer e(*model_, cfg.section("arch"), seed_);
    cfg.check_unknown();
    const arch::EvalResult r = arch::evaluate(e, *tok_, stories, max_tokens_, false);
    if (r.n_tokens == 0) {
      throw ConfigError(fmt::format("kv_cam.text '{}': no story with a predicted token", text_path_));
    }
    n_tokens_ = r.n_tokens;
    e.write_results(f, group);
    Run out;
    out.nll = r.mean_nll();
    out.top1 = r.top1();
    const arch::ModelConfig& mc = model_->config;
    double att = 0.0, w = 0, w16 = 0, rd = 0, rd16 = 0, kb = 0, vb = 0, sb = 0, sa = 0;
    int na = 0, nc = 0;
    for (int l = 0; l < mc.n_layers; ++l) {
      // Sparse attention units (cam, lsh) report their attended fraction; dense reports none (1).
      const arch::Attention& u = e.attention(l);
      for (int h = 0; h < mc.n_heads; ++h) {
        const auto frac = u.statistic("attended_frac", h);
        if (!frac.empty()) {
          att += frac.at(0);
          ++na;
        }
      }
      // Compressed caches (cpq) report bytes moved and sparsity; the full cache reports none.
      const arch::KvCache& q = e.kv_cache(l);
      auto stat = [&](const char* name, int h) { return q.statistic(name, h).at(0); };
      if (!q.statistic("bytes_written", 0).empty()) {
        w += stat("bytes_written", 0);
        w16 += stat("bytes_written_fp16", 0);
        rd += stat("bytes_read", 0);
        rd16 += stat("bytes_read_fp16", 0);
        for (int h = 0; h < mc.n_kv_heads; ++h, ++nc) {
          sb += 0.5 * (stat("sparsity_pruned_k", h) + stat("sparsity_pruned_v", h));
          sa += 0.5 * (stat("sparsity_quantised_k", h) + stat("sparsity_quantised_v", h));
        }
        kb += stat("mean_bits_per_element_k", 0) / mc.n_layers;
        vb += stat("mean_bits_per_element_v", 0) / mc.n_layers;
      }
    }
    out.attended = na > 0 ? att / na : 1.0;
    if (w16 > 0) {
      out.movement_reduction = 1.0 - (w + rd) / (w16 + rd16);
      out.read_reduction = 1.0 - rd / rd16;
      out.write_reduction = 1.0 - w / w16;
      out.k_bits = kb;
      out.v_bits = vb;
      out.sparsity_before = sb / nc;
      out.sparsity_after = sa / nc;
    }
    f.write_scalar(group + "/mean_nll", out.nll, "nat");
    f.write_scalar(group + "/top1", out.top1, "1");
    f.write_scalar(group + "/seconds", r.seconds, "s");
    return out;
  }

  std::string summary(const Run& d, const std::vector<Run>& cpq, const std::vector<Run>& cam, const Run& comb,
                      const std::vector<Run>& lsh, const std::vector<std::string>& sources) const {
    auto rel = [&](double x) { return 100.0 * (x / d.nll - 1.0); };
    std::string s = fmt::format(
        "kv_cam on {} predicted tokens ({} calibration stories from the end): dense/full NLL "
        "{:.4f}\n",
        n_tokens_, n_calib_, d.nll);
    s += "(a) cpq: bits K V  prune K V    |   NLL    vs full | KV moved less | K bits/el V bits/el | sparsity before "
         "after\n";
    for (size_t b = 0; b < cpq_bits_.size(); ++b) {
      for (size_t p = 0; p < cpq_prune_.size(); ++p) {
        const Run& r = cpq[b * cpq_prune_.size() + p];
        s += fmt::format(
            "        {:>6} {:>2} {:>7.2f} {:>4.2f} | {:.4f} {:>+7.2f}% | {:>12.1f}% | {:>9.2f} {:>9.2f} | "
            "{:>15.3f} {:>5.3f}\n",
            cpq_bits_[b], cpq_bits_v_[b], cpq_prune_[p], cpq_prune_v_[p], r.nll, rel(r.nll), 100 * r.movement_reduction,
            r.k_bits, r.v_bits, r.sparsity_before, r.sparsity_after);
      }
    }
    s += "(b) cam: source n_bits score   window    k |   NLL    vs dense | attended\n";
    const size_t nk = cam_k_.size(), nsc = cam_scores_.size(), ncb = cam_n_bits_.size(), nw = cam_window_.size();
    for (size_t src = 0; src < sources.size(); ++src) {
      for (size_t cb = 0; cb < ncb; ++cb) {
        for (size_t sc = 0; sc < nsc; ++sc) {
          for (size_t w = 0; w < nw; ++w) {
            for (size_t k = 0; k < nk; ++k) {
              const Run& r = cam[(((src * ncb + cb) * nsc + sc) * nw + w) * nk + k];
              s += fmt::format("         {:>6} {:>6} {:<7} {:>6} {:>4} | {:.4f} {:>+7.2f}% | {:.3f}\n", sources[src],
                               cam_n_bits_[cb], cam_scores_[sc], cam_window_[w], cam_k_[k], r.nll, rel(r.nll),
                               r.attended);
            }
          }
        }
      }
    }
    s += fmt::format(
        "(c) cam (k {}, n_bits {}, window {}, exact, {}) + cpq (K {} / V {} bits, prune {} / {}): NLL {:.4f} "
        "({:+.2f}%), attended {:.3f}, KV moved {:.1f}% less\n",
        comb_k_, comb_cam_bits_, comb_window_, cam_card_.empty() ? "ideal" : "card", comb_bits_, comb_bits_v_,
        comb_prune_, comb_prune_v_, comb.nll, rel(comb.nll), comb.attended, 100 * comb.movement_reduction);
    for (size_t i = 0; i < lsh.size(); ++i) {
      s += fmt::format("lsh {} bits x {} rounds, window {}: NLL {:.4f} ({:+.2f}%), attended {:.3f}\n", lsh_bits_[i],
                       lsh_rounds_[i], lsh_window_, lsh[i].nll, rel(lsh[i].nll), lsh[i].attended);
    }
    return s;
  }

  uint64_t seed_;
  std::string model_path_, tok_path_, text_path_, cam_card_;
  int64_t max_tokens_ = 0, n_calib_ = 100, cpq_group_ = 4, cpq_scale_bits_ = 4, cam_k_first_ = 0, cam_tile_ = 64,
          cam_adc_ = 6, comb_bits_ = 6, comb_bits_v_ = 4, comb_window_ = 0, comb_k_ = 32, comb_cam_bits_ = 64,
          lsh_window_ = 16, n_tokens_ = 0;
  double comb_prune_ = 0.0, comb_prune_v_ = 0.0;
  std::vector<int64_t> cpq_bits_, cpq_bits_v_, cam_k_, cam_n_bits_, cam_window_, lsh_bits_, lsh_rounds_;
  std::vector<double> cpq_prune_, cpq_prune_v_;
  std::vector<std::string> cam_scores_;
  std::unique_ptr<arch::Model> model_;
  std::unique_ptr<arch::Tokenizer> tok_;
  std::unique_ptr<arch::Transformer> calib_engine_;
  std::vector<const arch::KvCache*> calib_caches_;
  // Calibrated key means (n_layers, n_kv_heads, head_dim) and cpq channel scales (same shape).
  std::vector<double> key_offset_, channel_scale_k_, channel_scale_v_;
  bool cpq_channel_scales_ = true;
};

}  // namespace

std::unique_ptr<Experiment> make_kv_cam_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<KvCamExperiment>(root, seed);
}

}  // namespace pimtx::experiments
