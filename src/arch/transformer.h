// The transformer engine: Llama (RMSNorm, RoPE, GQA, SwiGLU) and GPT-2 (LayerNorm, learned positions,
// GELU-tanh, fused QKV) blocks in float32, with pluggable linear / attention / kv_cache operators.
//
// Contract: a Transformer borrows a Model (which must outlive it) and builds its operators from the
// config section `arch` ([arch.linear], [arch.attention], [arch.kv_cache], each with `type`; defaults
// digital / dense / full). reset() starts a new sequence. forward(tokens) feeds tokens at positions
// pos() .. pos()+n-1 in one pass (prefill when n > 1, a decode step when n == 1) and returns logits:
// (n, vocab) if all_logits, else (1, vocab) for the last token only. Row i predicts the token after
// tokens[i]. pos() + n must not exceed the model's context (NumericError). Operation counts accumulate
// across sequences until clear_counts(). Deterministic: same model, config and seed -> same logits.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "arch/attention/attention.h"
#include "arch/kv_cache/kv_cache.h"
#include "arch/linear/linear.h"
#include "arch/model.h"
#include "arch/op_counts.h"

namespace pimtx::io {
class ResultFile;
}

namespace pimtx::arch {

class Transformer {
 public:
  Transformer(const Model& model, core::Section arch_cfg, uint64_t seed);
  ~Transformer();

  void reset();
  // Calibration of the units that set parameters from data (linear.h's protocol; linear layers, then each layer's
  // KV cache and attention, e.g. crossbar DAC/ADC ranges, cpq thresholds, cam key offsets): for each pass any unit
  // asks for, begin the pass on every unit,
  // call run_text() (which feeds calibration text through forward()), end the pass; then reset() and
  // clear_counts(). Returns the number of passes run (0: no unit needs calibration, run_text not called).
  int calibrate(const std::function<void()>& run_text);
  const Mat& forward(std::span<const int> tokens, bool all_logits = true);
  [[nodiscard]] int64_t pos() const { return pos_; }
  [[nodiscard]] const ModelConfig& config() const { return model_.config; }

  // (n_layers + 1) entries; the last one is the classifier.
  [[nodiscard]] const std::vector<LayerCounts>& counts() const { return counts_; }
  void clear_counts();
  // /<group>/op_counts/{linear,attention,kv_cache}/<field> (n_layers + 1), plus each unit's own stats
  // under /<group>/units/layer_<i>/<slot>.
  void write_results(io::ResultFile& file, const std::string& group) const;
  // The attention unit of a layer (e.g. for an experiment to read a unit's statistics in memory).
  [[nodiscard]] const Attention& attention(int layer) const { return *ops_.at(static_cast<size_t>(layer)).attention; }
  // The KV cache unit of a layer (e.g. to read a compressed cache's calibration statistics).
  [[nodiscard]] const KvCache& kv_cache(int layer) const { return *ops_.at(static_cast<size_t>(layer)).cache; }

 private:
  struct LayerOps {
    std::unique_ptr<Linear> wq, wk, wv, wqkv, wo, w1, w2, w3;
    std::unique_ptr<KvCache> cache;
    std::unique_ptr<Attention> attention;
  };
  void norm(const Vec& w, const Vec& b, const Mat& in, Mat& out) const;
  void rope(Mat& x, int n_heads_in_x) const;
  void linear(Linear& op, const char* role, const Mat& in, Mat& out, LayerCounts& cnt) const;

  const Model& model_;
  std::vector<LayerOps> ops_;
  std::unique_ptr<Linear> classifier_;
  std::vector<LayerCounts> counts_;
  int64_t pos_ = 0;
  Mat rope_cos_, rope_sin_;  // (seq_len, head_dim/2)
  // Scratch (n_tokens, *), resized per call.
  Mat x_, h_, q_, k_, v_, qkv_, att_, o_, f1_, f3_, logits_;
};

}  // namespace pimtx::arch
