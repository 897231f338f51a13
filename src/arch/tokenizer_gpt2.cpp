// GPT-2 byte-level BPE (Radford et al. 2019; encoder.py of openai/gpt-2), from vocab.json + merges.txt.
#include <fmt/format.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "arch/tokenizer.h"
#include "core/errors.h"

namespace pimtx::arch {

namespace {

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// Length of the UTF-8 sequence starting at byte c (1 for invalid bytes).
size_t utf8_len(unsigned char c) {
  if (c >= 0xF0) {
    return 4;
  }
  if (c >= 0xE0) {
    return 3;
  }
  if (c >= 0xC0) {
    return 2;
  }
  return 1;
}

enum class Cls { letter, digit, space, other };

Cls classify(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c >= 0x80) {
    return Cls::letter;
  }
  if (std::isalpha(c) != 0) {
    return Cls::letter;
  }
  if (std::isdigit(c) != 0) {
    return Cls::digit;
  }
  if (std::isspace(c) != 0) {
    return Cls::space;
  }
  return Cls::other;
}

// GPT-2 pre-tokenizer: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<std::string_view> pretokenize(std::string_view t) {
  std::vector<std::string_view> out;
  size_t i = 0;
  const size_t n = t.size();
  auto run = [&](size_t j, Cls cls) {
    while (j < n && classify(t, j) == cls) {
      j += utf8_len(static_cast<unsigned char>(t[j]));
    }
    return std::min(j, n);
  };
  while (i < n) {
    if (t[i] == '\'') {
      bool matched = false;
      for (std::string_view c : {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}) {
        if (t.substr(i, c.size()) == c) {
          out.push_back(t.substr(i, c.size()));
          i += c.size();
          matched = true;
          break;
        }
      }
      if (matched) {
        continue;
      }
    }
    size_t start = i;
    size_t j = i;
    if (t[j] == ' ' && j + 1 < n && classify(t, j + 1) != Cls::space) {
      ++j;
    }
    const Cls cls = classify(t, j);
    if (cls != Cls::space) {
      size_t e = run(j, cls);
      out.push_back(t.substr(start, e - start));
      i = e;
      continue;
    }
    // Whitespace run: \s+(?!\S) leaves the last space for the next word if one follows.
    size_t e = run(i, Cls::space);
    if (e < n && e - i > 1) {
      --e;
    }
    out.push_back(t.substr(i, e - i));
    i = e;
  }
  return out;
}

}  // namespace

Gpt2Tokenizer::Gpt2Tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  // bytes_to_unicode(): printable bytes map to themselves, the rest to 256, 257, ...
  byte_to_unicode_.resize(256);
  uint32_t extra = 0;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    byte_to_unicode_[b] = utf8(printable ? b : 256 + extra++);
  }
  std::unordered_map<std::string, unsigned char> unicode_to_byte;
  for (int b = 0; b < 256; ++b) {
    unicode_to_byte[byte_to_unicode_[b]] = static_cast<unsigned char>(b);
  }
  const std::string vpath = (fs::path(dir) / "vocab.json").string();
  const std::string mpath = (fs::path(dir) / "merges.txt").string();
  std::ifstream vin(vpath);
  if (!vin) {
    throw IoError(fmt::format("tokenizer file '{}': cannot open", vpath));
  }
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(vin);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("tokenizer file '{}': not valid JSON: {}", vpath, e.what()));
  }
  if (!v.is_object()) {
    throw ConfigError(fmt::format("tokenizer file '{}': not a JSON object of token -> id", vpath));
  }
  for (const auto& [tok, idj] : v.items()) {
    // Ids are dense (0 .. entries-1 in GPT-2's vocab.json), which also bounds the table allocated below.
    if (!idj.is_number_integer() || idj.get<int64_t>() < 0 || idj.get<int64_t>() >= static_cast<int64_t>(v.size())) {
      throw ConfigError(fmt::format("tokenizer file '{}': token '{}' has id {} (expected an integer in [0, {}))", vpath,
                                    tok, idj.dump(), v.size()));
    }
    const int id = idj.get<int>();
    vocab_[tok] = id;
    if (static_cast<size_t>(id) >= id_to_bytes_.size()) {
      id_to_bytes_.resize(id + 1);
    }
    std::string bytes;
    for (size_t i = 0; i < tok.size();) {
      const size_t l = utf8_len(static_cast<unsigned char>(tok[i]));
      auto it = unicode_to_byte.find(tok.substr(i, l));
      if (it != unicode_to_byte.end()) {
        bytes += static_cast<char>(it->second);
      } else {
        bytes += tok.substr(i, l);  // special tokens such as <|endoftext|> are kept verbatim
      }
      i += l;
    }
    id_to_bytes_[id] = bytes;
  }
  auto eot = vocab_.find("<|endoftext|>");
  if (eot == vocab_.end()) {
    throw ConfigError(fmt::format("tokenizer file '{}': no <|endoftext|> token", vpath));
  }
  eot_ = eot->second;
  std::ifstream min(mpath);
  if (!min) {
    throw IoError(fmt::format("tokenizer file '{}': cannot open", mpath));
  }
  std::string line;
  int rank = 0;
  int line_no = 0;
  while (std::getline(min, line)) {
    ++line_no;
    if (line.empty() || line.rfind("#version", 0) == 0) {
      continue;
    }
    if (line.find(' ') == std::string::npos) {
      throw ConfigError(fmt::format("tokenizer file '{}' line {}: expected 'a b', got '{}'", mpath, line_no, line));
    }
    merge_rank_.emplace(line, rank++);
  }
}

void Gpt2Tokenizer::bpe(const std::string& piece, std::vector<int>& out) const {
  std::vector<std::string> parts;
  for (unsigned char c : piece) {
    parts.push_back(byte_to_unicode_[c]);
  }
  while (parts.size() > 1) {
    int best = INT_MAX;
    size_t best_i = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = merge_rank_.find(parts[i] + " " + parts[i + 1]);
      if (it != merge_rank_.end() && it->second < best) {
        best = it->second;
        best_i = i;
      }
    }
    if (best == INT_MAX) {
      break;
    }
    // Merge every occurrence of the best pair, left to right (as encoder.py does).
    const std::string a = parts[best_i], b = parts[best_i + 1];
    std::vector<std::string> next;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i + 1 < parts.size() && parts[i] == a && parts[i + 1] == b) {
        next.push_back(a + b);
        ++i;
      } else {
        next.push_back(parts[i]);
      }
    }
    parts.swap(next);
  }
  for (const auto& p : parts) {
    auto it = vocab_.find(p);
    if (it == vocab_.end()) {
      throw ConfigError(fmt::format("GPT-2 tokenizer: BPE piece '{}' is not in vocab.json", p));
    }
    out.push_back(it->second);
  }
}

std::vector<int> Gpt2Tokenizer::encode(std::string_view text, bool bos) const {
  std::vector<int> out;
  if (bos) {
    out.push_back(eot_);
  }
  for (std::string_view p : pretokenize(text)) {
    bpe(std::string(p), out);
  }
  return out;
}

std::string Gpt2Tokenizer::decode(int /*prev*/, int token) const {
  if (token < 0 || token >= vocab_size()) {
    throw NumericError(fmt::format("token id {} outside the vocabulary (size {})", token, vocab_size()));
  }
  return id_to_bytes_[token];
}

}  // namespace pimtx::arch
