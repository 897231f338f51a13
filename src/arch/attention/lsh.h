// `lsh` attention unit (issue 6): angular-LSH sparse attention, after Cai et al. (ISCAS 2024) and the Reformer.
// Each (layer, kv head) has one Hasher from the configured plane source ([arch.attention.planes], `type` =
// gaussian | quantized | memristive); it hashes every key once, when its position first appears in the cache,
// and every query of the kv head's query heads (GQA: the group shares the kv head's planes). Selection and
// softmax are lsh_core.h's. Config ([arch.attention], type = "lsh"): n_bits (0..16), n_rounds (>= 1),
// n_window (>= 0), n_sink (>= 0), n_sparsity_skip_pos, key_offset (lsh_core.h), and the [planes] table.
//
// Statistics per layer and query head, written by write_stats(): attended fraction |S_p| / (p + 1) averaged
// over all queries and over queries at positions p >= n_sparsity_skip_pos, per position, and attended/visible
// pair totals. Run-time hash noise (memristive sources) is drawn from
// core::Rng(seed, "arch.attention.lsh.noise", layer) / kv_head / (query head or key) / position, so the bits
// do not depend on how the engine groups tokens into forward() calls.
#pragma once

#include <memory>
#include <vector>

#include "arch/attention/attention.h"
#include "arch/attention/lsh_core.h"
#include "arch/attention/lsh_planes.h"

namespace pimtx::arch {

class LshAttention final : public Attention {
 public:
  LshAttention(core::Section& cfg, const AttentionInit& init);
  void reset() override;
  void forward(AttentionCall& call, OpCounts& counts) override;
  void write_stats(io::ResultFile& file, const std::string& group) const override;
  // "attended_frac", "attended_frac_beyond" (query head), "key_mean" (kv head): the accessors below.
  [[nodiscard]] std::vector<double> statistic(const std::string& name, int index) const override;

  [[nodiscard]] const lsh::LshParams& params() const { return p_; }
  // Bucket ids of the keys hashed since reset(): (n_hashed positions, n_rounds) row-major, by position.
  [[nodiscard]] std::span<const uint32_t> key_ids(int kv_head) const;
  // Mean attended fraction of query head h over positions >= n_sparsity_skip_pos (NaN if none).
  [[nodiscard]] double attended_frac_beyond(int head) const;
  // Mean of the (uncentred) keys hashed by kv head h since construction: (head_dim); for calibrating key_offset.
  [[nodiscard]] std::vector<double> key_mean(int kv_head) const;
  // Mean attended fraction of query head h over all positions (NaN if none).
  [[nodiscard]] double attended_frac(int head) const;
  // (query head, key) pairs attended by query head h since construction.
  [[nodiscard]] int64_t attended_pairs(int head) const { return attended_pairs_[static_cast<size_t>(head)]; }

 private:
  void hash_new_keys(const AttentionCall& call);

  AttentionInit init_;
  lsh::LshParams p_;
  std::string plane_type_;
  std::unique_ptr<lsh::PlaneSource> planes_;
  std::vector<std::unique_ptr<lsh::Hasher>> hashers_;  // per kv head
  std::vector<std::vector<uint32_t>> key_ids_;         // per kv head: (max_seq_len, n_rounds)
  std::vector<int64_t> n_hashed_;                      // per kv head: positions 0..n_hashed-1 hashed
  std::vector<uint32_t> q_ids_;                        // (n_new, n_rounds) scratch
  std::vector<float> offset_;                          // (n_kv_heads, head_dim) this layer's key offset, or empty
  std::vector<float> centred_;                         // (head_dim) scratch
  std::vector<double> key_sum_;                        // (n_kv_heads, head_dim) sum of hashed keys
  std::vector<int64_t> n_keys_;                        // (n_kv_heads) keys hashed
  std::vector<int64_t> n_att_, n_vis_;                 // (n_new) scratch
  Mat scores_;
  // Statistics, per query head (n_heads) and per position (n_heads, max_seq_len).
  std::vector<double> frac_sum_, frac_sum_beyond_, frac_sum_pos_;
  std::vector<int64_t> n_queries_, n_queries_beyond_, n_queries_pos_, attended_pairs_, visible_pairs_;
};

}  // namespace pimtx::arch
