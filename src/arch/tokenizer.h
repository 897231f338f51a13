// Tokenizers: llama2.c tokenizer.bin (SentencePiece-style BPE by merge score, byte fallback) and GPT-2
// byte-level BPE (vocab.json + merges.txt).
//
// Contract: encode(text, bos) returns token ids, with the BOS id first if bos; decode(prev, token) returns
// the bytes token `token` contributes after token `prev` (llama2.c strips the dummy-prefix space after
// BOS). load_tokenizer() throws IoError for missing/truncated files, ConfigError for wrong content.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pimtx::arch {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  [[nodiscard]] virtual std::vector<int> encode(std::string_view text, bool bos) const = 0;
  [[nodiscard]] virtual std::string decode(int prev, int token) const = 0;
  [[nodiscard]] virtual int bos_id() const = 0;
  [[nodiscard]] virtual int eos_id() const = 0;
  [[nodiscard]] virtual int vocab_size() const = 0;
  [[nodiscard]] std::string decode_all(const std::vector<int>& ids) const;
};

// llama2.c tokenizer.bin: int32 max_token_length, then per token float32 score, int32 length, bytes.
// Encoding as llama2.c run.c: dummy-prefix " ", UTF-8 characters (or their byte-fallback tokens <0xXX>
// = id 3 + byte), then repeatedly merge the leftmost adjacent pair whose concatenation has the highest
// score. BOS = 1, EOS = 2.
class Llama2cTokenizer final : public Tokenizer {
 public:
  Llama2cTokenizer(const std::string& path, int vocab_size);
  [[nodiscard]] std::vector<int> encode(std::string_view text, bool bos) const override;
  [[nodiscard]] std::string decode(int prev, int token) const override;
  [[nodiscard]] int bos_id() const override { return 1; }
  [[nodiscard]] int eos_id() const override { return 2; }
  [[nodiscard]] int vocab_size() const override { return static_cast<int>(pieces_.size()); }

 private:
  [[nodiscard]] int lookup(std::string_view s) const;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> index_;
};

// GPT-2 byte-level BPE: bytes mapped to printable code points (bytes_to_unicode), pre-tokenized with
// GPT-2's pattern ('s|'t|'re|'ve|'m|'ll|'d| ?letters| ?digits| ?other|whitespace), each piece merged by
// merges.txt rank. Letters/digits: ASCII exactly; every non-ASCII code point counts as a letter
// (GPT-2 uses Unicode categories; this differs only for non-ASCII punctuation/digits). BOS = EOS =
// <|endoftext|>.
class Gpt2Tokenizer final : public Tokenizer {
 public:
  // `dir`: directory holding vocab.json and merges.txt.
  explicit Gpt2Tokenizer(const std::string& dir);
  [[nodiscard]] std::vector<int> encode(std::string_view text, bool bos) const override;
  [[nodiscard]] std::string decode(int prev, int token) const override;
  [[nodiscard]] int bos_id() const override { return eot_; }
  [[nodiscard]] int eos_id() const override { return eot_; }
  [[nodiscard]] int vocab_size() const override { return static_cast<int>(id_to_bytes_.size()); }

 private:
  void bpe(const std::string& piece, std::vector<int>& out) const;
  std::unordered_map<std::string, int> vocab_;       // byte-level-unicode string -> id
  std::vector<std::string> id_to_bytes_;             // id -> raw bytes
  std::unordered_map<std::string, int> merge_rank_;  // "a b" -> rank
  std::vector<std::string> byte_to_unicode_;         // byte -> UTF-8 of its code point
  int eot_ = -1;
};

// `path`: a llama2.c .bin tokenizer, or a directory / vocab.json with merges.txt beside it (GPT-2).
// model_vocab_size is checked against the tokenizer's size (ConfigError on mismatch).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, int model_vocab_size);

}  // namespace pimtx::arch
