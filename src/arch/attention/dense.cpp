#include "arch/attention/dense.h"

#include <cmath>
#include <limits>

namespace pimtx::arch {

DenseAttention::DenseAttention(core::Section& /*cfg*/, const AttentionInit& init) : init_(init) {}

void DenseAttention::forward(AttentionCall& call, OpCounts& counts) {
  const int64_t n_new = call.q.rows();
  const int64_t n_held = call.kv.keys.rows();
  const int hd = call.head_dim;
  const auto& pos = call.kv.positions;
  // Number of cached rows each query may see: keys at positions <= its own (positions increase).
  int64_t pairs = 0;
  for (int j = 0; j < call.group; ++j) {
    scores_.resize(n_new, n_held);
    // (n_new, hd) x (hd, n_held): all scores of this query head at once.
    scores_.noalias() = call.q.middleCols(j * hd, hd) * call.kv.keys.transpose();
    int64_t visible = 0;
    for (int64_t t = 0; t < n_new; ++t) {
      const int64_t p = call.q_pos0 + t;
      while (visible < n_held && pos[visible] <= p) {
        ++visible;
      }
      auto row = scores_.row(t);
      float max_s = -std::numeric_limits<float>::infinity();
      for (int64_t s = 0; s < visible; ++s) {
        row(s) *= call.scale;
        max_s = std::max(max_s, row(s));
      }
      float sum = 0.0f;
      for (int64_t s = 0; s < visible; ++s) {
        row(s) = std::exp(row(s) - max_s);
        sum += row(s);
      }
      const float inv = 1.0f / sum;
      for (int64_t s = 0; s < visible; ++s) {
        row(s) *= inv;
      }
      row.tail(n_held - visible).setZero();
      pairs += visible;
    }
    // (n_new, n_held) x (n_held, hd)
    call.out.middleCols(j * hd, hd).noalias() = scores_ * call.kv.values;
  }
  // q.k and p.v each cost head_dim MACs per visible pair.
  counts.macs += 2 * pairs * hd;
  counts.kv_entries_read += pairs;
  counts.bytes_read += 4 * (2 * n_held * hd + n_new * call.group * hd);
  counts.bytes_written += 4 * n_new * call.group * hd;
  counts.calls += 1;
}

}  // namespace pimtx::arch
