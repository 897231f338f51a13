// llama2.c checkpoint loader: legacy version 0 (float32, no magic), version 1 (float32, "ak42" header)
// and version 2 (Q8_0 int8, group-wise float32 scales). Formats: llama2.c export.py
// (legacy_export / version1_export / version2_export) and data/README.md.
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "arch/model.h"
#include "core/errors.h"

namespace pimtx::arch {

namespace {

constexpr uint32_t k_magic_ak42 = 0x616b3432;
constexpr size_t k_v12_header_bytes = 256;

std::vector<char> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw IoError(fmt::format("model file '{}': not found or not a regular file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("model file '{}': cannot open", path));
  }
  const auto size = std::filesystem::file_size(path);
  std::vector<char> buf(size);
  in.read(buf.data(), static_cast<std::streamsize>(size));
  if (!in) {
    throw IoError(fmt::format("model file '{}': read failed", path));
  }
  return buf;
}

// Sequential reader over the file bytes with bounds checks that report the truncation.
class Cursor {
 public:
  Cursor(const std::vector<char>& buf, const std::string& path, size_t expected_total)
      : buf_(buf), path_(path), expected_(expected_total) {}
  template <class T>
  T scalar() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, buf_.data() + off_, sizeof(T));
    off_ += sizeof(T);
    return v;
  }
  void seek(size_t off) { off_ = off; }
  size_t offset() const { return off_; }
  // Read rows*cols float32 into a (rows, cols) matrix.
  Mat floats(int64_t rows, int64_t cols) {
    Mat m(rows, cols);
    const size_t n = static_cast<size_t>(rows * cols) * 4;
    need(n);
    std::memcpy(m.data(), buf_.data() + off_, n);
    off_ += n;
    return m;
  }
  Vec vec(int64_t n) {
    Mat m = floats(1, n);
    return m.row(0).transpose();
  }
  // Q8_0: rows*cols int8 then one float32 scale per group of `gs` consecutive values.
  Mat q80(int64_t rows, int64_t cols, int gs) {
    const size_t n = static_cast<size_t>(rows * cols);
    need(n + n / gs * 4);
    Mat m(rows, cols);
    const auto* q = reinterpret_cast<const int8_t*>(buf_.data() + off_);
    const char* s = buf_.data() + off_ + n;
    float* out = m.data();
    for (size_t g = 0; g < n / gs; ++g) {
      float scale;
      std::memcpy(&scale, s + 4 * g, 4);
      for (int i = 0; i < gs; ++i) {
        out[g * gs + i] = static_cast<float>(q[g * gs + i]) * scale;
      }
    }
    off_ += n + n / gs * 4;
    return m;
  }

 private:
  void need(size_t n) const {
    if (off_ + n > buf_.size()) {
      throw IoError(fmt::format("model file '{}': truncated: {} bytes, the header implies {} bytes", path_, buf_.size(),
                                expected_));
    }
  }
  const std::vector<char>& buf_;
  const std::string& path_;
  size_t expected_;
  size_t off_ = 0;
};

size_t weight_floats(const ModelConfig& c) {
  const size_t d = c.dim, h = c.hidden_dim, L = c.n_layers, kv = c.kv_dim(), V = c.vocab_size;
  size_t n = V * d + L * (d * d + 2 * kv * d + d * d + 3 * h * d);
  if (!c.shared_classifier) {
    n += V * d;
  }
  return n;
}

ModelConfig read_config_ints(Cursor& cur, const std::string& path, const std::string& format) {
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
  (void)path;
  return c;
}

void fill_layers(Model& m) { m.layers.resize(m.config.n_layers); }

}  // namespace

Model load_llama2c(const std::string& path) {
  const std::vector<char> buf = read_file(path);
  Model m;
  m.path = path;
  uint32_t magic = 0;
  if (buf.size() >= 4) {
    std::memcpy(&magic, buf.data(), 4);
  }
  if (magic == k_magic_ak42) {
    Cursor cur(buf, path, k_v12_header_bytes);
    cur.scalar<uint32_t>();
    const int32_t version = cur.scalar<int32_t>();
    if (version != 1 && version != 2) {
      throw ConfigError(
          fmt::format("model file '{}': llama2.c 'ak42' checkpoint version {} is not supported "
                      "(supported: 1 float32, 2 int8 Q8_0)",
                      path, version));
    }
    ModelConfig c = read_config_ints(cur, path, version == 1 ? "llama2c_v1" : "llama2c_v2_q80");
    c.shared_classifier = cur.scalar<uint8_t>() != 0;
    int gs = 0;
    if (version == 2) {
      gs = cur.scalar<int32_t>();
    }
    c.validate(path);
    const size_t L = c.n_layers, d = c.dim, h = c.hidden_dim, kv = c.kv_dim();
    const size_t norms = 2 * L * d + d;
    size_t expected = k_v12_header_bytes + 4 * norms;
    if (version == 1) {
      expected += 4 * weight_floats(c);
    } else {
      // export.py quantizes each flattened matrix in groups of gs, so every matrix size must divide.
      const bool ok =
          gs > 0 && (c.vocab_size * d) % gs == 0 && (d * d) % gs == 0 && (kv * d) % gs == 0 && (h * d) % gs == 0;
      if (!ok) {
        throw ConfigError(
            fmt::format("model file '{}': Q8_0 group size {} does not divide the weight matrix sizes "
                        "(dim {}, kv_dim {}, hidden_dim {}, vocab {})",
                        path, gs, d, kv, h, c.vocab_size));
      }
      expected += weight_floats(c) + weight_floats(c) / gs * 4;
    }
    if (buf.size() != expected) {
      throw IoError(
          fmt::format("model file '{}': size {} bytes, but the llama2.c v{} header (dim {}, hidden {}, "
                      "layers {}, heads {}/{}, vocab {}) implies {} bytes{}",
                      path, buf.size(), version, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
                      expected, buf.size() < expected ? " (truncated)" : ""));
    }
    Cursor w(buf, path, expected);
    w.seek(k_v12_header_bytes);
    m.config = c;
    fill_layers(m);
    for (auto& l : m.layers) {
      l.attn_norm = w.vec(d);
    }
    for (auto& l : m.layers) {
      l.ffn_norm = w.vec(d);
    }
    m.final_norm = w.vec(d);
    auto mat = [&](int64_t r, int64_t cols) { return version == 1 ? w.floats(r, cols) : w.q80(r, cols, gs); };
    m.tok_emb = mat(c.vocab_size, d);
    for (auto& l : m.layers) {
      l.wq = mat(d, d);
    }
    for (auto& l : m.layers) {
      l.wk = mat(kv, d);
    }
    for (auto& l : m.layers) {
      l.wv = mat(kv, d);
    }
    for (auto& l : m.layers) {
      l.wo = mat(d, d);
    }
    for (auto& l : m.layers) {
      l.w1 = mat(h, d);
    }
    for (auto& l : m.layers) {
      l.w2 = mat(d, h);
    }
    for (auto& l : m.layers) {
      l.w3 = mat(h, d);
    }
    if (!c.shared_classifier) {
      m.classifier = mat(c.vocab_size, d);
    }
    return m;
  }

  // Legacy version 0: 7 int32 then float32 tensors; a negative vocab_size flags a separate classifier.
  Cursor cur(buf, path, 28);
  ModelConfig c = read_config_ints(cur, path, "llama2c_v0");
  c.shared_classifier = c.vocab_size > 0;
  c.vocab_size = std::abs(c.vocab_size);
  try {
    c.validate(path);
  } catch (const ConfigError&) {
    rethrow_with_context<ConfigError>(fmt::format(
        "model file '{}': not a llama2.c checkpoint: no 'ak42' magic (first uint32 0x{:08x}) and the legacy "
        "version-0 header is implausible",
        path, magic));
  }
  const size_t L = c.n_layers, d = c.dim, h = c.hidden_dim;
  const size_t rope_floats = static_cast<size_t>(c.seq_len) * c.head_dim();
  const size_t expected = 28 + 4 * (weight_floats(c) + 2 * L * d + d + rope_floats);
  if (buf.size() != expected) {
    throw IoError(
        fmt::format("model file '{}': size {} bytes, but the llama2.c v0 header (dim {}, hidden {}, "
                    "layers {}, heads {}/{}, vocab {}, seq_len {}) implies {} bytes{}",
                    path, buf.size(), c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len,
                    expected, buf.size() < expected ? " (truncated)" : ""));
  }
  Cursor w(buf, path, expected);
  w.seek(28);
  m.config = c;
  fill_layers(m);
  const int64_t kv = c.kv_dim();
  m.tok_emb = w.floats(c.vocab_size, d);
  for (auto& l : m.layers) {
    l.attn_norm = w.vec(d);
  }
  for (auto& l : m.layers) {
    l.wq = w.floats(d, d);
  }
  for (auto& l : m.layers) {
    l.wk = w.floats(kv, d);
  }
  for (auto& l : m.layers) {
    l.wv = w.floats(kv, d);
  }
  for (auto& l : m.layers) {
    l.wo = w.floats(d, d);
  }
  for (auto& l : m.layers) {
    l.ffn_norm = w.vec(d);
  }
  for (auto& l : m.layers) {
    l.w1 = w.floats(h, d);
  }
  for (auto& l : m.layers) {
    l.w2 = w.floats(d, h);
  }
  for (auto& l : m.layers) {
    l.w3 = w.floats(h, d);
  }
  m.final_norm = w.vec(d);
  w.seek(w.offset() + 4 * rope_floats);  // legacy RoPE tables: recomputed by the engine
  if (!c.shared_classifier) {
    m.classifier = w.floats(c.vocab_size, d);
  }
  return m;
}

}  // namespace pimtx::arch
