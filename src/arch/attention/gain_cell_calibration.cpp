#include "arch/attention/gain_cell_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/eval.h"
#include "arch/transformer.h"
#include "core/errors.h"

namespace pimtx::arch {

namespace {

std::string toml_array(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += fmt::format("{}{:.9g}", i ? ", " : "", v[i]);
  }
  return s + "]";
}

struct HsFit {
  double offset = 0, sat = 1, gain = 1, rms = 0;
};

// Value at quantile q (nearest rank below) of the samples; 0 when there are none.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) {
    return 0.0;
  }
  const auto k = static_cast<size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The score rows of GainCellAttention::statistic("score_rows"): each row as its length followed by its values.
std::vector<std::vector<float>> score_rows(const std::vector<double>& flat) {
  std::vector<std::vector<float>> rows;
  for (size_t i = 0; i < flat.size();) {
    const auto n = static_cast<size_t>(flat[i++]);
    std::vector<float> row(n);
    for (size_t c = 0; c < n; ++c) {
      row[c] = static_cast<float>(flat[i++]);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Grid fit of the HardSigmoid against the softmax of the same score rows (see the header).
HsFit fit_hard_sigmoid(const std::vector<std::vector<float>>& rows, double score_range) {
  HsFit best;
  std::vector<double> pooled;
  for (const auto& r : rows) {
    pooled.insert(pooled.end(), r.begin(), r.end());
  }
  if (pooled.empty()) {
    return best;
  }
  std::sort(pooled.begin(), pooled.end());
  std::vector<std::vector<double>> probs;
  for (const auto& r : rows) {
    double mx = -1e300, sum = 0;
    for (float v : r) {
      mx = std::max(mx, static_cast<double>(v));
    }
    std::vector<double> p;
    for (float v : r) {
      p.push_back(std::exp(static_cast<double>(v) - mx));
      sum += p.back();
    }
    for (double& v : p) {
      v /= sum;
    }
    probs.push_back(std::move(p));
  }
  double best_err = 1e300, n = 0;
  for (const auto& r : rows) {
    n += static_cast<double>(r.size());
  }
  for (double qt : {0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995}) {
    const double off = pooled[static_cast<size_t>(qt * static_cast<double>(pooled.size() - 1))];
    for (double fr : {0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0}) {
      const double sat = fr * score_range;
      double num = 0, den = 0, pp = 0;
      for (size_t i = 0; i < rows.size(); ++i) {
        for (size_t s = 0; s < rows[i].size(); ++s) {
          const double w = std::clamp((static_cast<double>(rows[i][s]) - off) / sat, 0.0, 1.0);
          num += w * probs[i][s];
          den += w * w;
          pp += probs[i][s] * probs[i][s];
        }
      }
      const double gain = den > 0 ? num / den : 1.0;
      const double err = den > 0 ? pp - num * num / den : pp;
      if (err < best_err) {
        best_err = err;
        best = HsFit{off, sat, gain, std::sqrt(std::max(0.0, err) / n)};
      }
    }
  }
  return best;
}

}  // namespace

std::vector<std::string> GainCellCalibration::overrides() const {
  return {"arch.kv_cache.k_lo_rel=" + toml_array(k_lo),
          "arch.kv_cache.k_hi_rel=" + toml_array(k_hi),
          "arch.kv_cache.v_lo_rel=" + toml_array(v_lo),
          "arch.kv_cache.v_hi_rel=" + toml_array(v_hi),
          "arch.attention.q_scale_rel=" + toml_array(q_scale),
          "arch.attention.score_range_rel=" + toml_array(score_range),
          "arch.attention.out_range_rel=" + toml_array(out_range),
          "arch.attention.hs_offset_rel=" + toml_array(hs_offset),
          "arch.attention.hs_sat_rel=" + toml_array(hs_sat),
          "arch.attention.out_gain_rel=" + toml_array(out_gain)};
}

GainCellCalibration calibrate_gain_cell(const Model& model, const Tokenizer& tok,
                                        const std::vector<std::string>& stories, core::Config& cfg, uint64_t seed,
                                        double margin_rel, double clip_quantile) {
  core::Config c = cfg.section("arch").copy_to("arch");
  c.apply_override("arch.kv_cache.exact=true");
  c.apply_override("arch.attention.exact=true");
  Transformer e(model, c.section("arch"), seed);
  const auto res = evaluate(e, tok, stories, 0, false);
  const ModelConfig& mc = model.config;
  GainCellCalibration out;
  out.n_tokens = res.n_tokens;
  for (int l = 0; l < mc.n_layers; ++l) {
    // The units' calibration statistics (KvCache / Attention::statistic); only the gain_cell units keep them.
    const KvCache& kv = e.kv_cache(l);
    const Attention& at = e.attention(l);
    if (kv.statistic("key_range", 0).empty() || at.statistic("q_abs_max", 0).empty()) {
      throw ConfigError("gain-cell calibration needs [arch.kv_cache] and [arch.attention] of type gain_cell");
    }
    for (int h = 0; h < mc.n_kv_heads; ++h) {
      for (int w = 0; w < 2; ++w) {
        const std::string what = w == 0 ? "key" : "value";
        const std::vector<double> range = kv.statistic(what + "_range", h);
        double lo = range.at(0), hi = range.at(1);
        if (clip_quantile > 0) {
          const std::vector<double> samples = kv.statistic(what + "_samples", h);
          lo = quantile(samples, clip_quantile);
          hi = quantile(samples, 1.0 - clip_quantile);
        }
        if (!(hi > lo)) {
          throw NumericError(fmt::format("gain-cell calibration: layer {} kv head {} saw no {} range", l, h,
                                         w == 0 ? "key" : "value"));
        }
        const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo) * margin_rel;
        (w == 0 ? out.k_lo : out.v_lo).push_back(mid - half);
        (w == 0 ? out.k_hi : out.v_hi).push_back(mid + half);
      }
    }
    for (int j = 0; j < mc.n_heads; ++j) {
      const auto pos = [](double v) { return v > 0 ? v : 1.0; };
      const double q_abs_max = at.statistic("q_abs_max", j).at(0);
      const double score_abs_max = at.statistic("score_abs_max", j).at(0);
      const double out_abs_max = at.statistic("out_abs_max", j).at(0);
      out.q_scale.push_back(1.0 / (pos(q_abs_max) * margin_rel));
      out.score_range.push_back(pos(score_abs_max) * margin_rel);
      out.out_range.push_back(pos(out_abs_max) * margin_rel);
      const HsFit f = fit_hard_sigmoid(score_rows(at.statistic("score_rows", j)), pos(score_abs_max));
      out.hs_offset.push_back(f.offset);
      out.hs_sat.push_back(f.sat);
      out.out_gain.push_back(f.gain > 0 ? f.gain : 1.0);
      out.hs_fit_rms.push_back(f.rms);
    }
  }
  return out;
}

}  // namespace pimtx::arch
