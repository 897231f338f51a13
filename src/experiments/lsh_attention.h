// Experiment "lsh_attention" (issue 6): LSH attention on passive memristor crossbars, end to end. Runs hash bits ×
// rounds × seeds × plane source (software Gaussian planes, memristive planes, ...) on a llama2.c checkpoint over a
// text of stories beside the dense and window-only references, and measures each source's hash-collision
// probability against 1 − θ/π. Everything goes into /lsh_attention (layout: experiments/lsh_attention/README.md).
//
// One point of the grid is a config with one value in n_bits and n_rounds and n_seeds = 1: the figure's sweep file
// (experiments/lsh_attention/figure.toml) drives the grid through `pimtx sweep`, one point per (bits, rounds, seed);
// a single `pimtx run` with lists runs the same grid in one process (the default job) and gives the same numbers.
//
// Config ([lsh_attention]; see experiments/lsh_attention/config.toml), read by LshAttentionParams::from_config:
//   model, tokenizer, text        paths (relative to the config file)
//   max_tokens                    predicted tokens per run (0 = whole text; stops after the story reaching it)
//   n_bits, n_rounds              arrays: the grid (one value each for one sweep point)
//   n_window, n_sink,
//   n_sparsity_skip_pos           passed to every lsh run
//   sources                       names of tables [lsh_attention.planes.<name>]: each is an
//                                 [arch.attention.planes] table (type = gaussian | quantized | memristive, ...),
//                                 read by the plane source it names, not by these params
//   center_keys, n_calibration_stories  hash k − μ, μ = mean key over the text's last n stories (not evaluated)
//   n_seeds                       seeds seed .. seed+n_seeds-1 per setting (new planes / devices each)
//   collision_theta_rad, n_collision_pairs, n_collision_slots, n_collision_bits, n_collision_rounds
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"

namespace pimtx::experiments {

struct LshAttentionParams {
  std::string model;      // llama2.c checkpoint (path as resolved)
  std::string tokenizer;  // its tokenizer
  std::string text;       // stories separated by <|endoftext|> lines
  int64_t max_tokens = 2000;
  std::vector<int64_t> n_bits = {2, 4, 6};    // sign bits per round (0..16)
  std::vector<int64_t> n_rounds = {1, 2, 4};  // hash rounds (1..1024)
  int64_t n_window = 0;
  int64_t n_sink = 0;
  int64_t n_sparsity_skip_pos = 64;
  std::vector<std::string> sources = {"software", "memristive"};
  bool center_keys = true;
  int64_t n_calibration_stories = 100;
  int64_t n_seeds = 1;
  std::vector<double> collision_theta_rad = {0.1, 0.3, 0.5, 0.8, 1.1, 1.4, 1.5708, 1.8, 2.1, 2.4, 2.7, 3.0};
  int64_t n_collision_pairs = 200;
  int64_t n_collision_slots = 8;
  int64_t n_collision_bits = 8;
  int64_t n_collision_rounds = 4;

  // Reads every key above from the [lsh_attention] table `s` (not its [planes] tables) and validates (ConfigError
  // naming the key).
  static LshAttentionParams from_config(core::Section& s);
  // The inverse: writes every key above into `s`, so from_config(to_config(p)) == p.
  void to_config(core::Section& s) const;
  void validate(const core::Section& s) const;
  bool operator==(const LshAttentionParams&) const = default;
};

}  // namespace pimtx::experiments
