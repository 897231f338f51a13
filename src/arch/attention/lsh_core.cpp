#include "arch/attention/lsh_core.h"

#include <cassert>
#include <cmath>

#include "arch/attention/lsh_planes.h"

namespace pimtx::arch::lsh {

LshParams LshParams::from_config(core::Section& s) {
  LshParams p;
  // Read without range first so validate() can give the specific messages.
  p.n_bits = static_cast<int>(s.get_int("n_bits", p.n_bits, core::Range::closed(-1e9, 1e9)));
  p.n_rounds = static_cast<int>(s.get_int("n_rounds", p.n_rounds, core::Range::closed(-1e9, 1e9)));
  p.n_window = static_cast<int>(s.get_int("n_window", p.n_window, core::Range::closed(0, 1e9)));
  p.n_sparsity_skip_pos =
      static_cast<int>(s.get_int("n_sparsity_skip_pos", p.n_sparsity_skip_pos, core::Range::closed(0, 1e9)));
  p.validate(s);
  return p;
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

void select_keys(std::span<const uint32_t> q_ids, std::span<const uint32_t> key_ids, int n_keys, int n_rounds,
                 int n_window, std::vector<int>& selected) {
  assert(q_ids.size() == static_cast<size_t>(n_rounds));
  assert(key_ids.size() >= static_cast<size_t>(n_keys) * static_cast<size_t>(n_rounds));
  selected.clear();
  const int t = n_keys - 1;
  const int first_window = t - n_window + 1;  // keys j >= first_window are in the local window
  for (int j = 0; j < n_keys; ++j) {
    bool hit = j == t || j >= first_window;
    const uint32_t* kid = key_ids.data() + static_cast<size_t>(j) * static_cast<size_t>(n_rounds);
    for (int r = 0; r < n_rounds && !hit; ++r) {
      hit = kid[r] == q_ids[static_cast<size_t>(r)];
    }
    if (hit) {
      selected.push_back(j);
    }
  }
}

void attend_selected(std::span<const float> q, ConstMatRef keys, ConstMatRef values, std::span<const int> selected,
                     std::span<float> out, std::vector<float>& att) {
  const auto head_size = static_cast<int>(q.size());
  const size_t n = selected.size();
  att.resize(n);
  // Scores, as llama2.c: float dot product over the head, divided by sqrt(head_size).
  const float scale = std::sqrt(static_cast<float>(head_size));
  for (size_t s = 0; s < n; ++s) {
    const float* k = keys.row(selected[s]).data();
    float score = 0.0f;
    for (int i = 0; i < head_size; ++i) {
      score += q[static_cast<size_t>(i)] * k[i];
    }
    att[s] = score / scale;
  }
  // Softmax over the selected set only (max-subtracted, then normalised by its own sum).
  float max_val = att.empty() ? 0.0f : att[0];
  for (size_t s = 1; s < n; ++s) {
    max_val = std::max(max_val, att[s]);
  }
  float sum = 0.0f;
  for (size_t s = 0; s < n; ++s) {
    att[s] = std::exp(att[s] - max_val);
    sum += att[s];
  }
  for (size_t s = 0; s < n; ++s) {
    att[s] /= sum;
  }
  // Weighted sum of the selected values.
  std::fill(out.begin(), out.end(), 0.0f);
  for (size_t s = 0; s < n; ++s) {
    const float* v = values.row(selected[s]).data();
    const float a = att[s];
    for (int i = 0; i < head_size; ++i) {
      out[static_cast<size_t>(i)] += a * v[i];
    }
  }
}

int lsh_attend(std::span<const float> q, ConstMatRef keys, ConstMatRef values, std::span<const uint32_t> q_ids,
               std::span<const uint32_t> key_ids, int n_rounds, int n_window, std::span<float> out, LshScratch& s) {
  const auto n_keys = static_cast<int>(keys.rows());
  select_keys(q_ids, key_ids, n_keys, n_rounds, n_window, s.selected);
  attend_selected(q, keys, values, s.selected, out, s.att);
  return static_cast<int>(s.selected.size());
}

}  // namespace pimtx::arch::lsh
