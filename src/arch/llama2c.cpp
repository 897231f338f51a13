// llama2.c checkpoint loader: legacy version 0 (float32, no magic), version 1 (float32, "ak42" header)
// and version 2 (Q8_0 int8, group-wise float32 scales). Formats: llama2.c export.py
// (legacy_export / version1_export / version2_export) and data/README.md.
//
// Untrusted input: only the header is read first; every size derived from it is computed with
// overflow-checked arithmetic and compared with the file size before the weights are allocated or read.
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "arch/checked_size.h"
#include "arch/model.h"
#include "core/errors.h"

namespace pimtx::arch {

namespace {

constexpr uint32_t k_magic_ak42 = 0x616b3432;
constexpr size_t k_v12_header_bytes = 256;
constexpr size_t k_v0_header_bytes = 28;

// The first min(n, size) bytes of the file, and its size; nothing else is read.
std::vector<char> read_prefix(const std::string& path, size_t n, size_t& file_size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw IoError(fmt::format("model file '{}': not found or not a regular file", path));
  }
  file_size = std::filesystem::file_size(path, ec);
  if (ec) {
    throw IoError(fmt::format("model file '{}': cannot stat: {}", path, ec.message()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("model file '{}': cannot open", path));
  }
  std::vector<char> buf(std::min(n, file_size));
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  if (!in) {
    throw IoError(fmt::format("model file '{}': read failed", path));
  }
  return buf;
}

// The whole file, once its size has been checked against the header.
std::vector<char> read_all(const std::string& path, size_t size) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buf(size);
  in.read(buf.data(), static_cast<std::streamsize>(size));
  if (!in) {
    throw IoError(fmt::format("model file '{}': read failed (the file changed while loading?)", path));
  }
  return buf;
}

// Sequential reader over the file bytes; every read checks its bounds (overflow-safe) before allocating.
class Cursor {
 public:
  Cursor(const std::vector<char>& buf, const std::string& path) : buf_(buf), path_(path) {}
  template <class T>
  T scalar() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, buf_.data() + off_, sizeof(T));
    off_ += sizeof(T);
    return v;
  }
  void skip(size_t n) {
    need(n);
    off_ += n;
  }
  // (rows, cols) float32 matrix.
  Mat floats(int64_t rows, int64_t cols) {
    const size_t n = checked_mul({to_size(rows), to_size(cols), 4}, context());
    need(n);
    Mat m(rows, cols);
    std::memcpy(m.data(), buf_.data() + off_, n);
    off_ += n;
    return m;
  }
  Vec vec(int64_t n) {
    Mat m = floats(1, n);
    return m.row(0).transpose();
  }
  // Q8_0: rows*cols int8 then one float32 scale per group of `gs` consecutive values (gs divides rows*cols).
  Mat q80(int64_t rows, int64_t cols, size_t gs) {
    const size_t n = checked_mul({to_size(rows), to_size(cols)}, context());
    const size_t bytes = checked_add({n, checked_mul({n / gs, 4}, context())}, context());
    need(bytes);
    Mat m(rows, cols);
    const auto* q = reinterpret_cast<const int8_t*>(buf_.data() + off_);
    const char* s = buf_.data() + off_ + n;
    float* out = m.data();
    for (size_t g = 0; g < n / gs; ++g) {
      float scale;
      std::memcpy(&scale, s + 4 * g, 4);
      for (size_t i = 0; i < gs; ++i) {
        out[g * gs + i] = static_cast<float>(q[g * gs + i]) * scale;
      }
    }
    off_ += bytes;
    return m;
  }

 private:
  [[nodiscard]] std::string context() const { return fmt::format("model file '{}'", path_); }
  size_t to_size(int64_t v) const {
    if (v < 0) {
      throw ConfigError(fmt::format("{}: negative tensor dimension {}", context(), v));
    }
    return static_cast<size_t>(v);
  }
  void need(size_t n) const {
    if (n > buf_.size() - off_) {
      throw IoError(fmt::format("{}: truncated: a tensor at byte {} needs {} bytes, the file has {}", context(), off_,
                                n, buf_.size()));
    }
  }
  const std::vector<char>& buf_;
  const std::string& path_;
  size_t off_ = 0;
};

struct Header {
  ModelConfig config;
  int version = 0;            // 0 legacy, 1 float32, 2 Q8_0
  size_t group_size = 0;      // Q8_0 group (version 2)
  size_t header_bytes = 0;    // where the tensors start
  size_t expected_bytes = 0;  // file size the header implies
};

ModelConfig read_config_ints(Cursor& cur, const std::string& format) {
  ModelConfig c;
  c.family = Family::llama;
  c.rope_style = RopeStyle::adjacent;
  c.format = format;
  c.dim = cur.scalar<int32_t>();
  c.hidden_dim = cur.scalar<int32_t>();
  c.n_layers = cur.scalar<int32_t>();
  c.n_heads = cur.scalar<int32_t>();
  c.n_kv_heads = cur.scalar<int32_t>();
  c.vocab_size = cur.scalar<int32_t>();
  c.seq_len = cur.scalar<int32_t>();
  return c;
}

// Number of weight-matrix elements (embedding, per-layer matrices, separate classifier), overflow-checked.
size_t weight_elements(const ModelConfig& c, const std::string& ctx) {
  const size_t d = c.dim, h = c.hidden_dim, L = c.n_layers, kv = c.kv_dim(), V = c.vocab_size;
  const size_t per_layer = checked_add(
      {checked_mul({d, d}, ctx), checked_mul({2, kv, d}, ctx), checked_mul({d, d}, ctx), checked_mul({3, h, d}, ctx)},
      ctx);
  const size_t emb = checked_mul({V, d}, ctx);
  return checked_add({emb, checked_mul({L, per_layer}, ctx), c.shared_classifier ? 0 : emb}, ctx);
}

// Number of norm-weight elements: attention and FFN norms per layer, plus the final norm.
size_t norm_elements(const ModelConfig& c, const std::string& ctx) {
  return checked_add({checked_mul({2, size_t(c.n_layers), size_t(c.dim)}, ctx), size_t(c.dim)}, ctx);
}

void check_q80_groups(const Header& h, const std::string& path) {
  const ModelConfig& c = h.config;
  const size_t d = c.dim, kv = c.kv_dim(), hd = c.hidden_dim, gs = h.group_size;
  // export.py quantizes each flattened matrix in groups of gs, so every matrix size must divide.
  const bool ok =
      gs > 0 && (size_t(c.vocab_size) * d) % gs == 0 && (d * d) % gs == 0 && (kv * d) % gs == 0 && (hd * d) % gs == 0;
  if (!ok) {
    throw ConfigError(
        fmt::format("model file '{}': Q8_0 group size {} does not divide the weight matrix sizes "
                    "(dim {}, kv_dim {}, hidden_dim {}, vocab {})",
                    path, gs, d, kv, hd, c.vocab_size));
  }
}

// "ak42" header: magic, version, 7 int32, shared-classifier byte, [version 2: int32 group size].
Header parse_v12_header(const std::vector<char>& prefix, const std::string& path) {
  Cursor cur(prefix, path);
  cur.scalar<uint32_t>();
  Header h;
  h.version = cur.scalar<int32_t>();
  if (h.version != 1 && h.version != 2) {
    throw ConfigError(
        fmt::format("model file '{}': llama2.c 'ak42' checkpoint version {} is not supported "
                    "(supported: 1 float32, 2 int8 Q8_0)",
                    path, h.version));
  }
  h.config = read_config_ints(cur, h.version == 1 ? "llama2c_v1" : "llama2c_v2_q80");
  h.config.shared_classifier = cur.scalar<uint8_t>() != 0;
  if (h.version == 2) {
    const int32_t gs = cur.scalar<int32_t>();
    h.group_size = gs > 0 ? static_cast<size_t>(gs) : 0;
  }
  h.config.validate(path);
  h.header_bytes = k_v12_header_bytes;
  const std::string ctx = fmt::format("model file '{}': llama2.c v{} header", path, h.version);
  const size_t w = weight_elements(h.config, ctx);
  size_t weight_bytes = checked_mul({w, 4}, ctx);
  if (h.version == 2) {
    check_q80_groups(h, path);
    weight_bytes = checked_add({w, checked_mul({w / h.group_size, 4}, ctx)}, ctx);
  }
  h.expected_bytes =
      checked_add({h.header_bytes, checked_mul({norm_elements(h.config, ctx), 4}, ctx), weight_bytes}, ctx);
  return h;
}

// Legacy version 0: 7 int32 then float32 tensors; a negative vocab_size flags a separate classifier.
Header parse_v0_header(const std::vector<char>& prefix, const std::string& path, uint32_t magic) {
  Cursor cur(prefix, path);
  Header h;
  h.config = read_config_ints(cur, "llama2c_v0");
  h.config.shared_classifier = h.config.vocab_size > 0;
  h.config.vocab_size = h.config.vocab_size == INT32_MIN ? 0 : std::abs(h.config.vocab_size);
  try {
    h.config.validate(path);
  } catch (const ConfigError&) {
    rethrow_with_context<ConfigError>(fmt::format(
        "model file '{}': not a llama2.c checkpoint: no 'ak42' magic (first uint32 0x{:08x}) and the legacy "
        "version-0 header is implausible",
        path, magic));
  }
  h.header_bytes = k_v0_header_bytes;
  const std::string ctx = fmt::format("model file '{}': llama2.c v0 header", path);
  const size_t rope = checked_mul({size_t(h.config.seq_len), size_t(h.config.head_dim())}, ctx);
  const size_t floats = checked_add({weight_elements(h.config, ctx), norm_elements(h.config, ctx), rope}, ctx);
  h.expected_bytes = checked_add({h.header_bytes, checked_mul({floats, 4}, ctx)}, ctx);
  return h;
}

void check_file_size(const Header& h, size_t file_size, const std::string& path) {
  if (file_size == h.expected_bytes) {
    return;
  }
  const ModelConfig& c = h.config;
  throw IoError(fmt::format(
      "model file '{}': size {} bytes, but the llama2.c v{} header (dim {}, hidden {}, layers {}, heads {}/{}, "
      "vocab {}, seq_len {}) implies {} bytes{}",
      path, file_size, h.version, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len,
      h.expected_bytes, file_size < h.expected_bytes ? " (truncated)" : ""));
}

// One tensor per layer, in layer order (llama2.c stores each kind for all layers before the next kind).
template <class Read>
void per_layer(Model& m, Mat LayerWeights::*field, Read&& read) {
  for (auto& l : m.layers) {
    l.*field = read();
  }
}
void per_layer_vec(Cursor& w, Model& m, Vec LayerWeights::*field) {
  for (auto& l : m.layers) {
    l.*field = w.vec(m.config.dim);
  }
}

// The seven per-layer matrices in export order; `mat(rows, cols)` reads one.
template <class MatReader>
void read_attention_mats(Model& m, MatReader&& mat) {
  const int64_t d = m.config.dim, kv = m.config.kv_dim();
  per_layer(m, &LayerWeights::wq, [&] { return mat(d, d); });
  per_layer(m, &LayerWeights::wk, [&] { return mat(kv, d); });
  per_layer(m, &LayerWeights::wv, [&] { return mat(kv, d); });
  per_layer(m, &LayerWeights::wo, [&] { return mat(d, d); });
}
template <class MatReader>
void read_ffn_mats(Model& m, MatReader&& mat) {
  const int64_t d = m.config.dim, h = m.config.hidden_dim;
  per_layer(m, &LayerWeights::w1, [&] { return mat(h, d); });
  per_layer(m, &LayerWeights::w2, [&] { return mat(d, h); });
  per_layer(m, &LayerWeights::w3, [&] { return mat(h, d); });
}

// Version 1/2 order: norms first, then embedding, matrices, optional classifier.
void read_v12_tensors(Cursor& w, const Header& h, Model& m) {
  const int64_t d = m.config.dim, V = m.config.vocab_size;
  auto mat = [&](int64_t r, int64_t c) { return h.version == 1 ? w.floats(r, c) : w.q80(r, c, h.group_size); };
  per_layer_vec(w, m, &LayerWeights::attn_norm);
  per_layer_vec(w, m, &LayerWeights::ffn_norm);
  m.final_norm = w.vec(d);
  m.tok_emb = mat(V, d);
  read_attention_mats(m, mat);
  read_ffn_mats(m, mat);
  if (!m.config.shared_classifier) {
    m.classifier = mat(V, d);
  }
}

// Version 0 order: embedding, attention norms and matrices, FFN norms and matrices, final norm, RoPE
// tables (skipped: the engine recomputes them), optional classifier.
void read_v0_tensors(Cursor& w, Model& m) {
  const int64_t d = m.config.dim, V = m.config.vocab_size;
  auto mat = [&](int64_t r, int64_t c) { return w.floats(r, c); };
  m.tok_emb = mat(V, d);
  per_layer_vec(w, m, &LayerWeights::attn_norm);
  read_attention_mats(m, mat);
  per_layer_vec(w, m, &LayerWeights::ffn_norm);
  read_ffn_mats(m, mat);
  m.final_norm = w.vec(d);
  w.skip(size_t(m.config.seq_len) * size_t(m.config.head_dim()) * 4);  // bounded: checked in the header
  if (!m.config.shared_classifier) {
    m.classifier = mat(V, d);
  }
}

}  // namespace

Model load_llama2c(const std::string& path) {
  size_t file_size = 0;
  const std::vector<char> prefix = read_prefix(path, k_v12_header_bytes, file_size);
  uint32_t magic = 0;
  if (prefix.size() >= 4) {
    std::memcpy(&magic, prefix.data(), 4);
  }
  const Header h = magic == k_magic_ak42 ? parse_v12_header(prefix, path) : parse_v0_header(prefix, path, magic);
  check_file_size(h, file_size, path);
  const std::vector<char> buf = read_all(path, file_size);
  Model m;
  m.path = path;
  m.config = h.config;
  m.layers.resize(static_cast<size_t>(h.config.n_layers));
  Cursor w(buf, path);
  w.skip(h.header_bytes);
  if (h.version == 0) {
    read_v0_tensors(w, m);
  } else {
    read_v12_tensors(w, h, m);
  }
  return m;
}

}  // namespace pimtx::arch
