// Golden tests of the exact engine against the reference figures of data/README.md
// (computed there by an independent float64 implementation).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/config.h"
#include "core/errors.h"

using namespace pimtx;
using namespace pimtx::arch;

namespace {

const std::string k_model = "data/models/stories260K.bin";
const std::string k_model_q80 = "data/models/stories260K_q80.bin";
const std::string k_tok = "data/models/tok512.bin";
const std::string k_text = "data/text/tinystories_valid_excerpt.txt";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("stories260K header and weights load", "[arch][golden]") {
  const Model m = load_model(k_model);
  CHECK(m.config.dim == 64);
  CHECK(m.config.hidden_dim == 172);
  CHECK(m.config.n_layers == 5);
  CHECK(m.config.n_heads == 8);
  CHECK(m.config.n_kv_heads == 4);
  CHECK(m.config.vocab_size == 512);
  CHECK(m.config.seq_len == 512);
  CHECK(m.config.shared_classifier);
  CHECK(m.config.format == "llama2c_v0");
}

TEST_CASE("stories260K q80 export dequantizes to the float32 weights and gives identical logits", "[arch][golden]") {
  const Model f = load_model(k_model);
  const Model q = load_model(k_model_q80);
  CHECK(q.config.format == "llama2c_v2_q80");
  // README: dequantized Q8_0 equals the float32 file exactly (it was made from it).
  CHECK(f.tok_emb == q.tok_emb);
  for (int l = 0; l < f.config.n_layers; ++l) {
    CHECK(f.layers[l].wq == q.layers[l].wq);
    CHECK(f.layers[l].w2 == q.layers[l].w2);
    CHECK(f.layers[l].attn_norm == q.layers[l].attn_norm);
  }
  core::Config cfg;
  Transformer ef(f, cfg.section("arch"), 1);
  Transformer eq(q, cfg.section("arch"), 1);
  const std::vector<int> ids = {1, 403, 407, 261, 378, 290, 261, 424};
  // Same weights, same code path: bit-identical logits.
  CHECK(ef.forward(ids) == eq.forward(ids));
}

TEST_CASE("stories260K greedy generation from BOS matches the reference sentence", "[arch][golden]") {
  const Model m = load_model(k_model);
  auto tok = load_tokenizer(k_tok, m.config.vocab_size);
  core::Config cfg;
  Transformer e(m, cfg.section("arch"), 1);
  core::Rng rng(1, "arch.sample");
  const Generation g = generate(e, *tok, "", 80, 0.0, rng);
  const std::string ref =
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she "
      "saw a big, red ball. She wanted to play with it, but it was too high.";
  INFO(g.text);
  CHECK(g.text.rfind(ref, 0) == 0);
}

TEST_CASE("stories260K decode with KV cache equals prefill", "[arch][golden]") {
  const Model m = load_model(k_model);
  core::Config cfg;
  Transformer a(m, cfg.section("arch"), 1);
  Transformer b(m, cfg.section("arch"), 1);
  const std::vector<int> ids = {1, 403, 407, 261, 378, 290, 261, 424, 300, 301};
  const Mat all = a.forward(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    const Mat& step = b.forward(std::span<const int>(&ids[i], 1), false);
    // Prefill and decode use different Eigen kernels (GEMM vs GEMV), so summation order differs:
    // float32 rounding of logits of magnitude ~10 -> 1e-4 absolute.
    CHECK((step.row(0) - all.row(static_cast<int64_t>(i))).cwiseAbs().maxCoeff() < 1e-4f);
  }
}

TEST_CASE("stories260K mean NLL over the first 20,111 predicted validation tokens is 1.2835", "[arch][golden]") {
  const Model m = load_model(k_model);
  auto tok = load_tokenizer(k_tok, m.config.vocab_size);
  core::Config cfg;
  Transformer e(m, cfg.section("arch"), 1);
  const auto stories = split_stories(slurp(k_text));
  CHECK(stories.size() == 1000);
  const EvalResult r = evaluate(e, *tok, stories, 20111, false);
  WARN("eval: " << r.n_tokens << " tokens, " << r.n_stories << " stories, mean NLL " << r.mean_nll() << ", top1 "
                << r.top1() << ", " << r.seconds << " s (" << static_cast<double>(r.n_tokens) / r.seconds << " tok/s)");
  CHECK(r.n_tokens == 20111);
  // README reference 1.2835 nats from a float64 implementation; the issue allows +-0.002 for float32.
  CHECK(r.mean_nll() == Approx(1.2835).margin(0.002));
}

TEST_CASE("llama2.c version-1 float32 export loads to the same model as version 0", "[arch][golden]") {
  // Write a v1 file (export.py version1_export layout) from the v0 weights, then compare.
  const Model f = load_model(k_model);
  const ModelConfig& c = f.config;
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  const uint32_t magic = 0x616b3432;
  const int32_t version = 1;
  put(&magic, 4);
  put(&version, 4);
  for (int32_t v : {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len}) {
    put(&v, 4);
  }
  const uint8_t shared = 1;
  put(&shared, 1);
  out.resize(256, '\0');
  auto mat = [&](const Mat& m) { put(m.data(), static_cast<size_t>(m.size()) * 4); };
  auto vec = [&](const Vec& v) { put(v.data(), static_cast<size_t>(v.size()) * 4); };
  for (const auto& l : f.layers) {
    vec(l.attn_norm);
  }
  for (const auto& l : f.layers) {
    vec(l.ffn_norm);
  }
  vec(f.final_norm);
  mat(f.tok_emb);
  for (const auto& l : f.layers) {
    mat(l.wq);
  }
  for (const auto& l : f.layers) {
    mat(l.wk);
  }
  for (const auto& l : f.layers) {
    mat(l.wv);
  }
  for (const auto& l : f.layers) {
    mat(l.wo);
  }
  for (const auto& l : f.layers) {
    mat(l.w1);
  }
  for (const auto& l : f.layers) {
    mat(l.w2);
  }
  for (const auto& l : f.layers) {
    mat(l.w3);
  }
  const std::string path = std::filesystem::temp_directory_path() / ("pimtx_arch_v1_" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << out;
  const Model v1 = load_model(path);
  CHECK(v1.config.format == "llama2c_v1");
  core::Config cfg;
  Transformer a(f, cfg.section("arch"), 1);
  Transformer b(v1, cfg.section("arch"), 1);
  const std::vector<int> ids = {1, 403, 407, 261, 378};
  CHECK(a.forward(ids) == b.forward(ids));  // identical weights -> identical logits
  // Truncated v1: IoError naming the implied size.
  std::ofstream(path, std::ios::binary) << out.substr(0, out.size() - 10);
  CHECK_THROWS_AS(load_model(path), IoError);
  std::filesystem::remove(path);
}
