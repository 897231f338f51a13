// Transformer checkpoint in memory: architecture description plus float32 weights.
//
// Contract: load_model() returns a validated Model or throws. Missing, unreadable or truncated files ->
// IoError; a file of the wrong kind (bad magic, unsupported version or dtype, shapes that disagree with
// the header/config.json) -> ConfigError. Messages name the file and what mismatched.
// Weight matrices are (out, in) row-major, as y = W x. Llama and GPT-2 share one layout: GPT-2's
// fused c_attn is kept fused as wqkv (3*dim, dim) and its Conv1D weights are transposed at load.
#pragma once

#include <string>
#include <vector>

#include "arch/tensor.h"

namespace pimtx::arch {

enum class Family { llama, gpt2 };
// RoPE pairing: llama2.c rotates adjacent pairs (2i, 2i+1); Hugging Face Llama rotates (i, i+head_dim/2).
enum class RopeStyle { adjacent, half };

struct ModelConfig {
  Family family = Family::llama;
  int dim = 0;
  int hidden_dim = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab_size = 0;
  int seq_len = 0;  // maximum context
  float norm_eps = 1e-5f;
  double rope_theta = 10000.0;
  RopeStyle rope_style = RopeStyle::adjacent;
  bool shared_classifier = true;
  std::string format;  // "llama2c_v0", "llama2c_v1", "llama2c_v2_q80", "hf_safetensors"

  [[nodiscard]] int head_dim() const { return dim / n_heads; }
  [[nodiscard]] int kv_dim() const { return head_dim() * n_kv_heads; }
  // ConfigError naming `source` if the numbers are inconsistent (non-positive, dim % n_heads, ...).
  void validate(const std::string& source) const;
};

struct LayerWeights {
  Vec attn_norm, attn_norm_bias;  // (dim); bias only for GPT-2 LayerNorm
  Mat wq, wk, wv;                 // (dim, dim), (kv_dim, dim), (kv_dim, dim): Llama
  Mat wqkv;                       // (3*dim, dim): GPT-2 fused c_attn
  Vec bqkv;                       // (3*dim): GPT-2
  Mat wo;                         // (dim, dim)
  Vec bo;                         // (dim): GPT-2
  Vec ffn_norm, ffn_norm_bias;    // (dim)
  Mat w1;                         // (hidden, dim): Llama gate / GPT-2 c_fc
  Vec b1;                         // (hidden): GPT-2
  Mat w2;                         // (dim, hidden): down / c_proj
  Vec b2;                         // (dim): GPT-2
  Mat w3;                         // (hidden, dim): Llama up
};

struct Model {
  ModelConfig config;
  std::string path;
  Mat tok_emb;                       // (vocab, dim)
  Mat pos_emb;                       // (seq_len, dim): GPT-2 learned positions
  std::vector<LayerWeights> layers;  // (n_layers)
  Vec final_norm, final_norm_bias;   // (dim)
  Mat classifier;                    // (vocab, dim); empty if shared with tok_emb

  [[nodiscard]] const Mat& classifier_weight() const { return config.shared_classifier ? tok_emb : classifier; }
};

// Dispatch on the file: a directory, config.json or *.safetensors -> Hugging Face; "ak42" magic ->
// llama2.c version 1/2; otherwise llama2.c legacy version 0.
Model load_model(const std::string& path);

Model load_llama2c(const std::string& path);
// `path`: the model directory, its config.json or its model.safetensors (the other file is beside it).
Model load_hf(const std::string& path);

}  // namespace pimtx::arch
