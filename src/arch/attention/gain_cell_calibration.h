// Calibration of the gain-cell KV cache and attention (kv_cache/gain_cell.h, attention/gain_cell.h) on calibration
// stories, without gradient training (the adaptation step of Leroux et al. replaced by statistics and a grid fit):
//   - per (layer, kv head) affine maps of K and V into the storage range: [lo, hi] = the observed [min, max]
//     (clip_quantile = 0) or the [q, 1 − q] quantiles of a reservoir of elements (clip_quantile = q > 0: fewer
//     levels wasted on outliers, which are clipped), widened about its centre by margin_rel;
//   - per (layer, query head) query DAC scale q_scale = 1/(max|q|·margin_rel), ADC score range and output range =
//     max|score|, max|output| (dense attention over the window) times margin_rel;
//   - per query head HardSigmoid (hs_offset, hs_sat, out_gain): the grid of offsets at score quantiles
//     {0.5 … 0.995} and saturations score_range·{0.02 … 1} minimising Σ_rows Σ_s (out_gain·φ_s − p_s)² against the
//     softmax p of the same rows (out_gain in closed form), on a reservoir of score rows.
// One calibration pass runs the model with both units in exact mode (dense arithmetic, the configured window).
//
// Contract: calibrate_gain_cell() reads only `arch` of cfg (copied; kv_cache and attention must be gain_cell) and
// the stories; deterministic for a seed. overrides() gives `--set`-style assignments for the run's config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/model.h"
#include "arch/tokenizer.h"
#include "core/config.h"

namespace pimtx::arch {

struct GainCellCalibration {
  std::vector<double> k_lo, k_hi, v_lo, v_hi;  // (n_layers, n_kv_heads)
  std::vector<double> q_scale, score_range, out_range, hs_offset, hs_sat, out_gain, hs_fit_rms;  // (n_layers, n_heads)
  int64_t n_tokens = 0;

  [[nodiscard]] std::vector<std::string> overrides() const;
};

GainCellCalibration calibrate_gain_cell(const Model& model, const Tokenizer& tok,
                                        const std::vector<std::string>& stories, core::Config& cfg, uint64_t seed,
                                        double margin_rel, double clip_quantile = 0.0);

}  // namespace pimtx::arch
