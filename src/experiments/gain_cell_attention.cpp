// Experiment "gain_cell_attention" (issue 13): the gain-cell KV cache and analog gain-cell attention
// (src/arch/kv_cache/gain_cell.h, src/arch/attention/gain_cell.h) inside a llama2.c checkpoint, swept one factor
// at a time around a base setting: NLL and top-1 per point against the exact dense + full model on the same tokens.
//
// Config ([gain_cell_attention]; see experiments/gain_cell_attention/config.toml):
//   model, tokenizer, text        paths (relative to the config file)
//   max_tokens                    predicted tokens per run (stops after the story reaching it)
//   n_calibration_stories         the text's LAST n stories calibrate the per-head maps and HardSigmoid scalings
//                                 (gain_cell_calibration.h); they are never evaluated
//   calibration_margin_rel        widening of the calibrated ranges
//   calibration_clip_quantile     K/V maps from the [q, 1 − q] quantiles instead of min/max (0 = min/max)
//   points                        names of the sweep points, in order
//   [gain_cell_attention.set]     <name> = ["arch.kv_cache.tau_ret_s=1.35e-3", ...]: each point's overrides of the
//                                 base [arch] tables of the file (which select gain_cell for both units)
// Output /gain_cell_attention: names, nll, top1, seconds (n_points), dense_nll, dense_top1, n_tokens; per point
// runs/<name>/ with the engine's op_counts and units' stats, and the calibration arrays under calibration/window_<w>.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "arch/attention/gain_cell_calibration.h"
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

struct Point {
  std::string name;
  std::vector<std::string> set;
};

class GainCellAttentionExperiment final : public Experiment {
 public:
  GainCellAttentionExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    core::Section c = root.section("gain_cell_attention");
    model_path_ = c.get_path("model", "", true);
    tok_path_ = c.get_path("tokenizer", "", true);
    text_path_ = c.get_path("text", "", true);
    max_tokens_ = c.get_int("max_tokens", 2000, core::Range::non_negative());
    n_calib_ = c.get_int("n_calibration_stories", 50, core::Range::closed(1, 1000000));
    margin_ = c.get_double("calibration_margin_rel", 1.0, core::Range::closed(0.5, 10.0));
    clip_q_ = c.get_double("calibration_clip_quantile", 0.0, core::Range::closed(0.0, 0.49));
    const auto names = c.get_string_array("points", {});
    core::Section sets = c.section("set");
    for (const auto& n : names) {
      if (n.empty() || n.find('/') != std::string::npos || n.find('.') != std::string::npos) {
        c.fail("points", fmt::format("point name '{}' must be non-empty, without '/' or '.'", n));
      }
      points_.push_back(Point{n, sets.get_string_array(n, {})});
    }
    for (const auto& k : sets.keys()) {
      if (std::find(names.begin(), names.end(), k) == names.end()) {
        sets.fail(k, "is not listed in gain_cell_attention.points");
      }
    }
    if (points_.empty()) {
      c.fail("points", "list at least one point");
    }
    base_ = std::make_shared<core::Config>(root.section("arch").copy_to("arch"));
    model_ = std::make_unique<arch::Model>(arch::load_model(model_path_));
    tok_ = arch::load_tokenizer(tok_path_, model_->config.vocab_size);
    // Build every point's engine now (default calibration), so a bad setting fails before anything runs.
    for (const auto& p : points_) {
      auto cfg = point_config(p, nullptr);
      arch::Transformer e(*model_, cfg->section("arch"), seed_);
      cfg->check_unknown();
    }
  }

  std::string run(io::ResultFile& f) override {
    auto stories = arch::split_stories(io::read_text_file(text_path_));
    if (static_cast<int64_t>(stories.size()) <= n_calib_) {
      throw ConfigError(fmt::format("gain_cell_attention.n_calibration_stories = {}: the text has only {} stories",
                                    n_calib_, stories.size()));
    }
    const std::vector<std::string> calib(stories.end() - n_calib_, stories.end());
    stories.resize(stories.size() - static_cast<size_t>(n_calib_));
    const std::string g = "/gain_cell_attention";
    core::Progress progress("gain-cell sweep", 1 + points_.size(), "run");
    arch::Transformer dense(*model_, core::Config().section("arch"), seed_);
    const auto d = arch::evaluate(dense, *tok_, stories, max_tokens_, false);
    progress.advance();
    std::vector<double> nll, top1, secs;
    std::vector<std::string> names;
    std::map<std::string, arch::GainCellCalibration> calibrations;  // by calibration-relevant settings
    for (const auto& p : points_) {
      // The calibration pass depends on the window only (exact arithmetic); reuse it across points.
      auto probe = point_config(p, nullptr);
      const int64_t window = probe->section("arch.attention").get_int("n_window", 1024);
      const std::string key = fmt::format("window_{}", window);
      if (calibrations.count(key) == 0) {
        const auto cal = arch::calibrate_gain_cell(*model_, *tok_, calib, *probe, seed_, margin_, clip_q_);
        calibrations[key] = cal;
        const std::string cg = g + "/calibration/" + key;
        f.write(cg + "/q_scale_rel", cal.q_scale, {}, "1");
        f.write(cg + "/k_lo_rel", cal.k_lo, {}, "1");
        f.write(cg + "/k_hi_rel", cal.k_hi, {}, "1");
        f.write(cg + "/v_lo_rel", cal.v_lo, {}, "1");
        f.write(cg + "/v_hi_rel", cal.v_hi, {}, "1");
        f.write(cg + "/hs_offset_rel", cal.hs_offset, {}, "1");
        f.write(cg + "/hs_sat_rel", cal.hs_sat, {}, "1");
        f.write(cg + "/out_gain_rel", cal.out_gain, {}, "1");
        f.write(cg + "/hs_fit_rms", cal.hs_fit_rms, {}, "1");
        f.write_scalar(cg + "/n_tokens", cal.n_tokens, "count");
      }
      auto cfg = point_config(p, &calibrations[key]);
      arch::Transformer e(*model_, cfg->section("arch"), seed_);
      cfg->check_unknown();
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = arch::evaluate(e, *tok_, stories, max_tokens_, false);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::string rg = g + "/runs/" + p.name;
      e.write_results(f, rg);
      f.write_scalar(rg + "/nll", r.mean_nll(), "nat");
      f.write_scalar(rg + "/top1", r.top1(), "1");
      f.set_attr(rg, "set", fmt::format("{}", fmt::join(p.set, "; ")));
      names.push_back(p.name);
      nll.push_back(r.mean_nll());
      top1.push_back(r.top1());
      secs.push_back(s);
      progress.advance();
    }
    progress.finish();
    f.write_strings(g + "/names", names);
    f.write(g + "/nll", nll, {}, "nat");
    f.write(g + "/top1", top1, {}, "1");
    f.write(g + "/seconds", secs, {}, "s");
    f.write_scalar(g + "/dense_nll", d.mean_nll(), "nat");
    f.write_scalar(g + "/dense_top1", d.top1(), "1");
    f.write_scalar(g + "/n_tokens", d.n_tokens, "count");
    f.write_scalar(g + "/n_calibration_stories", n_calib_, "count");
    std::string out = fmt::format("dense: NLL {:.4f} nats over {} tokens\n", d.mean_nll(), d.n_tokens);
    for (size_t i = 0; i < names.size(); ++i) {
      out += fmt::format("{:<24} NLL {:.4f} ({:+.2f} %)\n", names[i], nll[i], 100.0 * (nll[i] / d.mean_nll() - 1.0));
    }
    return out;
  }

 private:
  // The base [arch] tables with the calibrated maps and scalings (when given), then the point's own overrides (the
  // user's `--set`-style lines of [gain_cell_attention.set], which may replace calibrated values).
  std::shared_ptr<core::Config> point_config(const Point& p, const arch::GainCellCalibration* cal) const {
    auto cfg = std::make_shared<core::Config>(base_->section("arch").copy_to("arch"));
    if (cal != nullptr) {
      core::Section kv = cfg->section("arch.kv_cache");
      kv.set_double_array("k_lo_rel", nine_digits(cal->k_lo));
      kv.set_double_array("k_hi_rel", nine_digits(cal->k_hi));
      kv.set_double_array("v_lo_rel", nine_digits(cal->v_lo));
      kv.set_double_array("v_hi_rel", nine_digits(cal->v_hi));
      core::Section at = cfg->section("arch.attention");
      at.set_double_array("q_scale_rel", nine_digits(cal->q_scale));
      at.set_double_array("score_range_rel", nine_digits(cal->score_range));
      at.set_double_array("out_range_rel", nine_digits(cal->out_range));
      at.set_double_array("hs_offset_rel", nine_digits(cal->hs_offset));
      at.set_double_array("hs_sat_rel", nine_digits(cal->hs_sat));
      at.set_double_array("out_gain_rel", nine_digits(cal->out_gain));
    }
    for (const auto& o : p.set) {
      try {
        cfg->apply_override(o);
      } catch (const ConfigError&) {
        rethrow_with_context<ConfigError>(fmt::format("in gain_cell_attention.set.{}", p.name));
      }
    }
    return cfg;
  }

  uint64_t seed_;
  std::string model_path_, tok_path_, text_path_;
  int64_t max_tokens_ = 0, n_calib_ = 0;
  double margin_ = 1.0, clip_q_ = 0.0;
  std::vector<Point> points_;
  std::shared_ptr<core::Config> base_;
  std::unique_ptr<arch::Model> model_;
  std::unique_ptr<arch::Tokenizer> tok_;
};

}  // namespace

std::unique_ptr<Experiment> make_gain_cell_attention_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<GainCellAttentionExperiment>(root, seed);
}

}  // namespace pimtx::experiments
