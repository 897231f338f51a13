// LSH sparse attention kernel (issue 6), independent of the engine and of where the hash bits come from.
//
// Contract: for one query at position t and the cached keys/values of positions 0..t (causal by
// construction: the caller passes only those), the query attends to key j iff
//   (a) some round r has bucket(q, r) == bucket(k_j, r)   (union over rounds), or
//   (b) t - j < n_window                                   (local window; 0 = none), or
//   (c) j == t                                             (always itself, so the set is never empty).
// Scores q·k_j / sqrt(head_size) are softmax-normalised exactly over that set (one set, so a key found by
// several rounds counts once), and the output is the weighted sum of the selected values. The arithmetic is
// llama2.c's dense attention restricted to the selected keys in increasing j, in float32: with every key
// selected it performs the same operations in the same order as dense attention.
// Nothing but `out` and the scratch buffers is written.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "arch/tensor.h"
#include "core/config.h"

namespace pimtx::arch::lsh {

struct LshParams {
  int n_bits = 4;               // sign bits per round: 2^n_bits buckets (0 = one bucket = dense)
  int n_rounds = 2;             // hash rounds (tables); union of their buckets
  int n_window = 0;             // always attend the n_window most recent keys (incl. itself); 0 = none
  int n_sparsity_skip_pos = 64; // sparsity "beyond" statistic averages positions t >= this
  // Reads n_bits, n_rounds, n_window, n_sparsity_skip_pos from `s` and validates (ConfigError).
  static LshParams from_config(core::Section& s);
  void validate(const core::Section& s) const;
};

struct LshScratch {
  std::vector<int> selected;
  std::vector<float> att;
};

// Indices j in [0, n_keys) the query at position n_keys - 1 attends to (see Contract), increasing.
// q_ids: (n_rounds); key_ids: (n_keys, n_rounds) row-major.
void select_keys(std::span<const uint32_t> q_ids, std::span<const uint32_t> key_ids, int n_keys, int n_rounds,
                 int n_window, std::vector<int>& selected);

// Softmax attention of q over the selected rows of keys/values: out = Σ softmax(q·k_j/√d) v_j.
// q, out: (head_size); keys, values: (n_keys, head_size).
void attend_selected(std::span<const float> q, ConstMatRef keys, ConstMatRef values, std::span<const int> selected,
                     std::span<float> out, std::vector<float>& att);

// select_keys + attend_selected; returns the number of attended keys.
int lsh_attend(std::span<const float> q, ConstMatRef keys, ConstMatRef values, std::span<const uint32_t> q_ids,
               std::span<const uint32_t> key_ids, int n_rounds, int n_window, std::span<float> out, LshScratch& s);

}  // namespace pimtx::arch::lsh
