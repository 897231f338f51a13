// Perplexity evaluation and text generation on top of the Transformer engine.
//
// Contract: split_stories() splits a text on lines that are exactly "<|endoftext|>", strips each story
// of leading/trailing whitespace and drops empty ones. evaluate() encodes each story as BOS + text,
// truncates it to the model's context, prefills it in one forward pass and scores every next-token
// prediction (mean NLL in nats, top-1 accuracy); with max_tokens > 0 it stops after the story in which
// the count of predicted tokens reaches max_tokens. generate() continues a prompt greedily
// (temperature 0) or by sampling softmax(logits / temperature) with the given Rng, stopping at BOS/EOS
// or after max_new tokens or at the context end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/rng.h"

namespace pimtx::arch {

std::vector<std::string> split_stories(const std::string& text);

struct EvalResult {
  int64_t n_tokens = 0;  // predicted tokens
  int64_t n_correct = 0;
  double sum_nll = 0.0;  // nats
  int64_t n_stories = 0;
  std::vector<int64_t> story_tokens;  // (n_stories) predicted tokens per story
  std::vector<double> story_nll;      // (n_stories) summed NLL per story
  double seconds = 0.0;               // wall time of the forward passes and scoring

  [[nodiscard]] double mean_nll() const { return n_tokens > 0 ? sum_nll / static_cast<double>(n_tokens) : 0.0; }
  [[nodiscard]] double top1() const {
    return n_tokens > 0 ? static_cast<double>(n_correct) / static_cast<double>(n_tokens) : 0.0;
  }
};

// show_progress: draw a core::Progress bar over predicted tokens.
EvalResult evaluate(Transformer& engine, const Tokenizer& tok, const std::vector<std::string>& stories,
                    int64_t max_tokens, bool show_progress = true);

struct Generation {
  std::vector<int> tokens;  // prompt tokens (with BOS) followed by the generated ones
  int64_t n_prompt = 0;
  std::string text;  // decoded generated part (prompt included)
};

// temperature 0: greedy (first maximal logit). rng is used only when temperature > 0.
Generation generate(Transformer& engine, const Tokenizer& tok, const std::string& prompt, int64_t max_new,
                    double temperature, core::Rng& rng);

}  // namespace pimtx::arch
