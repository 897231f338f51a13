// `full` KV cache: keeps every key/value of the sequence exactly (float32), per kv head contiguous
// (max_seq_len, head_dim) so attention reads it with unit stride, as llama2.c's key_cache does per layer.
#pragma once

#include <vector>

#include "arch/kv_cache/kv_cache.h"

namespace pimtx::arch {

class FullKvCache final : public KvCache {
 public:
  FullKvCache(core::Section& cfg, const KvCacheInit& init);
  void reset() override { n_ = 0; }
  void append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) override;
  [[nodiscard]] KvView view(int kv_head) const override;
  [[nodiscard]] int64_t n_positions() const override { return n_; }

 private:
  KvCacheInit init_;
  std::vector<Mat> keys_;           // n_kv_heads x (max_seq_len, head_dim)
  std::vector<Mat> values_;         // n_kv_heads x (max_seq_len, head_dim)
  std::vector<int64_t> positions_;  // (max_seq_len) 0, 1, 2, ...
  int64_t n_ = 0;
};

}  // namespace pimtx::arch
