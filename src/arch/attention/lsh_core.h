// LSH sparse attention kernel (issue 6) for one query head, independent of where the hash bits come from.
//
// Contract: a query at absolute position p attends to the cached key at position j (j <= p: causal) iff
//   (a) some round r has bucket(q, r) == bucket(k_j, r)   (union over rounds), or
//   (b) p - j < n_window                                   (local window; 0 = none), or
//   (c) j < n_sink                                         (the first n_sink positions, "attention sinks"
//                                                           as in StreamingLLM, Xiao et al. 2023; 0 = none), or
//   (d) j == p                                             (always itself, so the set is never empty).
// Scores q·k_j * scale are softmax-normalised exactly over that set (a key found by several rounds counts
// once) and the output is the probability-weighted sum of the selected values. The arithmetic is the `dense`
// unit's (attention/dense.cpp) with the unselected probabilities set to exactly 0 (excluded from the max and
// the sum): the same Eigen products of the same shapes and the same float32 loops, so when every visible key is
// selected (one bucket, or a full window) the result is bit-identical to dense attention. The engine's cost
// of a sparse set is what gets counted (kv_entries_read = attended pairs), not this reference arithmetic.
// Only `out`, `scores` (scratch) and the per-row counters are written.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "arch/kv_cache/kv_cache.h"
#include "arch/tensor.h"
#include "core/config.h"

namespace pimtx::arch::lsh {

struct LshParams {
  int n_bits = 4;                // sign bits per round: 2^n_bits buckets (0 = one bucket = dense)
  int n_rounds = 2;              // hash rounds (tables); union of their buckets
  int n_window = 0;              // always attend the n_window most recent keys (incl. itself); 0 = none
  int n_sink = 0;                // always attend the first n_sink positions (the BOS "attention sink"); 0 = none
  int n_sparsity_skip_pos = 64;  // the "beyond" sparsity statistic averages positions p >= this
  // Key centring: offset μ subtracted from every key before hashing (queries are hashed as they are), flat
  // (n_layers, n_kv_heads, head_dim); empty = none. Softmax over keys is invariant to a common key offset
  // (q·μ is the same for every key), so hashing k − μ targets what decides the attention weights; on the array
  // it is a bias column holding −W·μ (Cai et al.'s bias input). Typically μ = mean key from calibration text.
  std::vector<double> key_offset;
  // Reads n_bits, n_rounds, n_window, n_sink, n_sparsity_skip_pos, key_offset from `s` and validates (ConfigError).
  static LshParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const LshParams&) const = default;
  void validate(const core::Section& s) const;
};

// This layer's slice of a flat (n_layers, n_kv_heads, head_dim) key offset, as float32 (empty if `flat` is empty);
// cfg.fail("key_offset", ...) (ConfigError) if its size is not n_layers * n_kv_heads * head_dim. Serves every
// unit that centres keys (lsh, cam).
std::vector<float> layer_key_offset(core::Section& cfg, const std::vector<double>& flat, int n_layers, int n_kv_heads,
                                    int head_dim, int layer);

// True iff some round's ids agree. q_ids, k_ids: (n_rounds).
inline bool same_bucket(const uint32_t* q_ids, const uint32_t* k_ids, int n_rounds) {
  for (int r = 0; r < n_rounds; ++r) {
    if (q_ids[r] == k_ids[r]) {
      return true;
    }
  }
  return false;
}

struct HeadInputs {
  ConstMatRef q;  // (n_new, head_dim), row t at absolute position q_pos0 + t
  int64_t q_pos0 = 0;
  float scale = 1.0f;                     // 1/sqrt(head_dim)
  const KvView* kv = nullptr;             // cached keys/values with positions (increasing)
  std::span<const uint32_t> q_ids;        // (n_new, n_rounds)
  std::span<const uint32_t> key_ids_pos;  // (max position + 1, n_rounds), indexed by absolute position
  int n_rounds = 1;
  int n_window = 0;
  int n_sink = 0;
};

// out: (n_new, head_dim); scores: scratch; n_attended, n_visible: (n_new) per-query counts (out).
void lsh_attention_head(const HeadInputs& in, MatRef out, Mat& scores, std::span<int64_t> n_attended,
                        std::span<int64_t> n_visible);

}  // namespace pimtx::arch::lsh
