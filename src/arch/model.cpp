#include "arch/model.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/errors.h"

namespace pimtx::arch {

void ModelConfig::validate(const std::string& source) const {
  auto bad = [&](const std::string& what) {
    throw ConfigError(
        fmt::format("model '{}': {} (dim {}, hidden {}, layers {}, heads {}, kv heads {}, vocab {}, "
                    "context {})",
                    source, what, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len));
  };
  // Bounds guard against garbage headers before any allocation (1M is far above any model we run).
  constexpr int k_max = 1 << 20;
  for (int v : {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}) {
    if (v <= 0 || v > k_max) {
      bad("a dimension is out of range (1..2^20)");
    }
  }
  if (dim % n_heads != 0) {
    bad("dim is not a multiple of n_heads");
  }
  if (n_heads % n_kv_heads != 0) {
    bad("n_heads is not a multiple of n_kv_heads");
  }
  if (head_dim() % 2 != 0 && family == Family::llama) {
    bad("RoPE needs an even head dimension");
  }
}

Model load_model(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec) || p.extension() == ".json" || p.extension() == ".safetensors") {
    return load_hf(path);
  }
  return load_llama2c(path);
}

}  // namespace pimtx::arch
