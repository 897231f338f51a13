// Hugging Face checkpoint loader: config.json + model.safetensors for GPT-2 (model_type "gpt2") and
// Llama-family (model_type "llama") models; tensors in F32, F16 or BF16, converted to float32.
// safetensors layout: uint64 LE header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// then the data; offsets are relative to the end of the header.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "arch/checked_size.h"
#include "arch/model.h"
#include "core/errors.h"

namespace pimtx::arch {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ffu;
  uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: value = mant * 2^-24
      const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
      return sign != 0 ? -v : v;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

// The first `n` bytes of a file after `offset` (n checked against the size by the caller).
std::vector<char> read_range(std::ifstream& in, const std::string& path, uint64_t offset, size_t n) {
  std::vector<char> buf(n);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(buf.data(), static_cast<std::streamsize>(n));
  if (!in) {
    throw IoError(fmt::format("safetensors file '{}': read failed at byte {}", path, offset));
  }
  return buf;
}

constexpr uint64_t k_max_header_bytes = 100ULL << 20;  // the safetensors library's own limit

class SafeTensors {
 public:
  explicit SafeTensors(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      throw IoError(fmt::format("safetensors file '{}': not found or not a regular file", path));
    }
    const uint64_t size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
      throw IoError(fmt::format("safetensors file '{}': cannot open", path));
    }
    if (size < 8) {
      throw IoError(
          fmt::format("safetensors file '{}': truncated: {} bytes, shorter than the 8-byte header length", path, size));
    }
    uint64_t n = 0;
    std::memcpy(&n, read_range(in, path, 0, 8).data(), 8);
    if (n > size - 8 || n > k_max_header_bytes) {
      throw IoError(
          fmt::format("safetensors file '{}': header length {} exceeds the file size {} or {} MiB (truncated or "
                      "not a safetensors file)",
                      path, n, size, k_max_header_bytes >> 20));
    }
    parse_header(read_range(in, path, 8, n));
    data_ = read_range(in, path, 8 + n, size - 8 - n);
  }

  bool has(const std::string& name) const { return header_.contains(name); }

  // The tensor `name` as a (rows, cols) float32 matrix (1-D tensors: rows = 1), checking its shape.
  Mat get(const std::string& name, const std::vector<int64_t>& shape) const {
    const Entry e = entry(name, shape);
    const int64_t rows = shape.size() == 2 ? shape[0] : 1;
    Mat m(rows, static_cast<int64_t>(e.count) / rows);
    const char* src = data_.data() + e.begin;
    float* dst = m.data();
    for (size_t i = 0; i < e.count; ++i) {
      if (e.esize == 4) {
        std::memcpy(dst + i, src + 4 * i, 4);
      } else {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = e.bf16 ? std::bit_cast<float>(static_cast<uint32_t>(h) << 16) : half_to_float(h);
      }
    }
    return m;
  }
  Vec vec(const std::string& name, int64_t n) const { return get(name, {n}).row(0).transpose(); }

 private:
  struct Entry {
    size_t count = 0;  // elements
    size_t esize = 0;  // bytes per element
    bool bf16 = false;
    size_t begin = 0;  // byte offset in data_
  };

  void parse_header(const std::vector<char>& text) {
    try {
      header_ = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
      throw IoError(fmt::format("safetensors file '{}': header is not valid JSON: {}", path_, e.what()));
    }
    if (!header_.is_object()) {
      throw IoError(fmt::format("safetensors file '{}': header is not a JSON object", path_));
    }
  }

  // Dtype, shape and offsets of `name`, all checked (overflow-safe) against the expected shape and the data.
  Entry entry(const std::string& name, const std::vector<int64_t>& shape) const {
    if (!has(name)) {
      throw ConfigError(fmt::format("safetensors file '{}': tensor '{}' is missing", path_, name));
    }
    const json& t = header_.at(name);
    std::string dtype;
    std::vector<int64_t> got;
    std::vector<uint64_t> off;
    try {
      dtype = t.at("dtype").get<std::string>();
      got = t.at("shape").get<std::vector<int64_t>>();
      off = t.at("data_offsets").get<std::vector<uint64_t>>();
    } catch (const json::exception& e) {
      throw IoError(
          fmt::format("safetensors file '{}': tensor '{}': malformed header entry: {}", path_, name, e.what()));
    }
    if (got != shape) {
      throw ConfigError(fmt::format("safetensors file '{}': tensor '{}' has shape [{}], config.json implies [{}]",
                                    path_, name, fmt::join(got, ", "), fmt::join(shape, ", ")));
    }
    Entry e;
    if (dtype == "F32") {
      e.esize = 4;
    } else if (dtype == "F16" || dtype == "BF16") {
      e.esize = 2;
      e.bf16 = dtype == "BF16";
    } else {
      throw ConfigError(fmt::format("safetensors file '{}': tensor '{}' has dtype {} (supported: F32, F16, BF16)",
                                    path_, name, dtype));
    }
    const std::string ctx = fmt::format("safetensors file '{}': tensor '{}'", path_, name);
    e.count = 1;
    for (int64_t s : shape) {  // equal to the config's shape: every entry is positive
      e.count = checked_mul({e.count, static_cast<size_t>(s)}, ctx);
    }
    const size_t bytes = checked_mul({e.count, e.esize}, ctx);
    if (off.size() != 2 || off[1] < off[0] || off[1] - off[0] != bytes) {
      throw IoError(fmt::format("{}: data_offsets [{}] do not span its {} {} elements ({} bytes)", ctx,
                                fmt::join(off, ", "), e.count, dtype, bytes));
    }
    if (off[1] > data_.size()) {  // no addition: offsets near 2^64 cannot wrap
      throw IoError(fmt::format("{}: truncated: the tensor ends at data byte {}, the data section has {}", ctx, off[1],
                                data_.size()));
    }
    e.begin = static_cast<size_t>(off[0]);
    return e;
  }

  std::string path_;
  std::vector<char> data_;  // the bytes after the header; data_offsets are relative to its start
  json header_;
};

template <class T>
T cfg_get(const json& j, const std::string& key, const std::string& path) {
  if (!j.contains(key) || j.at(key).is_null()) {
    throw ConfigError(fmt::format("model config '{}': key '{}' is missing", path, key));
  }
  const json& v = j.at(key);
  if constexpr (std::is_same_v<T, int>) {
    // get<int>() converts floats and wraps out-of-range integers: require an integer that fits.
    if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX ||
        (v.is_number_unsigned() && v.get<uint64_t>() > INT32_MAX)) {
      throw ConfigError(
          fmt::format("model config '{}': key '{}' = {} is not an integer in int32 range", path, key, v.dump()));
    }
  }
  try {
    return v.get<T>();
  } catch (const json::exception&) {
    throw ConfigError(fmt::format("model config '{}': key '{}' = {} has the wrong type", path, key, v.dump()));
  }
}

template <class T>
T cfg_get(const json& j, const std::string& key, const std::string& path, T def) {
  if (!j.contains(key) || j.at(key).is_null()) {
    return def;
  }
  return cfg_get<T>(j, key, path);
}

// The model directory of `path` (a directory, its config.json or its model.safetensors).
fs::path model_dir(const std::string& path) {
  fs::path dir(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    dir = dir.parent_path();
  }
  return dir.empty() ? fs::path(".") : dir;
}

json read_config_json(const std::string& cfg_path) {
  std::error_code ec;
  if (!fs::is_regular_file(cfg_path, ec)) {
    throw IoError(
        fmt::format("model config '{}': not found or not a regular file (a Hugging Face model needs config.json "
                    "beside model.safetensors)",
                    cfg_path));
  }
  if (fs::file_size(cfg_path, ec) > k_max_header_bytes) {
    throw ConfigError(
        fmt::format("model config '{}': larger than {} MiB: not a config.json", cfg_path, k_max_header_bytes >> 20));
  }
  std::ifstream in(cfg_path);
  if (!in) {
    throw IoError(fmt::format("model config '{}': cannot open", cfg_path));
  }
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw ConfigError(fmt::format("model config '{}': not valid JSON: {}", cfg_path, e.what()));
  }
  if (!j.is_object()) {
    throw ConfigError(fmt::format("model config '{}': not a JSON object", cfg_path));
  }
  return j;
}

void read_gpt2_config(const json& j, const std::string& cfg_path, ModelConfig& c) {
  c.family = Family::gpt2;
  c.dim = cfg_get<int>(j, "n_embd", cfg_path);
  c.n_layers = cfg_get<int>(j, "n_layer", cfg_path);
  c.n_heads = cfg_get<int>(j, "n_head", cfg_path);
  c.n_kv_heads = c.n_heads;
  c.hidden_dim = cfg_get<int>(j, "n_inner", cfg_path, c.dim > 0 && c.dim <= (1 << 20) ? 4 * c.dim : c.dim);
  c.vocab_size = cfg_get<int>(j, "vocab_size", cfg_path);
  c.seq_len = cfg_get<int>(j, "n_positions", cfg_path);
  c.norm_eps = static_cast<float>(cfg_get<double>(j, "layer_norm_epsilon", cfg_path, 1e-5));
  c.shared_classifier = cfg_get<bool>(j, "tie_word_embeddings", cfg_path, true);
  const auto act = cfg_get<std::string>(j, "activation_function", cfg_path, "gelu_new");
  if (act != "gelu_new" && act != "gelu_pytorch_tanh") {
    throw ConfigError(
        fmt::format("model config '{}': activation_function '{}' not supported (gelu_new)", cfg_path, act));
  }
}

void read_llama_config(const json& j, const std::string& cfg_path, ModelConfig& c) {
  c.family = Family::llama;
  c.rope_style = RopeStyle::half;
  c.dim = cfg_get<int>(j, "hidden_size", cfg_path);
  c.hidden_dim = cfg_get<int>(j, "intermediate_size", cfg_path);
  c.n_layers = cfg_get<int>(j, "num_hidden_layers", cfg_path);
  c.n_heads = cfg_get<int>(j, "num_attention_heads", cfg_path);
  c.n_kv_heads = cfg_get<int>(j, "num_key_value_heads", cfg_path, c.n_heads);
  c.vocab_size = cfg_get<int>(j, "vocab_size", cfg_path);
  c.seq_len = cfg_get<int>(j, "max_position_embeddings", cfg_path);
  c.norm_eps = static_cast<float>(cfg_get<double>(j, "rms_norm_eps", cfg_path, 1e-6));
  c.rope_theta = cfg_get<double>(j, "rope_theta", cfg_path, 10000.0);
  c.shared_classifier = cfg_get<bool>(j, "tie_word_embeddings", cfg_path, false);
  if (j.contains("rope_scaling") && !j.at("rope_scaling").is_null()) {
    throw ConfigError(
        fmt::format("model config '{}': rope_scaling {} is not supported", cfg_path, j.at("rope_scaling").dump()));
  }
  const auto act = cfg_get<std::string>(j, "hidden_act", cfg_path, "silu");
  if (act != "silu") {
    throw ConfigError(fmt::format("model config '{}': hidden_act '{}' not supported (silu)", cfg_path, act));
  }
  const int head_dim = cfg_get<int>(j, "head_dim", cfg_path, 0);
  if (head_dim != 0 && static_cast<int64_t>(head_dim) * c.n_heads != c.dim) {
    throw ConfigError(
        fmt::format("model config '{}': head_dim != hidden_size / num_attention_heads is not supported", cfg_path));
  }
  if (!std::isfinite(c.rope_theta) || c.rope_theta <= 0.0 || !std::isfinite(c.norm_eps) || c.norm_eps <= 0.0f) {
    throw ConfigError(fmt::format("model config '{}': rope_theta {} and rms_norm_eps {} must be finite and > 0",
                                  cfg_path, c.rope_theta, c.norm_eps));
  }
}

void read_gpt2_weights(const SafeTensors& st, Model& m) {
  const ModelConfig& c = m.config;
  const int64_t d = c.dim, h = c.hidden_dim, V = c.vocab_size;
  // GPT2Model saves without a prefix; GPT2LMHeadModel with "transformer.".
  const std::string p = st.has("wte.weight") ? "" : "transformer.";
  m.tok_emb = st.get(p + "wte.weight", {V, d});
  m.pos_emb = st.get(p + "wpe.weight", {c.seq_len, d});
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string b = fmt::format("{}h.{}.", p, i);
    LayerWeights& l = m.layers[static_cast<size_t>(i)];
    l.attn_norm = st.vec(b + "ln_1.weight", d);
    l.attn_norm_bias = st.vec(b + "ln_1.bias", d);
    // Conv1D stores (in, out): transpose to (out, in).
    l.wqkv = st.get(b + "attn.c_attn.weight", {d, 3 * d}).transpose();
    l.bqkv = st.vec(b + "attn.c_attn.bias", 3 * d);
    l.wo = st.get(b + "attn.c_proj.weight", {d, d}).transpose();
    l.bo = st.vec(b + "attn.c_proj.bias", d);
    l.ffn_norm = st.vec(b + "ln_2.weight", d);
    l.ffn_norm_bias = st.vec(b + "ln_2.bias", d);
    l.w1 = st.get(b + "mlp.c_fc.weight", {d, h}).transpose();
    l.b1 = st.vec(b + "mlp.c_fc.bias", h);
    l.w2 = st.get(b + "mlp.c_proj.weight", {h, d}).transpose();
    l.b2 = st.vec(b + "mlp.c_proj.bias", d);
  }
  m.final_norm = st.vec(p + "ln_f.weight", d);
  m.final_norm_bias = st.vec(p + "ln_f.bias", d);
  if (!c.shared_classifier) {
    m.classifier = st.get("lm_head.weight", {V, d});
  }
}

void read_llama_weights(const SafeTensors& st, Model& m) {
  const ModelConfig& c = m.config;
  const int64_t d = c.dim, h = c.hidden_dim, V = c.vocab_size, kv = c.kv_dim();
  m.tok_emb = st.get("model.embed_tokens.weight", {V, d});
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string b = fmt::format("model.layers.{}.", i);
    LayerWeights& l = m.layers[static_cast<size_t>(i)];
    l.attn_norm = st.vec(b + "input_layernorm.weight", d);
    l.wq = st.get(b + "self_attn.q_proj.weight", {d, d});
    l.wk = st.get(b + "self_attn.k_proj.weight", {kv, d});
    l.wv = st.get(b + "self_attn.v_proj.weight", {kv, d});
    l.wo = st.get(b + "self_attn.o_proj.weight", {d, d});
    l.ffn_norm = st.vec(b + "post_attention_layernorm.weight", d);
    l.w1 = st.get(b + "mlp.gate_proj.weight", {h, d});
    l.w2 = st.get(b + "mlp.down_proj.weight", {d, h});
    l.w3 = st.get(b + "mlp.up_proj.weight", {h, d});
  }
  m.final_norm = st.vec("model.norm.weight", d);
  if (!c.shared_classifier) {
    m.classifier = st.get("lm_head.weight", {V, d});
  }
}

}  // namespace

Model load_hf(const std::string& path) {
  const fs::path dir = model_dir(path);
  const std::string cfg_path = (dir / "config.json").string();
  const json j = read_config_json(cfg_path);
  Model m;
  m.path = (dir / "model.safetensors").string();
  ModelConfig& c = m.config;
  c.format = "hf_safetensors";
  const std::string type = cfg_get<std::string>(j, "model_type", cfg_path);
  if (type == "gpt2") {
    read_gpt2_config(j, cfg_path, c);
  } else if (type == "llama") {
    read_llama_config(j, cfg_path, c);
  } else {
    throw ConfigError(fmt::format("model config '{}': model_type '{}' not supported (gpt2, llama)", cfg_path, type));
  }
  c.validate(cfg_path);
  const SafeTensors st(m.path);
  m.layers.resize(static_cast<size_t>(c.n_layers));
  if (c.family == Family::gpt2) {
    read_gpt2_weights(st, m);
  } else {
    read_llama_weights(st, m);
  }
  return m;
}

}  // namespace pimtx::arch
