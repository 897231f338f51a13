// `cam` attention unit (issue 14): attention as an associative-memory search, after CAMformer (Molom-Ochir et al.,
// arXiv 2511.19740; ../shared/reference/papers.md §1c). Binarised keys sit in binary-attention CAM rows (tiles of
// n_tile_rows rows); a binarised query searches them, each row's match line gives its Hamming similarity as a
// voltage (devices/cam_row.h: the ideal row, or a CAM card fitted to SPICE by `pimtx calibrate`), an ADC of
// n_adc_bits converts it, a two-stage hierarchical top-k keeps the best k_first rows per tile and then the best k
// overall, and softmax runs over the selected keys only; V comes from the KV cache unit (so `cam` + `cpq` compose).
//
// Binarisation (per kv head, keys once when their position first appears, queries of the group's query heads):
//   n_bits = 0: the sign of each component of k − μ (keys) and q (queries), N = head_dim bits (CAMformer's direct
//               sign binarisation; μ = key_offset, per-head key centring as the lsh unit does, since softmax is
//               invariant to a common key offset);
//   n_bits > 0: the signs of N = n_bits random Gaussian projections of k − μ and q (SimHash; planes from
//               core::Rng(seed, "arch.attention.cam", layer) / kv_head), so Hamming similarity estimates the angle.
// Read: h = matches, m = h/N, V = V(m) + σ(m, N)·z (z ~ N(0,1) per (query, key) search, stream
//   core::Rng(seed, "arch.attention.cam.noise", layer) / kv_head / query_head / query position, keys in position
//   order, so the draws do not depend on how the engine groups tokens), code = round((V − V(0)) / (V(1) − V(0)) ·
//   (2^n_adc_bits − 1)) clamped. Ties in the top-k go to the later position (a recency priority encoder).
// Score over the selected keys: "exact" = q·k·scale (the key from the KV cache, digital), "hamming" =
//   |q|·|k − μ|·cos(π(1 − m̂))·scale with m̂ the ADC's match-fraction estimate (SimHash's angle estimate; |q| and
//   |k − μ| are digital side values). The query always keeps its own position (as lsh does) only through selection.
// With k >= context and score = "exact" every visible key is selected and the result is dense attention.
//
// Counts (kind attention): macs (score MACs of selected pairs in exact mode + p·v), kv_entries_read = selected
// pairs, bytes_read (K and V of the selected pairs, float32), calls; events
//   cam.searches      one query applied to one tile (all its rows in parallel)
//   cam.rows_searched rows (keys) compared by those searches
//   cam.rows_written  keys written into CAM rows
//   adc.conversions   one per searched row (its match line)
//   topk.comparisons  each input of a top-k stage of k slots costs k comparisons (a k-slot sorter compares it with
//                     every slot): rows × k_first + first-stage survivors × k
// sums "cam.search_energy_j" = rows searched × the card's e_search_row_j (absent for the ideal row).
// Statistics per query head (write_stats): attended fraction, selected and visible pairs.
// Config ([arch.attention], type = "cam"): n_bits (0..4096), k (>= 1, default 32), k_first (>= 1, default k),
// n_tile_rows (>= 1, default 64), n_adc_bits (1..16, default 6), score ("exact" | "hamming"), key_offset
// (n_layers * n_kv_heads * head_dim, or empty), cam_card (path of a CAM card; absent = ideal row), cam_noise (true:
// draw the card's spread; false: the law only), n_window (>= 0, default 0: the n_window most recent keys are always
// kept besides the top-k, as the lsh unit's window; not in CAMformer, whose model is trained for binary attention),
// calibrate_key_offset (bool, default false: instead of key_offset, μ = the mean key per kv head of calibration
// text, Transformer::calibrate(), e.g. `pimtx eval` with eval.n_calibration_stories > 0; during the calibration
// pass the unit attends to every visible key with exact scores, i.e. dense attention, as experiment kv_cam's
// calibration engine; the statistics of write_stats() then restart from zero).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/attention/attention.h"
#include "devices/cam_row.h"

namespace pimtx::arch {

struct CamParams {
  int n_bits = 0;
  int k = 32;
  int k_first = 32;
  int n_tile_rows = 64;
  int n_adc_bits = 6;
  std::string score = "exact";
  std::vector<double> key_offset;
  std::string cam_card;
  bool cam_noise = true;
  int n_window = 0;
  bool calibrate_key_offset = false;

  static CamParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads (cam_card only when set)
  bool operator==(const CamParams&) const = default;
};

class CamAttention final : public Attention {
 public:
  CamAttention(core::Section& cfg, const AttentionInit& init);
  void reset() override;
  void forward(AttentionCall& call, OpCounts& counts) override;
  void write_stats(io::ResultFile& file, const std::string& group) const override;
  // "attended_frac" of query head `index` (one value), "key_mean" of kv head `index` (head_dim values).
  [[nodiscard]] std::vector<double> statistic(const std::string& name, int index) const override;
  [[nodiscard]] int n_calibration_passes() const override { return p_.calibrate_key_offset ? 1 : 0; }
  void begin_calibration_pass(int pass) override;
  void end_calibration_pass(int pass) override;

  [[nodiscard]] const CamParams& params() const { return p_; }
  [[nodiscard]] int code_bits() const { return n_code_; }
  // Mean attended fraction (selected / visible keys) of query head h over all queries (NaN if none).
  [[nodiscard]] double attended_frac(int head) const;
  // Mean of the uncentred keys binarised by kv head h since construction (head_dim), for calibrating key_offset.
  [[nodiscard]] std::vector<double> key_mean(int kv_head) const;

 private:
  void binarise(const float* x, size_t kv_head, bool is_key, uint64_t* out, float& norm);
  void encode_new_keys(const AttentionCall& call);
  void clear_statistics();

  std::optional<CamParams> saved_;  // the unit's own parameters while a calibration pass runs it as dense
  AttentionInit init_;
  CamParams p_;
  devices::CamRow row_;
  int n_code_ = 0;                               // N: bits per binary code
  int n_words_ = 0;                              // uint64 words per code
  std::vector<float> planes_;                    // (n_kv_heads, N, head_dim) or empty (sign mode)
  std::vector<float> offset_;                    // (n_kv_heads, head_dim) or empty
  std::vector<std::vector<uint64_t>> key_bits_;  // per kv head: (max_seq_len, n_words)
  std::vector<std::vector<float>> key_norm_;     // per kv head: (max_seq_len) |k − μ|
  std::vector<int64_t> n_encoded_;               // per kv head
  std::vector<double> key_sum_;                  // (n_kv_heads, head_dim)
  std::vector<int64_t> n_keys_;
  // Scratch.
  std::vector<float> centred_;
  std::vector<uint64_t> q_bits_;
  std::vector<int> codes_;
  std::vector<int64_t> cand_, sel_;
  std::vector<float> w_;
  // Statistics per query head.
  std::vector<double> frac_sum_;
  std::vector<int64_t> n_queries_, selected_pairs_, visible_pairs_;
};

}  // namespace pimtx::arch
