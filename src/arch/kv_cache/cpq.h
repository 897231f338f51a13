// `cpq` KV cache (issue 14): cascade pruning–quantisation of the KV cache on the fly, after Titanus (Chen & Yang,
// GLSVLSI 2025, arXiv 2505.17787; ../shared/reference/papers.md §1b): magnitude pruning, then quantisation of what
// survives with a hierarchical scale, decided for each token when it is appended (no look-ahead), and only the
// non-zero values moved.
//
// Per appended token and per K or V row of the layer (kv_dim = n_kv_heads * head_dim elements):
//   1. prune: element x of kv head h is set to 0 when |x| < t, t = max(prune_threshold_{k,v}[layer, h],
//      threshold_rel * max|x| over the head's row). Absolute thresholds come from calibration stories (the experiment
//      kv_cam sets them from the prune_ratio quantile of |x| per layer/head; magnitude_quantile() below).
//   2. hierarchical scale (Titanus's per-channel quantisation with its hierarchical extension HQE; our own coding):
//      level 1 = a static scale c_ch per channel (channel_scale_k / _v: the max |x| of each channel over calibration
//      stories; experiment kv_cam computes them), level 2 = per token and group of n_group_{k,v} consecutive channels
//      an n_scale_bits code r = ceil(max over the group of |x| / c_ch, in units of H / (2^n_scale_bits - 1)), clipped
//      to H = scale_headroom_ratio (values beyond H * c_ch clip: the headroom covers keys larger than any seen in
//      calibration), so element scale s = c_ch * r (n_scale_bits = 0: r = H). Without channel scales (empty), level 1
//      is one FP16 scale per token row (the row's max |x| rounded up to 11 significant bits), the same for every
//      channel: keys have outlier channels, so per-token scales lose the small channels at <= 4 bits (measured,
//      README).
//   3. quantise: n_bits >= 2: symmetric, L = 2^(n_bits-1) - 1 levels a side, x^ = clamp(round(x / s * L)) * s / L;
//      n_bits = 1: x^ = sign(x) * s, with r from the group's mean |x| / c_ch (rounded). Values that round to 0 are
//      zeros too (sparsity after quantisation).
//   4. movement: a row is stored dense (kv_dim * n_bits) or sparse (kv_dim-bit bitmap + n_bits per non-zero),
//      whichever is smaller, plus 1 format bit, n_scale_bits per group and, without channel scales, 16 bits for the
//      row scale; rounded up to whole bytes. Static channel scales are loaded once per layer and not counted.
// The view holds the dequantised float32 values (zeros where pruned), so any attention unit reads them.
//
// Counts (kind kv_cache): kv_entries_stored, bytes_written (compressed), calls; events
//   kv.bytes_written       compressed bytes written (K and V rows of the appended tokens)
//   kv.bytes_read          compressed bytes a decode step at each appended position p reads (rows 0..p, K and V)
//   kv.bytes_written_fp16, kv.bytes_read_fp16   the same for an FP16 cache (2 bytes per element), the reference.
// write_stats(): per kv head sparsity before/after quantisation and mean stored bits per element for K and V; bytes
// written/read and their FP16 references; the thresholds used.
// statistic(name, index) (KvCache): "bytes_written", "bytes_written_fp16", "bytes_read", "bytes_read_fp16" (totals,
// one value); "mean_bits_per_element_k" / "_v" (one value); per kv head `index`: "sparsity_pruned_k" / "_v",
// "sparsity_quantised_k" / "_v" (fraction of zeros after pruning / after quantisation), "channel_absmax_k" / "_v"
// (head_dim values), "magnitude_quantile_k:<q>" / "magnitude_quantile_v:<q>" (the |x| quantile at the fraction q,
// a number in [0, 1] as written by fmt "{}", of the raw values).
// Config ([arch.kv_cache], type = "cpq"): n_bits_k, n_bits_v (1..16, default 4), n_group_k, n_group_v (channels per
// group scale, 1..head_dim, default 4), n_scale_bits (0..8, default 4), scale_headroom_ratio ([1, 16], default 2),
// prune_ratio (target in [0, 1), the value the thresholds were calibrated for; > 0 needs prune_threshold_k/_v),
// threshold_rel ([0, 1)), prune_threshold_k, prune_threshold_v (n_layers * n_kv_heads values >= 0, or empty = 0),
// channel_scale_k, channel_scale_v (n_layers * n_kv_heads * head_dim values > 0, or empty = per-token row scale),
// calibrate_thresholds, calibrate_channel_scales (bool, default false: instead of the lists above, set the prune
// thresholds (the prune_ratio quantile of |x| per layer and kv head) and the channel scales (max |x| per channel,
// at least 1e-6) from calibration text, Transformer::calibrate() — e.g. `pimtx eval` with
// eval.n_calibration_stories > 0. During a calibration pass the cache stores the exact values and prunes
// nothing; the statistics of write_stats() and the accessors below then restart from zero. The same rule as
// experiment kv_cam's calibration, per pass, the last pass wins.)
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "arch/kv_cache/kv_cache.h"

namespace pimtx::arch {

struct CpqParams {
  int n_bits_k = 4;
  int n_bits_v = 4;
  int n_group_k = 4;
  int n_group_v = 4;
  int n_scale_bits = 4;
  double scale_headroom_ratio = 2.0;  // with channel scales: group codes span (0, this] x c_ch
  double prune_ratio = 0.0;
  double threshold_rel = 0.0;
  std::vector<double> prune_threshold_k;  // (n_layers, n_kv_heads) or empty
  std::vector<double> prune_threshold_v;
  std::vector<double> channel_scale_k;  // (n_layers, n_kv_heads, head_dim) or empty
  std::vector<double> channel_scale_v;
  bool calibrate_thresholds = false;
  bool calibrate_channel_scales = false;

  static CpqParams from_config(core::Section& s, const KvCacheInit& init);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const CpqParams&) const = default;
};

// Magnitude histogram (log-spaced bins) for threshold calibration: quantiles to ~1.4 % in |x|.
class MagnitudeHistogram {
 public:
  static constexpr int k_bins = 2048;
  static constexpr double k_lo = 1e-8, k_hi = 1e4;
  void add(float x);
  [[nodiscard]] double quantile(double q) const;  // |x| below which a fraction q of the samples lie
  [[nodiscard]] int64_t count() const { return n_; }

 private:
  std::array<int64_t, k_bins + 2> bins_{};  // [0]: |x| < k_lo, [k_bins+1]: >= k_hi
  int64_t n_ = 0;
};

class CpqKvCache final : public KvCache {
 public:
  CpqKvCache(core::Section& cfg, const KvCacheInit& init);
  void reset() override {
    n_ = 0;
    cum_bytes_ = 0;
  }
  void append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) override;
  [[nodiscard]] KvView view(int kv_head) const override;
  [[nodiscard]] int64_t n_positions() const override { return n_; }
  void write_stats(io::ResultFile& file, const std::string& group) const override;
  [[nodiscard]] std::vector<double> statistic(const std::string& name, int index) const override;
  [[nodiscard]] int n_calibration_passes() const override {
    return p_.calibrate_thresholds || p_.calibrate_channel_scales ? 1 : 0;
  }
  void begin_calibration_pass(int pass) override;
  void end_calibration_pass(int pass) override;

  [[nodiscard]] const CpqParams& params() const { return p_; }
  // |x| quantile of the raw (unpruned) keys (key = true) or values of kv head h appended since construction.
  [[nodiscard]] double magnitude_quantile(bool key, int kv_head, double q) const;
  // Max |x| of each channel (head_dim) of kv head h over the raw keys (key = true) or values since construction.
  [[nodiscard]] std::vector<double> channel_absmax(bool key, int kv_head) const;
  // This layer's absolute prune threshold of kv head h for keys (key = true) or values, and its static channel scales
  // (head_dim values; empty without them): given in the config or set by calibration.
  [[nodiscard]] double threshold(bool key, int kv_head) const {
    return (key ? k_ : v_).threshold[static_cast<size_t>(kv_head)];
  }
  [[nodiscard]] std::vector<double> channel_scale(bool key, int kv_head) const;
  // Totals since construction.
  [[nodiscard]] int64_t bytes_written() const { return bytes_written_; }
  [[nodiscard]] int64_t bytes_written_fp16() const { return bytes_written_fp16_; }
  [[nodiscard]] int64_t bytes_read() const { return bytes_read_; }
  [[nodiscard]] int64_t bytes_read_fp16() const { return bytes_read_fp16_; }
  // Fraction of K (key = true) or V elements of kv head h that are zero after pruning / after quantisation.
  [[nodiscard]] double sparsity(bool key, int kv_head, bool after_quantisation) const;
  // Stored bits (payload, bitmap, scales) per K (key = true) or V element since construction.
  [[nodiscard]] double mean_bits_per_element(bool key) const {
    const Side& s = key ? k_ : v_;
    return s.n_elements > 0 ? static_cast<double>(s.bits) / static_cast<double>(s.n_elements) : 0.0;
  }

 private:
  struct Side {  // K or V
    int n_bits = 4, n_group = 4;
    std::vector<double> threshold;                             // (n_kv_heads) this layer's absolute thresholds
    std::vector<double> channel_scale;                         // (kv_dim) this layer's static channel scales, or empty
    std::vector<double> absmax;                                // (kv_dim) max |x| seen per channel
    std::vector<Mat> data;                                     // n_kv_heads x (max_seq_len, head_dim) dequantised
    std::vector<MagnitudeHistogram> hist;                      // (n_kv_heads)
    std::vector<int64_t> n_elem, n_zero_pruned, n_zero_quant;  // (n_kv_heads)
    int64_t bits = 0;                                          // stored bits (before byte rounding)
    int64_t n_elements = 0;
    // The raw-value statistics (|x| histogram of kv head h, max |x| of channel c) that calibration reads.
    void record(int h, int c, float x) {
      hist[static_cast<size_t>(h)].add(x);
      auto& am = absmax[static_cast<size_t>(c)];
      am = std::max(am, static_cast<double>(std::abs(x)));
    }
  };
  // Compresses one token row (kv_dim) in place into side.data at position pos; returns its bytes.
  int64_t compress_row(Side& side, const float* row, int64_t pos);
  void clear_statistics();

  bool calibrating_ = false;  // inside a calibration pass: store exact values, prune nothing, record |x|
  KvCacheInit init_;
  CpqParams p_;
  Side k_, v_;
  std::vector<int64_t> positions_;  // (max_seq_len) 0, 1, 2, ...
  std::vector<int64_t> row_bytes_;  // (max_seq_len) compressed K+V bytes of the row at each position
  std::vector<float> scratch_;      // (kv_dim)
  int64_t n_ = 0;
  int64_t cum_bytes_ = 0;  // sum of row_bytes_[0..n_)
  int64_t bytes_written_ = 0, bytes_written_fp16_ = 0, bytes_read_ = 0, bytes_read_fp16_ = 0;
};

}  // namespace pimtx::arch
