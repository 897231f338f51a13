#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "arch/tokenizer.h"
#include "core/errors.h"

namespace pimtx::arch {

std::string Tokenizer::decode_all(const std::vector<int>& ids) const {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != bos_id()) {  // BOS (GPT-2: <|endoftext|>) only marks a sequence start
      s += decode(i == 0 ? -1 : ids[i - 1], ids[i]);
    }
  }
  return s;
}

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int vocab_size) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw IoError(fmt::format("tokenizer file '{}': not found or not a regular file", path));
  }
  // Each token takes at least 8 bytes (score, length): check before allocating vocab_size entries.
  const auto size = static_cast<uint64_t>(fs::file_size(path, ec));
  if (vocab_size <= 0 || size < 4 + 8 * static_cast<uint64_t>(vocab_size)) {
    throw IoError(
        fmt::format("tokenizer file '{}': {} bytes cannot hold {} tokens (at least {} bytes): truncated, "
                    "or the model's vocab_size does not match this tokenizer",
                    path, size, vocab_size, 4 + 8 * static_cast<uint64_t>(std::max(vocab_size, 0))));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("tokenizer file '{}': cannot open", path));
  }
  auto read = [&](void* dst, size_t n, const char* what, int i) {
    in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (!in) {
      throw IoError(
          fmt::format("tokenizer file '{}': truncated while reading the {} of token {} (expected {} "
                      "tokens)",
                      path, what, i, vocab_size));
    }
  };
  int32_t max_len = 0;
  read(&max_len, 4, "max_token_length", -1);
  if (max_len <= 0 || max_len > 1024) {
    throw ConfigError(
        fmt::format("tokenizer file '{}': max_token_length {} is implausible: not a llama2.c "
                    "tokenizer",
                    path, max_len));
  }
  pieces_.resize(vocab_size);
  scores_.resize(vocab_size);
  for (int i = 0; i < vocab_size; ++i) {
    int32_t len = 0;
    read(&scores_[i], 4, "score", i);
    if (!std::isfinite(scores_[i])) {  // a NaN never wins a comparison: merges would silently change
      throw ConfigError(fmt::format("tokenizer file '{}': token {} has merge score {}", path, i, scores_[i]));
    }
    read(&len, 4, "length", i);
    if (len < 0 || len > max_len) {
      throw ConfigError(
          fmt::format("tokenizer file '{}': token {} has length {} (max_token_length {})", path, i, len, max_len));
    }
    pieces_[i].resize(len);
    read(pieces_[i].data(), len, "bytes", i);
    index_.emplace(pieces_[i], i);  // first id wins for duplicate strings
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw ConfigError(
        fmt::format("tokenizer file '{}': has bytes after {} tokens: the model's vocab_size does not "
                    "match this tokenizer",
                    path, vocab_size));
  }
}

int Llama2cTokenizer::lookup(std::string_view s) const {
  auto it = index_.find(std::string(s));
  return it == index_.end() ? -1 : it->second;
}

std::vector<int> Llama2cTokenizer::encode(std::string_view text, bool bos) const {
  std::vector<int> tok;
  if (bos) {
    tok.push_back(bos_id());
  }
  const size_t first = tok.size();
  if (!text.empty()) {
    tok.push_back(lookup(" "));  // add_dummy_prefix
  }
  // One token per UTF-8 code point (leading byte plus up to 3 continuation bytes), else byte fallback.
  size_t i = 0;
  while (i < text.size()) {
    size_t n = 1;
    while (i + n < text.size() && n < 4 && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) {
      ++n;
    }
    const int id = lookup(text.substr(i, n));
    if (id >= 0) {
      tok.push_back(id);
    } else {
      for (size_t b = 0; b < n; ++b) {
        tok.push_back(static_cast<unsigned char>(text[i + b]) + 3);
      }
    }
    i += n;
  }
  // Greedy merges: the pair with the strictly highest score, leftmost on ties.
  std::string buf;
  while (true) {
    float best = -1e10f;
    int best_id = -1;
    size_t best_i = 0;
    for (size_t k = first; k + 1 < tok.size(); ++k) {
      buf = pieces_[tok[k]];
      buf += pieces_[tok[k + 1]];
      const int id = lookup(buf);
      if (id >= 0 && scores_[id] > best) {
        best = scores_[id];
        best_id = id;
        best_i = k;
      }
    }
    if (best_id < 0) {
      break;
    }
    tok[best_i] = best_id;
    tok.erase(tok.begin() + static_cast<std::ptrdiff_t>(best_i) + 1);
  }
  return tok;
}

std::string Llama2cTokenizer::decode(int prev, int token) const {
  if (token < 0 || token >= vocab_size()) {
    throw NumericError(fmt::format("token id {} outside the vocabulary (size {})", token, vocab_size()));
  }
  std::string_view s = pieces_[token];
  if (prev == bos_id() && !s.empty() && s[0] == ' ') {
    s.remove_prefix(1);
  }
  unsigned int byte = 0;
  if (s.size() == 6 && std::sscanf(std::string(s).c_str(), "<0x%02X>", &byte) == 1) {
    return std::string(1, static_cast<char>(byte));
  }
  return std::string(s);
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, int model_vocab_size) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw IoError(fmt::format("tokenizer file '{}': not found", path));
  }
  std::unique_ptr<Tokenizer> t;
  if (fs::is_directory(path, ec) || fs::path(path).extension() == ".json" || fs::path(path).extension() == ".txt") {
    const fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
    t = std::make_unique<Gpt2Tokenizer>(dir.string());
    if (t->vocab_size() > model_vocab_size) {
      throw ConfigError(fmt::format("tokenizer '{}' has {} tokens, more than the model's vocab_size {}", path,
                                    t->vocab_size(), model_vocab_size));
    }
  } else {
    t = std::make_unique<Llama2cTokenizer>(path, model_vocab_size);
  }
  return t;
}

}  // namespace pimtx::arch
