#include "arch/attention/lsh_core.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <limits>

#include "arch/attention/lsh_planes.h"

namespace pimtx::arch::lsh {

std::vector<float> layer_key_offset(core::Section& cfg, const std::vector<double>& flat, int n_layers, int n_kv_heads,
                                    int head_dim, int layer) {
  std::vector<float> out;
  if (flat.empty()) {
    return out;
  }
  const size_t per_layer = static_cast<size_t>(n_kv_heads) * static_cast<size_t>(head_dim);
  if (flat.size() != per_layer * static_cast<size_t>(n_layers)) {
    cfg.fail("key_offset",
             fmt::format("has {} values; need n_layers * n_kv_heads * head_dim = {} * {} * {} = {}", flat.size(),
                         n_layers, n_kv_heads, head_dim, per_layer * static_cast<size_t>(n_layers)));
  }
  const size_t o = per_layer * static_cast<size_t>(layer);
  for (size_t i = 0; i < per_layer; ++i) {
    out.push_back(static_cast<float>(flat[o + i]));
  }
  return out;
}

LshParams LshParams::from_config(core::Section& s) {
  LshParams p;
  // Wide ranges here so that validate() gives the specific messages for bits and rounds.
  p.n_bits = static_cast<int>(s.get_int("n_bits", p.n_bits, core::Range::closed(-1e6, 1e6)));
  p.n_rounds = static_cast<int>(s.get_int("n_rounds", p.n_rounds, core::Range::closed(-1e6, 1e6)));
  p.n_window = static_cast<int>(s.get_int("n_window", p.n_window, core::Range::closed(0, 1e9)));
  p.n_sink = static_cast<int>(s.get_int("n_sink", p.n_sink, core::Range::closed(0, 1e9)));
  p.n_sparsity_skip_pos =
      static_cast<int>(s.get_int("n_sparsity_skip_pos", p.n_sparsity_skip_pos, core::Range::closed(0, 1e9)));
  p.key_offset = s.get_double_array("key_offset", {});
  p.validate(s);
  return p;
}

void LshParams::to_config(core::Section& s) const {
  s.set_int("n_bits", n_bits);
  s.set_int("n_rounds", n_rounds);
  s.set_int("n_window", n_window);
  s.set_int("n_sink", n_sink);
  s.set_int("n_sparsity_skip_pos", n_sparsity_skip_pos);
  s.set_double_array("key_offset", key_offset);
}

void LshParams::validate(const core::Section& s) const {
  if (n_bits < 0 || n_bits > k_max_bits) {
    s.fail("n_bits", fmt::format("= {}: must be in [0, {}] (2^n_bits buckets; 0 = one bucket = dense attention)",
                                 n_bits, k_max_bits));
  }
  if (n_rounds < 1) {
    s.fail("n_rounds", fmt::format("= {}: must be >= 1 (at least one hash round)", n_rounds));
  }
}

void lsh_attention_head(const HeadInputs& in, MatRef out, Mat& scores, std::span<int64_t> n_attended,
                        std::span<int64_t> n_visible) {
  const KvView& kv = *in.kv;
  const int64_t n_new = in.q.rows();
  const int64_t n_held = kv.keys.rows();
  const auto& pos = kv.positions;
  const auto nr = static_cast<size_t>(in.n_rounds);
  scores.resize(n_new, n_held);
  // (n_new, hd) x (hd, n_held): all scores at once, as the dense unit does.
  scores.noalias() = in.q * kv.keys.transpose();
  int64_t visible = 0;
  for (int64_t t = 0; t < n_new; ++t) {
    const int64_t p = in.q_pos0 + t;
    while (visible < n_held && pos[visible] <= p) {
      ++visible;
    }
    const uint32_t* qid = in.q_ids.data() + static_cast<size_t>(t) * nr;
    auto row = scores.row(t);
    // Select: same bucket in some round, inside the local window, or the query's own position.
    float max_s = -std::numeric_limits<float>::infinity();
    int64_t attended = 0;
    for (int64_t s = 0; s < visible; ++s) {
      const int64_t j = pos[s];
      const bool hit = j == p || p - j < in.n_window || j < in.n_sink ||
                       same_bucket(qid, in.key_ids_pos.data() + static_cast<size_t>(j) * nr, in.n_rounds);
      if (hit) {
        row(s) *= in.scale;
        max_s = std::max(max_s, row(s));
        ++attended;
      } else {
        row(s) = -std::numeric_limits<float>::infinity();  // marks "not selected"; becomes exactly 0 below
      }
    }
    // Softmax over the selected set only.
    float sum = 0.0f;
    for (int64_t s = 0; s < visible; ++s) {
      if (row(s) == -std::numeric_limits<float>::infinity()) {
        row(s) = 0.0f;
      } else {
        row(s) = std::exp(row(s) - max_s);
        sum += row(s);
      }
    }
    const float inv = 1.0f / sum;
    for (int64_t s = 0; s < visible; ++s) {
      row(s) *= inv;
    }
    row.tail(n_held - visible).setZero();
    n_attended[static_cast<size_t>(t)] = attended;
    n_visible[static_cast<size_t>(t)] = visible;
  }
  // (n_new, n_held) x (n_held, hd); unselected keys carry probability exactly 0.
  out.noalias() = scores * kv.values;
}

}  // namespace pimtx::arch::lsh
