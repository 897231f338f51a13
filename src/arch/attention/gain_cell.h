// `gain_cell` attention: QKᵀ and φ(S)·V as analog dot products on gain-cell arrays (Leroux et al., Nature
// Computational Science 5, 813 (2025), papers.md §3 and devices.md §3.4), reading the voltages that the `gain_cell`
// KV cache (kv_cache/gain_cell.h) stores, with the card's nonlinear read law, per-cell variation and the decay of
// every entry at the query's own token time.
//
// Per query row (position p) and query head j of the kv head h, over the keys in the sliding window
// (p − n_window, p] (n_window >= 1; Leroux: 1024):
//   1. Query DAC: x = round_L(clip(q·q_scale_j, −1, 1)), L = n_input_levels over [−1, 1]; |x| sets a read pulse of
//      |x|·t_max_s on each word line (sign by the integrator's polarity: two phases).
//   2. First array: charge S_s = Σ_i x_i·I_K(s, i) on the bit line of key s (sub-arrays of n_array_rows rows
//      × n_array_cols keys). Decoded with the cache's nominal secant (digital correction of the Σx term, known from
//      the DAC codes): score_s = (lo·Σx + (S_s − i_min·Σx)·x_per_a)/q_scale_j·scale.
//   3. Readout: "adc": score quantised by an n_adc_bits ADC over [−score_range_j, score_range_j], digital softmax,
//      probabilities applied as pulse widths through an n_input_levels DAC on [0, 1]; "hard_sigmoid": Leroux's
//      charge-to-pulse φ = t_max_s·clip((score − hs_offset_j)/hs_sat_j, 0, 1) (hs_sat_j default s_sat), no ADC.
//   4. Second array: for each sub-array of n_array_rows keys, A_c = Σ_s w_s·I_V(s, c), decoded with the secant,
//      times out_gain_j (hard_sigmoid; 1 for adc), quantised to n_output_levels over [−out_range_j, out_range_j]
//      (Leroux: 32 levels over [−1, 1] of the scaled output), partial outputs summed digitally.
// The per-head q_scale_rel, score_range_rel, out_range_rel, hs_offset_rel, hs_sat_rel, out_gain_rel arrays (one value
// per (layer, query head), layer-major) come from gain_cell_calibration.h; when empty the defaults
// 1/map_range_rel, score_range_default_rel, out_range_default_rel, 0, s_sat, 1 apply.
// exact = true (calibration pass): dense softmax over the window on the cache's exact view, recording per query head
// max|q|, max|score|, max|output| and a reservoir of score rows (for the HardSigmoid fit).
//
// Contract (Attention): writes call.out only. Needs the `gain_cell` KV cache (ConfigError otherwise). Counts per
// (query row, query head) with n_vis visible keys, d = head_dim, R = n_array_rows, C = n_array_cols:
//   gain_cell.reads += 2·n_vis·d (every K and V cell read once), gain_cell.array_activations +=
//   ⌈d/R⌉·⌈n_vis/C⌉ + ⌈n_vis/R⌉·⌈d/C⌉, dac.conversions += d (+ n_vis for adc), adc.conversions += ⌈n_vis/R⌉·d
//   (outputs) (+ n_vis for adc scores), gain_cell.phi_pulses += n_vis (hard_sigmoid), digital.adds +=
//   (⌈d/R⌉ − 1)·n_vis + (⌈n_vis/R⌉ − 1)·d; sums gain_cell.read_cell_time_s += Σ over cells read of the pulse width
//   (s; times e_read_j/t_read_s of the card gives the read energy); macs, kv_entries_read, calls as dense.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "arch/attention/attention.h"
#include "core/rng.h"

namespace pimtx::arch {

struct GainCellAttentionParams {
  int64_t n_array_rows = 64, n_array_cols = 64;
  int64_t n_window = 1024;
  std::string score_readout = "adc";  // "adc" | "hard_sigmoid"
  int64_t n_adc_bits = 8;
  double t_max_s = 15e-9;  // Leroux: 15 ns maximum pulse
  double s_sat = 2.0;      // HardSigmoid saturation in units of the scaled score q·k/sqrt(d)
  int64_t n_input_levels = 16;
  int64_t n_output_levels = 32;
  double map_range_rel = 4.0;
  double score_range_default_rel = 16.0;
  double out_range_default_rel = 4.0;
  std::vector<double> q_scale_rel, score_range_rel, out_range_rel, hs_offset_rel, hs_sat_rel, out_gain_rel;
  bool exact = false;
  int64_t n_reservoir_rows = 256;  // score rows kept per query head in the calibration pass

  void validate() const;
  static GainCellAttentionParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const GainCellAttentionParams&) const = default;
};

class GainCellAttention final : public Attention {
 public:
  GainCellAttention(core::Section& cfg, const AttentionInit& init);
  void reset() override {}
  void forward(AttentionCall& call, OpCounts& counts) override;
  void write_stats(io::ResultFile& file, const std::string& group) const override;

  // Calibration statistics (exact mode), per query head `index` of this layer: "q_abs_max", "score_abs_max",
  // "out_abs_max" (one value each) and "score_rows", the reservoir of scaled-score rows (visible keys only), each row
  // as its length followed by its values. Empty for other names or an index out of range.
  [[nodiscard]] std::vector<double> statistic(const std::string& name, int index) const override;

 private:
  struct HeadStats {
    double q_abs_max = 0, score_abs_max = 0, out_abs_max = 0;
    std::vector<std::vector<float>> rows;  // reservoir of scaled-score rows (visible keys only)
    int64_t rows_seen = 0;
  };
  struct Head {
    double q_scale = 1, score_range = 1, out_range = 1, hs_offset = 0, hs_sat = 1, out_gain = 1;
  };
  void forward_exact(AttentionCall& call, OpCounts& counts);

  AttentionInit init_;
  GainCellAttentionParams p_;
  std::vector<Head> heads_;  // (n_heads)
  std::vector<HeadStats> stats_;
  core::Rng reservoir_;
};

}  // namespace pimtx::arch
