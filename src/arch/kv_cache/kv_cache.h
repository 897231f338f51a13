// Pluggable key/value cache of one transformer layer.
//
// Contract: one KvCache instance per layer, built from a KvCacheInit and its config section
// (`[arch.kv_cache]`, `type` selects the unit). The engine calls
//   reset()                       at the start of every sequence (drops all entries),
//   append(pos0, k, v, counts)    after computing the new tokens' keys/values: k and v are
//                                 (n_new, n_kv_heads * head_dim), row i belongs to absolute position
//                                 pos0 + i, head h in columns [h*head_dim, (h+1)*head_dim); positions are
//                                 appended in order without gaps (pos0 == number of positions appended
//                                 since reset()). Keys arrive already rotated (RoPE).
//   view(kv_head)                 what attention may read for one kv head: `keys` and `values` are
//                                 (n_held, head_dim) and `positions` (n_held) gives the absolute position
//                                 of each row, increasing. A full cache holds every position 0..pos0+n_new-1;
//                                 a pruned or compressed cache may hold fewer rows or lossy values.
// A view stays valid until the next append() or reset(). Attention units must not write through it.
// append() adds kv_entries_stored = n_new * n_kv_heads and the bytes written to `counts`.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "arch/op_counts.h"
#include "arch/tensor.h"
#include "core/config.h"
#include "core/registry.h"

namespace pimtx::io {
class ResultFile;
}

namespace pimtx::arch {

class GainCellKvCache;

struct KvCacheInit {
  int layer = 0;
  int n_layers = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int max_seq_len = 0;  // positions per sequence (the model's context)
  uint64_t seed = 0;
};

// Read-only view of one kv head's cached keys and values.
struct KvView {
  ConstMatRef keys;                    // (n_held, head_dim)
  ConstMatRef values;                  // (n_held, head_dim)
  std::span<const int64_t> positions;  // (n_held) absolute positions, increasing
  // Set by the `gain_cell` cache only: its stored voltages, for the `gain_cell` attention unit's analog reads.
  const GainCellKvCache* gain_cell = nullptr;
};

class KvCache {
 public:
  virtual ~KvCache() = default;
  virtual void reset() = 0;
  virtual void append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) = 0;
  [[nodiscard]] virtual KvView view(int kv_head) const = 0;
  [[nodiscard]] virtual int64_t n_positions() const = 0;  // positions appended since reset()
  virtual void write_stats(io::ResultFile& /*file*/, const std::string& /*group*/) const {}
  // A named statistic of the unit since construction, for code that reads it without knowing the unit (as
  // Attention::statistic; e.g. gain_cell in exact mode: "key_range" / "value_range" of kv head `index`, {min, max};
  // "key_samples" / "value_samples", its reservoir of written elements). Empty when the unit keeps no such statistic.
  [[nodiscard]] virtual std::vector<double> statistic(const std::string& /*name*/, int /*index*/) const { return {}; }
  // Calibration from data, the protocol of Linear (linear.h): a unit that sets parameters from calibration text
  // (e.g. cpq's prune thresholds) returns n_calibration_passes() > 0; Transformer::calibrate() then brackets each
  // pass of the text with begin/end_calibration_pass(p) and finally calls reset().
  [[nodiscard]] virtual int n_calibration_passes() const { return 0; }
  virtual void begin_calibration_pass(int /*pass*/) {}
  virtual void end_calibration_pass(int /*pass*/) {}
};

using KvCacheRegistry = core::Registry<KvCache, const KvCacheInit&>;
const KvCacheRegistry& kv_cache_registry();

}  // namespace pimtx::arch
