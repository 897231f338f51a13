#include "arch/kv_cache/full.h"

#include <fmt/format.h>

#include <numeric>

#include "core/errors.h"

namespace pimtx::arch {

FullKvCache::FullKvCache(core::Section& /*cfg*/, const KvCacheInit& init) : init_(init) {
  keys_.assign(init.n_kv_heads, Mat::Zero(init.max_seq_len, init.head_dim));
  values_.assign(init.n_kv_heads, Mat::Zero(init.max_seq_len, init.head_dim));
  positions_.resize(init.max_seq_len);
  std::iota(positions_.begin(), positions_.end(), int64_t{0});
}

void FullKvCache::append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) {
  const int64_t n_new = k.rows();
  if (pos0 != n_ || pos0 + n_new > init_.max_seq_len) {
    throw NumericError(fmt::format("kv_cache layer {}: append at position {} of {} tokens, cache holds {} of {}",
                                   init_.layer, pos0, n_new, n_, init_.max_seq_len));
  }
  const int hd = init_.head_dim;
  for (int h = 0; h < init_.n_kv_heads; ++h) {
    keys_[h].middleRows(pos0, n_new) = k.middleCols(h * hd, hd);
    values_[h].middleRows(pos0, n_new) = v.middleCols(h * hd, hd);
  }
  n_ = pos0 + n_new;
  counts.kv_entries_stored += n_new * init_.n_kv_heads;
  counts.bytes_written += 2 * 4 * n_new * init_.n_kv_heads * hd;
  counts.calls += 1;
}

KvView FullKvCache::view(int kv_head) const {
  return KvView{.keys = keys_[kv_head].topRows(n_),
                .values = values_[kv_head].topRows(n_),
                .positions = std::span<const int64_t>(positions_.data(), static_cast<size_t>(n_))};
}

}  // namespace pimtx::arch
