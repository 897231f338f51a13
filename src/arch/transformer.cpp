// Forward pass in the order of llama2.c run.c transformer() (Llama) and GPT-2's modeling code, one
// comment per step. Every matrix product goes through a Linear unit and attention through the
// Attention/KvCache units, so replacing a unit changes the arithmetic but not the model.
#include "arch/transformer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "core/errors.h"
#include "io/h5.h"

namespace pimtx::arch {

Transformer::Transformer(const Model& model, core::Section arch_cfg, uint64_t seed) : model_(model) {
  const ModelConfig& c = model.config;
  core::Section lin_cfg = arch_cfg.section("linear");
  core::Section att_cfg = arch_cfg.section("attention");
  core::Section kv_cfg = arch_cfg.section("kv_cache");
  const auto& lreg = linear_registry();
  auto make_linear = [&](const std::string& role, int layer, const Mat& w) -> std::unique_ptr<Linear> {
    if (w.size() == 0) {
      return nullptr;
    }
    return lreg.create(lin_cfg, "digital", LinearInit{.role = role, .layer = layer, .weight = w, .seed = seed});
  };
  ops_.resize(c.n_layers);
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& w = model.layers[l];
    LayerOps& o = ops_[l];
    o.wq = make_linear("wq", l, w.wq);
    o.wk = make_linear("wk", l, w.wk);
    o.wv = make_linear("wv", l, w.wv);
    o.wqkv = make_linear("wqkv", l, w.wqkv);
    o.wo = make_linear("wo", l, w.wo);
    o.w1 = make_linear("w1", l, w.w1);
    o.w2 = make_linear("w2", l, w.w2);
    o.w3 = make_linear("w3", l, w.w3);
    o.cache = kv_cache_registry().create(kv_cfg, "full",
                                         KvCacheInit{.layer = l,
                                                     .n_layers = c.n_layers,
                                                     .n_kv_heads = c.n_kv_heads,
                                                     .head_dim = c.head_dim(),
                                                     .max_seq_len = c.seq_len,
                                                     .seed = seed});
    o.attention = attention_registry().create(att_cfg, "dense",
                                              AttentionInit{.layer = l,
                                                            .n_layers = c.n_layers,
                                                            .n_heads = c.n_heads,
                                                            .n_kv_heads = c.n_kv_heads,
                                                            .head_dim = c.head_dim(),
                                                            .max_seq_len = c.seq_len,
                                                            .seed = seed});
  }
  classifier_ = make_linear("classifier", c.n_layers, model.classifier_weight());
  counts_.resize(c.n_layers + 1);
  if (c.family == Family::llama) {
    // RoPE angles pos * theta^(-2i/head_dim), in double then rounded once to float.
    const int half = c.head_dim() / 2;
    rope_cos_.resize(c.seq_len, half);
    rope_sin_.resize(c.seq_len, half);
    for (int p = 0; p < c.seq_len; ++p) {
      for (int i = 0; i < half; ++i) {
        const double freq = std::pow(c.rope_theta, -2.0 * i / c.head_dim());
        rope_cos_(p, i) = static_cast<float>(std::cos(p * freq));
        rope_sin_(p, i) = static_cast<float>(std::sin(p * freq));
      }
    }
  }
}

Transformer::~Transformer() = default;

void Transformer::reset() {
  pos_ = 0;
  for (auto& o : ops_) {
    o.cache->reset();
    o.attention->reset();
  }
}

int Transformer::calibrate(const std::function<void()>& run_text) {
  // Every unit that may calibrate (Linear, KvCache and Attention share the protocol): linear layers first, in layer
  // order, then each layer's cache and attention.
  auto each_unit = [this](auto&& f) {
    for (auto& o : ops_) {
      for (Linear* u :
           {o.wq.get(), o.wk.get(), o.wv.get(), o.wqkv.get(), o.wo.get(), o.w1.get(), o.w2.get(), o.w3.get()}) {
        if (u != nullptr) {
          f(*u);
        }
      }
    }
    f(*classifier_);
    for (auto& o : ops_) {
      f(*o.cache);
      f(*o.attention);
    }
  };
  int n_passes = 0;
  each_unit([&n_passes](auto& u) { n_passes = std::max(n_passes, u.n_calibration_passes()); });
  for (int p = 0; p < n_passes; ++p) {
    each_unit([p](auto& u) { u.begin_calibration_pass(p); });
    run_text();
    each_unit([p](auto& u) { u.end_calibration_pass(p); });
  }
  reset();
  clear_counts();
  return n_passes;
}

void Transformer::clear_counts() { counts_.assign(counts_.size(), LayerCounts{}); }

void Transformer::linear(Linear& op, const char* role, const Mat& in, Mat& out, LayerCounts& cnt) const {
  out.resize(in.rows(), op.out_features());
  OpCounts c;
  op.forward(in, out, c);
  cnt.linear += c;
  cnt.linear_roles[role] += c;
}

void Transformer::norm(const Vec& w, const Vec& b, const Mat& in, Mat& out) const {
  const float eps = model_.config.norm_eps;
  const auto n = static_cast<float>(in.cols());
  out.resize(in.rows(), in.cols());
  for (int64_t t = 0; t < in.rows(); ++t) {
    if (model_.config.family == Family::llama) {
      // RMSNorm: x / sqrt(mean(x^2) + eps) * w
      const float inv = 1.0f / std::sqrt(in.row(t).squaredNorm() / n + eps);
      out.row(t) = (in.row(t) * inv).cwiseProduct(w.transpose());
    } else {
      // LayerNorm: (x - mean) / sqrt(var + eps) * w + b (biased variance, as PyTorch)
      const float mean = in.row(t).sum() / n;
      const auto centered = (in.row(t).array() - mean).matrix();
      const float inv = 1.0f / std::sqrt(centered.squaredNorm() / n + eps);
      out.row(t) = (centered * inv).cwiseProduct(w.transpose()) + b.transpose();
    }
  }
}

void Transformer::rope(Mat& x, int n_heads_in_x) const {
  const int hd = model_.config.head_dim();
  const int half = hd / 2;
  const bool adjacent = model_.config.rope_style == RopeStyle::adjacent;
  for (int64_t t = 0; t < x.rows(); ++t) {
    const int64_t p = pos_ + t;
    float* row = x.row(t).data();
    for (int h = 0; h < n_heads_in_x; ++h) {
      float* v = row + h * hd;
      for (int i = 0; i < half; ++i) {
        const float c = rope_cos_(p, i), s = rope_sin_(p, i);
        // adjacent: pairs (2i, 2i+1) (llama2.c); half: pairs (i, i+hd/2) (Hugging Face rotate_half).
        const int a = adjacent ? 2 * i : i;
        const int b = adjacent ? 2 * i + 1 : i + half;
        const float v0 = v[a], v1 = v[b];
        v[a] = v0 * c - v1 * s;
        v[b] = v0 * s + v1 * c;
      }
    }
  }
}

const Mat& Transformer::forward(std::span<const int> tokens, bool all_logits) {
  const ModelConfig& c = model_.config;
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0 || pos_ + n > c.seq_len) {
    throw NumericError(
        fmt::format("forward: {} tokens at position {} exceed the model's context of {}", n, pos_, c.seq_len));
  }
  const int hd = c.head_dim();
  const int group = c.n_heads / c.n_kv_heads;
  const bool gpt2 = c.family == Family::gpt2;
  // Token embeddings (+ learned positions for GPT-2): x (n, dim)
  x_.resize(n, c.dim);
  for (int64_t t = 0; t < n; ++t) {
    const int id = tokens[t];
    if (id < 0 || id >= c.vocab_size) {
      throw NumericError(fmt::format("forward: token id {} outside the vocabulary (size {})", id, c.vocab_size));
    }
    x_.row(t) = model_.tok_emb.row(id);
    if (gpt2) {
      x_.row(t) += model_.pos_emb.row(pos_ + t);
    }
  }
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& w = model_.layers[l];
    LayerOps& o = ops_[l];
    LayerCounts& cnt = counts_[l];
    // Attention norm: h = norm(x)
    norm(w.attn_norm, w.attn_norm_bias, x_, h_);
    // Projections q (n, dim), k and v (n, kv_dim)
    if (gpt2) {
      linear(*o.wqkv, "wqkv", h_, qkv_, cnt);
      qkv_.rowwise() += w.bqkv.transpose();
      q_ = qkv_.leftCols(c.dim);
      k_ = qkv_.middleCols(c.dim, c.dim);
      v_ = qkv_.rightCols(c.dim);
    } else {
      linear(*o.wq, "wq", h_, q_, cnt);
      linear(*o.wk, "wk", h_, k_, cnt);
      linear(*o.wv, "wv", h_, v_, cnt);
      // RoPE on queries and keys
      rope(q_, c.n_heads);
      rope(k_, c.n_kv_heads);
    }
    // KV cache append, then attention per kv head over the whole cached sequence: att (n, dim)
    o.cache->append(pos_, k_, v_, cnt.kv_cache);
    att_.resize(n, c.dim);
    for (int kvh = 0; kvh < c.n_kv_heads; ++kvh) {
      const int64_t col0 = int64_t{kvh} * group * hd;
      AttentionCall call{.layer = l,
                         .kv_head = kvh,
                         .group = group,
                         .head_dim = hd,
                         .q_pos0 = pos_,
                         .scale = 1.0f / std::sqrt(static_cast<float>(hd)),
                         .q = q_.middleCols(col0, group * hd),
                         .kv = o.cache->view(kvh),
                         .out = att_.middleCols(col0, group * hd)};
      o.attention->forward(call, cnt.attention);
    }
    // Output projection and residual: x += wo att (+ bias)
    linear(*o.wo, "wo", att_, o_, cnt);
    if (gpt2) {
      o_.rowwise() += w.bo.transpose();
    }
    x_ += o_;
    // FFN norm
    norm(w.ffn_norm, w.ffn_norm_bias, x_, h_);
    if (gpt2) {
      // GELU (tanh approximation, "gelu_new") MLP
      linear(*o.w1, "w1", h_, f1_, cnt);
      f1_.rowwise() += w.b1.transpose();
      constexpr float k_c = 0.7978845608028654f;  // sqrt(2/pi)
      f1_ = f1_.unaryExpr([](float a) { return 0.5f * a * (1.0f + std::tanh(k_c * (a + 0.044715f * a * a * a))); });
      linear(*o.w2, "w2", f1_, o_, cnt);
      o_.rowwise() += w.b2.transpose();
    } else {
      // SwiGLU: w2 (silu(w1 h) * w3 h)
      linear(*o.w1, "w1", h_, f1_, cnt);
      linear(*o.w3, "w3", h_, f3_, cnt);
      f1_ = f1_.unaryExpr([](float a) { return a / (1.0f + std::exp(-a)); }).cwiseProduct(f3_);
      linear(*o.w2, "w2", f1_, o_, cnt);
    }
    // Residual
    x_ += o_;
  }
  pos_ += n;
  // Final norm and classifier (only the last row unless all logits are wanted)
  if (all_logits) {
    norm(model_.final_norm, model_.final_norm_bias, x_, h_);
  } else {
    Mat last = x_.bottomRows(1);
    norm(model_.final_norm, model_.final_norm_bias, last, h_);
  }
  linear(*classifier_, "classifier", h_, logits_, counts_.back());
  return logits_;
}

namespace {
// SI unit of a summed quantity from its name's suffix (STYLE.md §3 puts the unit in the name).
std::string unit_from_name(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> k_suffix = {
      {"_j", "J"}, {"_w", "W"}, {"_s", "s"}, {"_a", "A"}, {"_v", "V"}, {"_c", "C"}, {"_f", "F"}, {"_ohm", "ohm"}};
  for (const auto& [suf, unit] : k_suffix) {
    if (name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0) {
      return unit;
    }
  }
  return "1";
}
}  // namespace

void Transformer::write_results(io::ResultFile& file, const std::string& group) const {
  const std::vector<std::pair<std::string, OpCounts LayerCounts::*>> kinds = {
      {"linear", &LayerCounts::linear}, {"attention", &LayerCounts::attention}, {"kv_cache", &LayerCounts::kv_cache}};
  const std::vector<std::tuple<std::string, int64_t OpCounts::*, std::string>> fields = {
      {"macs", &OpCounts::macs, "count"},
      {"bytes_read", &OpCounts::bytes_read, "B"},
      {"bytes_written", &OpCounts::bytes_written, "B"},
      {"kv_entries_stored", &OpCounts::kv_entries_stored, "count"},
      {"kv_entries_read", &OpCounts::kv_entries_read, "count"},
      {"calls", &OpCounts::calls, "count"}};
  const std::string base = group + "/op_counts";
  file.create_group(base);
  file.set_attr(base, "rows", std::string("transformer layers 0..n_layers-1, then the classifier"));
  // One (n_layers + 1) column per field, and per event name seen in any row (0 where a row has none).
  auto write_kind = [&](const std::string& path, const std::function<const OpCounts*(const LayerCounts&)>& get) {
    static const OpCounts k_none;
    std::set<std::string> names;
    for (const auto& lc : counts_) {
      const OpCounts* oc = get(lc);
      for (const auto& [n, v] : (oc != nullptr ? *oc : k_none).events) {
        names.insert(n);
      }
    }
    for (const auto& [fname, fptr, units] : fields) {
      std::vector<int64_t> v;
      for (const auto& lc : counts_) {
        const OpCounts* oc = get(lc);
        v.push_back(oc != nullptr ? oc->*fptr : 0);
      }
      file.write(path + "/" + fname, std::span<const int64_t>(v), {v.size()}, units);
    }
    for (const auto& n : names) {
      std::vector<int64_t> v;
      for (const auto& lc : counts_) {
        const OpCounts* oc = get(lc);
        const auto it = oc != nullptr ? oc->events.find(n) : k_none.events.end();
        v.push_back(oc != nullptr && it != oc->events.end() ? it->second : 0);
      }
      file.write(path + "/events/" + n, std::span<const int64_t>(v), {v.size()}, "count");
    }
    std::set<std::string> sum_names;
    for (const auto& lc : counts_) {
      const OpCounts* oc = get(lc);
      for (const auto& [n, x] : (oc != nullptr ? *oc : k_none).sums) {
        sum_names.insert(n);
      }
    }
    for (const auto& n : sum_names) {
      std::vector<double> v;
      for (const auto& lc : counts_) {
        const OpCounts* oc = get(lc);
        const auto it = oc != nullptr ? oc->sums.find(n) : k_none.sums.end();
        v.push_back(oc != nullptr && it != oc->sums.end() ? it->second : 0.0);
      }
      file.write(path + "/sums/" + n, std::span<const double>(v), {v.size()}, unit_from_name(n));
    }
  };
  for (const auto& [kname, kptr] : kinds) {
    write_kind(base + "/" + kname, [kptr](const LayerCounts& lc) { return &(lc.*kptr); });
  }
  std::set<std::string> roles;
  for (const auto& lc : counts_) {
    for (const auto& [r, oc] : lc.linear_roles) {
      roles.insert(r);
    }
  }
  for (const auto& r : roles) {
    write_kind(base + "/linear_roles/" + r, [&r](const LayerCounts& lc) -> const OpCounts* {
      const auto it = lc.linear_roles.find(r);
      return it != lc.linear_roles.end() ? &it->second : nullptr;
    });
  }
  for (size_t l = 0; l < ops_.size(); ++l) {
    const std::string u = fmt::format("{}/units/layer_{}", group, l);
    ops_[l].attention->write_stats(file, u + "/attention");
    ops_[l].cache->write_stats(file, u + "/kv_cache");
    const LayerOps& o = ops_[l];
    const std::vector<std::pair<const char*, const Linear*>> lins = {
        {"wq", o.wq.get()}, {"wk", o.wk.get()}, {"wv", o.wv.get()}, {"wqkv", o.wqkv.get()},
        {"wo", o.wo.get()}, {"w1", o.w1.get()}, {"w2", o.w2.get()}, {"w3", o.w3.get()}};
    for (const auto& [role, op] : lins) {
      if (op != nullptr) {
        op->write_stats(file, u + "/linear_" + role);
      }
    }
  }
  classifier_->write_stats(file, group + "/units/classifier/linear_classifier");
}

}  // namespace pimtx::arch
