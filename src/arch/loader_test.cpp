// Hostile checkpoints and tokenizers (issue 10, items 2, 3 and the NaN merge scores of item 10): every
// crafted file is generated here and must give a clear error naming the file, never a crash, a huge
// allocation or a wrapped bounds check. Built with -fsanitize=address,undefined in scripts/test.sh.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arch/model.h"
#include "arch/tokenizer.h"
#include "core/errors.h"

namespace fs = std::filesystem;
using pimtx::ConfigError;
using pimtx::Error;
using pimtx::IoError;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("pimtx_loader_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

template <class T>
void put(std::string& b, T v) {
  b.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// llama2.c v1/v2 header ("ak42", version, 7 int32, shared byte, [group size]) padded to 256 bytes, then
// `payload` zero bytes.
std::string ak42(int32_t version, std::vector<int32_t> dims, size_t payload, int32_t gs = 32) {
  std::string b;
  put<uint32_t>(b, 0x616b3432);
  put<int32_t>(b, version);
  for (int32_t d : dims) {
    put<int32_t>(b, d);
  }
  put<uint8_t>(b, 1);
  if (version == 2) {
    put<int32_t>(b, gs);
  }
  b.resize(256 + payload, '\0');
  return b;
}

// The message of the pimtx::Error `fn` throws (FAIL if it throws nothing or something else).
template <class E, class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("unexpected exception type: " << e.what());
  }
  FAIL("no exception");
  return "";
}

}  // namespace

TEST_CASE("llama2.c header whose sizes overflow is rejected before any allocation", "[arch][loader]") {
  const fs::path d = scratch("llama2c_overflow");
  SECTION("issue item 3: dim = layers = vocab = 2^20 in a 4 MB file") {
    const fs::path p = d / "big.bin";
    write_bytes(p, ak42(1, {1 << 20, 1 << 20, 1 << 20, 1 << 10, 1 << 10, 1 << 20, 1 << 20}, 4 << 20));
    // Old main: passed the wrapped size check, allocated 354 MB, then reported truncation.
    const std::string msg = error_of<Error>([&] { (void)pimtx::arch::load_llama2c(p.string()); });
    CHECK(msg.find(p.string()) != std::string::npos);
    CHECK((msg.find("overflow") != std::string::npos || msg.find("implies") != std::string::npos));
  }
  SECTION("Q8_0 with group size 1: the scale bytes overflow too") {
    const fs::path p = d / "q.bin";
    write_bytes(p, ak42(2, {1 << 20, 1 << 20, 1 << 20, 1 << 10, 1 << 10, 1 << 20, 1 << 20}, 1024, 1));
    const std::string msg = error_of<Error>([&] { (void)pimtx::arch::load_llama2c(p.string()); });
    CHECK(msg.find(p.string()) != std::string::npos);
  }
  SECTION("negative and zero dimensions, negative Q8_0 group size") {
    for (const auto& dims :
         std::vector<std::vector<int32_t>>{{-8, 16, 1, 2, 2, 32, 16},
                                           {8, 16, 1, 2, 2, 32, -16},
                                           {8, 16, 0, 2, 2, 32, 16},
                                           {8, 16, 1, 2, 2, std::numeric_limits<int32_t>::min(), 16}}) {
      const fs::path p = d / "neg.bin";
      write_bytes(p, ak42(1, dims, 64));
      CHECK_THROWS_AS(pimtx::arch::load_llama2c(p.string()), ConfigError);
      std::string v0;
      for (int32_t x : dims) {
        put<int32_t>(v0, x);
      }
      v0.resize(4096, '\0');
      write_bytes(p, v0);
      CHECK_THROWS_AS(pimtx::arch::load_llama2c(p.string()), ConfigError);
    }
    const fs::path p = d / "gs.bin";
    write_bytes(p, ak42(2, {8, 16, 1, 2, 2, 32, 16}, 4096, -32));
    CHECK_THROWS_AS(pimtx::arch::load_llama2c(p.string()), ConfigError);
  }
  SECTION("headers shorter than their fields") {
    for (size_t n : {0, 3, 4, 7, 27}) {
      const fs::path p = d / "short.bin";
      std::string b = ak42(1, {8, 16, 1, 2, 2, 32, 16}, 0);
      if (n < 4) {
        b = std::string(n, '\x01');
      } else {
        b.resize(n);
      }
      write_bytes(p, b);
      CHECK_THROWS_AS(pimtx::arch::load_llama2c(p.string()), Error);
    }
  }
  SECTION("a plausible header one byte short of its tensors: IoError naming the sizes") {
    // dim 8, hidden 16, 1 layer, 2 heads, vocab 32: 32*8 + (64 + 2*64 + 64 + 3*128) floats + norms (8+8+8).
    const size_t floats = 32 * 8 + (64 + 2 * 64 + 64 + 3 * 128) + 3 * 8;
    const fs::path p = d / "trunc.bin";
    write_bytes(p, ak42(1, {8, 16, 1, 2, 2, 32, 16}, 4 * floats - 1));
    const std::string msg = error_of<IoError>([&] { (void)pimtx::arch::load_llama2c(p.string()); });
    CHECK(msg.find("truncated") != std::string::npos);
    write_bytes(p, ak42(1, {8, 16, 1, 2, 2, 32, 16}, 4 * floats));
    CHECK(pimtx::arch::load_llama2c(p.string()).layers.size() == 1);  // the same header, complete, loads
  }
  fs::remove_all(d);
}

namespace {

// A safetensors file: u64 header length, the JSON header, then `data_bytes` zero bytes.
void write_st(const fs::path& p, const nlohmann::json& header, size_t data_bytes) {
  const std::string h = header.dump();
  std::string b;
  put<uint64_t>(b, h.size());
  b += h;
  b.resize(b.size() + data_bytes, '\0');
  write_bytes(p, b);
}

// A GPT-2 model dir with config.json (1 layer, dim 4, vocab 8, context 4); model.safetensors written by caller.
fs::path gpt2_dir(const std::string& name) {
  const fs::path d = scratch(name);
  std::ofstream(d / "config.json") << R"({"model_type": "gpt2", "n_embd": 4, "n_layer": 1, "n_head": 2,
                                         "vocab_size": 8, "n_positions": 4})";
  return d;
}

}  // namespace

TEST_CASE("safetensors with hostile offsets and shapes gives an error, not a crash", "[arch][loader]") {
  const fs::path d = gpt2_dir("st");
  const fs::path st = d / "model.safetensors";
  const auto entry = [](const nlohmann::json& offsets) {
    return nlohmann::json{{"wte.weight", {{"dtype", "F32"}, {"shape", {8, 4}}, {"data_offsets", offsets}}}};
  };
  SECTION("issue item 2: data_offsets near 2^64 (the old check wrapped and read before the buffer)") {
    const uint64_t big = std::numeric_limits<uint64_t>::max() - 7;
    write_st(st, entry({big - 128, big}), 256);
    const std::string msg = error_of<IoError>([&] { (void)pimtx::arch::load_hf(d.string()); });
    CHECK(msg.find("wte.weight") != std::string::npos);
    CHECK(msg.find(st.string()) != std::string::npos);
  }
  SECTION("offsets past the end, reversed, or not matching the shape") {
    for (const auto& off : {nlohmann::json{0, 128}, nlohmann::json{128, 0}, nlohmann::json{0, 64},
                            nlohmann::json{-128, 0}, nlohmann::json{0}, nlohmann::json{"a", 1}}) {
      write_st(st, entry(off), 64);
      CHECK_THROWS_AS(pimtx::arch::load_hf(d.string()), Error);
    }
  }
  SECTION("header length beyond the file, near 2^64, and a header that is not an object") {
    std::string b;
    put<uint64_t>(b, std::numeric_limits<uint64_t>::max());
    b += "{}";
    write_bytes(st, b);
    CHECK_THROWS_AS(pimtx::arch::load_hf(d.string()), IoError);
    write_st(st, nlohmann::json::array({1, 2}), 0);
    CHECK_THROWS_AS(pimtx::arch::load_hf(d.string()), IoError);
    write_bytes(st, "abc");
    CHECK_THROWS_AS(pimtx::arch::load_hf(d.string()), IoError);
  }
  SECTION("a shape whose element count overflows") {
    nlohmann::json h = entry({0, 128});
    h["wte.weight"]["shape"] = {int64_t{1} << 40, int64_t{1} << 40};
    write_st(st, h, 128);
    CHECK_THROWS_AS(pimtx::arch::load_hf(d.string()), ConfigError);  // disagrees with config.json first
  }
  SECTION("config.json with values that are not int32 integers") {
    for (const char* bad :
         {R"("n_embd": 1e30)", R"("n_embd": 4294967300)", R"("n_embd": -4)", R"("n_embd": "4")", R"("n_embd": 4.5)"}) {
      std::ofstream(d / "config.json") << R"({"model_type": "gpt2", )" << bad
                                       << R"(, "n_layer": 1, "n_head": 2, "vocab_size": 8, "n_positions": 4})";
      const std::string msg = error_of<ConfigError>([&] { (void)pimtx::arch::load_hf(d.string()); });
      CHECK(msg.find("config.json") != std::string::npos);
    }
  }
  fs::remove_all(d);
}

TEST_CASE("llama2.c tokenizer: NaN scores, short files and huge lengths are rejected", "[arch][loader]") {
  const fs::path d = scratch("tok");
  const fs::path p = d / "tok.bin";
  auto tokenizer = [](int n, float score, int32_t len) {
    std::string b;
    put<int32_t>(b, 8);
    for (int i = 0; i < n; ++i) {
      put<float>(b, i == 1 ? score : 0.0f);
      put<int32_t>(b, i == 1 ? len : 1);
      b.append(static_cast<size_t>(std::max(0, std::min(len, 8))), static_cast<char>('a' + i));
    }
    return b;
  };
  SECTION("a NaN or infinite merge score (old main took it; NaN never wins a merge comparison)") {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      write_bytes(p, tokenizer(4, bad, 1));
      const std::string msg = error_of<ConfigError>([&] { (void)pimtx::arch::load_tokenizer(p.string(), 4); });
      CHECK(msg.find("token 1") != std::string::npos);
    }
  }
  SECTION("negative or oversized token lengths") {
    for (int32_t len : {-1, 9, std::numeric_limits<int32_t>::max()}) {
      write_bytes(p, tokenizer(4, 0.0f, len));
      CHECK_THROWS_AS(pimtx::arch::load_tokenizer(p.string(), 4), Error);
    }
  }
  SECTION("a file far too short for the model's vocab_size fails before allocating it") {
    write_bytes(p, tokenizer(4, 0.0f, 1));
    const std::string msg = error_of<IoError>([&] { (void)pimtx::arch::load_tokenizer(p.string(), 1 << 20); });
    CHECK(msg.find("cannot hold") != std::string::npos);
  }
  SECTION("GPT-2 vocab.json with ids that are not dense integers") {
    std::ofstream(d / "merges.txt") << "#version: 0.2\n";
    for (const char* v : {R"({"a": 0, "<|endoftext|>": 2000000000})", R"({"a": -1, "<|endoftext|>": 1})",
                          R"({"a": "x", "<|endoftext|>": 1})", R"([1, 2])"}) {
      std::ofstream(d / "vocab.json") << v;
      CHECK_THROWS_AS(pimtx::arch::load_tokenizer(d.string(), 8), ConfigError);
    }
  }
  fs::remove_all(d);
}
