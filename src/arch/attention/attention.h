// Pluggable attention core: softmax(q K^T * scale + causal mask) V for one layer and one kv head.
//
// Contract: one Attention instance per layer, built from an AttentionInit and its config section
// (`[arch.attention]`, `type` selects the unit); it may keep per-layer state across calls (e.g. hashes
// of the keys per position) and must clear it in reset(), which the engine calls at the start of every
// sequence (after the KV cache's reset()).
// For every forward pass (prefill of a block of n_new tokens, or one decode step with n_new = 1) the
// engine first appends the new keys/values to the layer's KV cache and then calls forward() once per
// kv head, kv_head = 0..n_kv_heads-1 in order, with an AttentionCall:
//   q          (n_new, group * head_dim): queries of the `group` = n_heads / n_kv_heads query heads that
//              share this kv head (query head kv_head*group + j in columns [j*head_dim, (j+1)*head_dim)),
//              row t is absolute position q_pos0 + t; already rotated (RoPE). Read-only.
//   kv         the cache's view for this kv head: ALL held keys/values of the sequence so far, including
//              the n_new just appended, with their absolute positions. Read-only.
//   out        (n_new, group * head_dim), same layout as q; the unit writes every element.
//   scale      1/sqrt(head_dim).
// Causality: a query at position p may only use keys at positions <= p (it always may use its own).
// The unit adds its work to `counts` (macs, bytes_read of K/V and q, kv_entries_read = number of
// (query head, key) pairs scored). Units with sparsity or other statistics keep them per layer and head
// and write them in write_stats() under `group` (e.g. /eval/attention/layer_0); the engine calls
// write_stats() once at the end of a run. Randomness: core::Rng(seed, "arch.attention.<name>", layer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/kv_cache/kv_cache.h"
#include "arch/op_counts.h"
#include "arch/tensor.h"
#include "core/config.h"
#include "core/registry.h"

namespace pimtx::io {
class ResultFile;
}

namespace pimtx::arch {

struct AttentionInit {
  int layer = 0;
  int n_layers = 0;
  int n_heads = 0;     // query heads
  int n_kv_heads = 0;  // key/value heads (n_heads % n_kv_heads == 0)
  int head_dim = 0;
  int max_seq_len = 0;
  uint64_t seed = 0;
};

struct AttentionCall {
  int layer = 0;
  int kv_head = 0;
  int group = 1;  // query heads per kv head
  int head_dim = 0;
  int64_t q_pos0 = 0;  // absolute position of q's first row
  float scale = 1.0f;
  ConstMatRef q;  // (n_new, group * head_dim)
  KvView kv;      // (n_held, head_dim) keys/values + positions
  MatRef out;     // (n_new, group * head_dim): the only thing the unit writes
};

class Attention {
 public:
  virtual ~Attention() = default;
  virtual void reset() = 0;
  virtual void forward(AttentionCall& call, OpCounts& counts) = 0;  // writes call.out only
  virtual void write_stats(io::ResultFile& /*file*/, const std::string& /*group*/) const {}
  // A named statistic of the unit since construction, for experiments that read it without knowing the unit
  // (e.g. lsh: "attended_frac" and "attended_frac_beyond" of query head `index`, one value; "key_mean" of kv
  // head `index`, head_dim values). Empty when the unit keeps no such statistic.
  [[nodiscard]] virtual std::vector<double> statistic(const std::string& /*name*/, int /*index*/) const { return {}; }
  // Calibration from data, the protocol of Linear (linear.h) and KvCache (e.g. cam's key centring offsets).
  [[nodiscard]] virtual int n_calibration_passes() const { return 0; }
  virtual void begin_calibration_pass(int /*pass*/) {}
  virtual void end_calibration_pass(int /*pass*/) {}
};

using AttentionRegistry = core::Registry<Attention, const AttentionInit&>;
const AttentionRegistry& attention_registry();

}  // namespace pimtx::arch
