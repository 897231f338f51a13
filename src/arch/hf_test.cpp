// Hugging Face loader tests: a GPT-2-shaped checkpoint written here with known weights, checked against
// an independent naive float64 forward pass; a Llama-layout conversion of stories260K; dtype handling;
// and clear errors for truncated / wrong-magic / wrong-shape files (also through the CLI exit codes).
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "arch/model.h"
#include "arch/transformer.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"

using namespace pimtx;
using namespace pimtx::arch;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;  // row-major
};

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("pimtx_arch_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

uint16_t to_bf16(float f) { return static_cast<uint16_t>(std::bit_cast<uint32_t>(f) >> 16); }
// IEEE half by mantissa truncation, for zero and normal values only (the fixture flushes |w| < 1e-3 to 0).
uint16_t to_f16(float f) {
  if (f == 0.0f) {
    return 0;
  }
  const uint32_t b = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const int exp = static_cast<int>((b >> 23) & 0xff) - 127 + 15;
  REQUIRE(exp > 0);
  REQUIRE(exp < 31);
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exp) << 10) | ((b >> 13) & 0x3ffu));
}
double from_f16(uint16_t h) {
  const double m = 1.0 + (h & 0x3ff) / 1024.0;
  const double v = std::ldexp(m, ((h >> 10) & 0x1f) - 15);
  return (h & 0x8000) != 0 ? -v : v;
}

// safetensors writer (spec: u64 header length, JSON header, raw little-endian data).
void write_safetensors(const fs::path& path, const std::map<std::string, Tensor>& tensors,
                       const std::string& dtype = "F32") {
  json h = json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    const size_t begin = data.size();
    for (double v : t.data) {
      const auto f = static_cast<float>(v);  // exact: the fixture stores values representable in dtype
      if (dtype == "F32") {
        data.append(reinterpret_cast<const char*>(&f), 4);
      } else {
        const uint16_t b = dtype == "BF16" ? to_bf16(f) : to_f16(f);
        data.append(reinterpret_cast<const char*>(&b), 2);
      }
    }
    h[name] = {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
  }
  std::string hs = h.dump();
  while (hs.size() % 8 != 0) {
    hs += ' ';
  }
  const uint64_t n = hs.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << hs << data;
}

// GPT-2 checkpoint with seeded random weights (scale 0.3 so activations are O(1)).
struct Gpt2Fixture {
  int d = 16, L = 2, H = 4, V = 40, P = 12, F = 64;
  std::map<std::string, Tensor> t;
  fs::path dir;

  explicit Gpt2Fixture(const std::string& name, const std::string& dtype = "F32") {
    core::Rng rng(7, "test.gpt2");
    auto make = [&](const std::string& n, std::vector<int64_t> shape, double scale, double offset = 0.0) {
      Tensor x{shape, {}};
      int64_t c = 1;
      for (auto s : shape) {
        c *= s;
      }
      for (int64_t i = 0; i < c; ++i) {
        // F16/BF16 keep 11/8 mantissa bits: use values exact in that type so the reference sees the same weights.
        const auto v = static_cast<float>(offset + scale * rng.normal());
        double stored = v;
        if (dtype == "BF16") {
          stored = std::bit_cast<float>(static_cast<uint32_t>(to_bf16(v)) << 16);
        } else if (dtype == "F16") {
          stored = std::abs(v) < 1e-3f ? 0.0 : from_f16(to_f16(v));  // keep to normal halves
        }
        x.data.push_back(stored);
      }
      t[n] = x;
    };
    make("wte.weight", {V, d}, 0.3);
    make("wpe.weight", {P, d}, 0.1);
    for (int l = 0; l < L; ++l) {
      const std::string b = "h." + std::to_string(l) + ".";
      make(b + "ln_1.weight", {d}, 0.1, 1.0);
      make(b + "ln_1.bias", {d}, 0.1);
      make(b + "attn.c_attn.weight", {d, 3 * d}, 0.3);
      make(b + "attn.c_attn.bias", {3 * d}, 0.1);
      make(b + "attn.c_proj.weight", {d, d}, 0.3);
      make(b + "attn.c_proj.bias", {d}, 0.1);
      make(b + "ln_2.weight", {d}, 0.1, 1.0);
      make(b + "ln_2.bias", {d}, 0.1);
      make(b + "mlp.c_fc.weight", {d, F}, 0.3);
      make(b + "mlp.c_fc.bias", {F}, 0.1);
      make(b + "mlp.c_proj.weight", {F, d}, 0.2);
      make(b + "mlp.c_proj.bias", {d}, 0.1);
    }
    make("ln_f.weight", {d}, 0.1, 1.0);
    make("ln_f.bias", {d}, 0.1);
    dir = fresh_dir(name);
    write_safetensors(dir / "model.safetensors", t, dtype);
    write_config(dir, d);
  }

  void write_config(const fs::path& where, int n_embd) const {
    json c = {{"model_type", "gpt2"},
              {"n_embd", n_embd},
              {"n_layer", L},
              {"n_head", H},
              {"vocab_size", V},
              {"n_positions", P},
              {"layer_norm_epsilon", 1e-5},
              {"activation_function", "gelu_new"}};
    std::ofstream(where / "config.json") << c.dump(2);
  }

  const std::vector<double>& w(const std::string& n) const { return t.at(n).data; }

  // Independent naive float64 GPT-2 forward (HF GPT2LMHeadModel semantics): logits (n, V).
  std::vector<std::vector<double>> reference(const std::vector<int>& ids) const {
    const int n = static_cast<int>(ids.size());
    const int hd = d / H;
    std::vector<std::vector<double>> x(n, std::vector<double>(d));
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < d; ++j) {
        x[i][j] = w("wte.weight")[ids[i] * d + j] + w("wpe.weight")[i * d + j];
      }
    }
    auto layernorm = [&](const std::vector<double>& v, const std::string& p) {
      double mean = 0, var = 0;
      for (double a : v) {
        mean += a;
      }
      mean /= d;
      for (double a : v) {
        var += (a - mean) * (a - mean);
      }
      var /= d;
      std::vector<double> o(d);
      for (int j = 0; j < d; ++j) {
        o[j] = (v[j] - mean) / std::sqrt(var + 1e-5) * w(p + ".weight")[j] + w(p + ".bias")[j];
      }
      return o;
    };
    // Conv1D: y[o] = b[o] + sum_i x[i] W[i][o], W stored (in, out).
    auto conv = [&](const std::vector<double>& v, const std::string& p, int in, int out) {
      std::vector<double> y(out);
      for (int o = 0; o < out; ++o) {
        double s = w(p + ".bias")[o];
        for (int i = 0; i < in; ++i) {
          s += v[i] * w(p + ".weight")[i * out + o];
        }
        y[o] = s;
      }
      return y;
    };
    for (int l = 0; l < L; ++l) {
      const std::string b = "h." + std::to_string(l) + ".";
      std::vector<std::vector<double>> qkv(n);
      for (int i = 0; i < n; ++i) {
        qkv[i] = conv(layernorm(x[i], b + "ln_1"), b + "attn.c_attn", d, 3 * d);
      }
      std::vector<std::vector<double>> att(n, std::vector<double>(d, 0.0));
      for (int h = 0; h < H; ++h) {
        for (int i = 0; i < n; ++i) {
          std::vector<double> s(i + 1);
          double mx = -1e300;
          for (int j = 0; j <= i; ++j) {
            double dot = 0;
            for (int e = 0; e < hd; ++e) {
              dot += qkv[i][h * hd + e] * qkv[j][d + h * hd + e];
            }
            s[j] = dot / std::sqrt(static_cast<double>(hd));
            mx = std::max(mx, s[j]);
          }
          double z = 0;
          for (auto& a : s) {
            z += (a = std::exp(a - mx));
          }
          for (int j = 0; j <= i; ++j) {
            for (int e = 0; e < hd; ++e) {
              att[i][h * hd + e] += s[j] / z * qkv[j][2 * d + h * hd + e];
            }
          }
        }
      }
      for (int i = 0; i < n; ++i) {
        auto o = conv(att[i], b + "attn.c_proj", d, d);
        for (int j = 0; j < d; ++j) {
          x[i][j] += o[j];
        }
        auto f = conv(layernorm(x[i], b + "ln_2"), b + "mlp.c_fc", d, F);
        for (auto& a : f) {
          a = 0.5 * a * (1 + std::tanh(std::sqrt(2 / M_PI) * (a + 0.044715 * a * a * a)));
        }
        auto g = conv(f, b + "mlp.c_proj", F, d);
        for (int j = 0; j < d; ++j) {
          x[i][j] += g[j];
        }
      }
    }
    std::vector<std::vector<double>> logits(n, std::vector<double>(V));
    for (int i = 0; i < n; ++i) {
      auto h = layernorm(x[i], "ln_f");
      for (int v = 0; v < V; ++v) {
        double s = 0;
        for (int j = 0; j < d; ++j) {
          s += h[j] * w("wte.weight")[v * d + j];
        }
        logits[i][v] = s;
      }
    }
    return logits;
  }
};

double max_logit_error(const Mat& got, const std::vector<std::vector<double>>& ref) {
  double e = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    for (size_t v = 0; v < ref[i].size(); ++v) {
      e = std::max(e, std::abs(got(i, v) - ref[i][v]));
    }
  }
  return e;
}

template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return describe_chain(e);
  }
  return "<no error>";
}

int run_cli(const std::string& args) {
  const char* bin = std::getenv("PIMTX_BIN");
  REQUIRE(bin != nullptr);
  const int rc = std::system((std::string(bin) + " eval -q " + args + " > /dev/null 2>&1").c_str());
  return WEXITSTATUS(rc);
}

}  // namespace

TEST_CASE("GPT-2 safetensors checkpoint: engine logits equal an independent float64 forward", "[arch][hf]") {
  for (const std::string dtype : {"F32", "F16", "BF16"}) {
    Gpt2Fixture fx("gpt2_" + dtype, dtype);
    const Model m = load_model(fx.dir.string());
    CHECK(m.config.family == Family::gpt2);
    core::Config cfg;
    Transformer e(m, cfg.section("arch"), 1);
    const std::vector<int> ids = {3, 17, 0, 39, 8, 8, 21, 5, 11, 30};
    const auto ref = fx.reference(ids);
    // Prefill: float32 vs float64 accumulation over <= 64 terms of O(1) values: < 1e-4.
    CHECK(max_logit_error(e.forward(ids), ref) < 1e-4);
    // Incremental decoding with the KV cache, same tolerance.
    e.reset();
    Mat dec(ids.size(), fx.V);
    for (size_t i = 0; i < ids.size(); ++i) {
      dec.row(static_cast<int64_t>(i)) = e.forward(std::span<const int>(&ids[i], 1), false).row(0);
    }
    CHECK(max_logit_error(dec, ref) < 1e-4);
    fs::remove_all(fx.dir);
  }
}

TEST_CASE("Llama safetensors (HF layout, rotate-half RoPE) of stories260K gives the llama2.c logits", "[arch][hf]") {
  const Model src = load_model("data/models/stories260K.bin");
  const ModelConfig& c = src.config;
  const int hd = c.head_dim();
  // HF stores wq/wk rows permuted so rotate_half pairs (i, i+hd/2) are llama2.c's pairs (2i, 2i+1)
  // (llama2.c export.py permute_original): HF row h*hd + j*hd/2 + i = llama2.c row h*hd + 2i + j.
  auto permute = [&](const Mat& w, int heads) {
    Mat o(w.rows(), w.cols());
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < hd / 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          o.row(h * hd + j * hd / 2 + i) = w.row(h * hd + 2 * i + j);
        }
      }
    }
    return o;
  };
  auto tensor = [](const Mat& m, bool vec = false) {
    Tensor t;
    t.shape = vec ? std::vector<int64_t>{m.size()} : std::vector<int64_t>{m.rows(), m.cols()};
    for (int64_t r = 0; r < m.rows(); ++r) {
      for (int64_t k = 0; k < m.cols(); ++k) {
        t.data.push_back(m(r, k));
      }
    }
    return t;
  };
  std::map<std::string, Tensor> t;
  t["model.embed_tokens.weight"] = tensor(src.tok_emb);
  t["model.norm.weight"] = tensor(src.final_norm.transpose(), true);
  for (int l = 0; l < c.n_layers; ++l) {
    const auto& w = src.layers[l];
    const std::string b = "model.layers." + std::to_string(l) + ".";
    t[b + "input_layernorm.weight"] = tensor(w.attn_norm.transpose(), true);
    t[b + "post_attention_layernorm.weight"] = tensor(w.ffn_norm.transpose(), true);
    t[b + "self_attn.q_proj.weight"] = tensor(permute(w.wq, c.n_heads));
    t[b + "self_attn.k_proj.weight"] = tensor(permute(w.wk, c.n_kv_heads));
    t[b + "self_attn.v_proj.weight"] = tensor(w.wv);
    t[b + "self_attn.o_proj.weight"] = tensor(w.wo);
    t[b + "mlp.gate_proj.weight"] = tensor(w.w1);
    t[b + "mlp.down_proj.weight"] = tensor(w.w2);
    t[b + "mlp.up_proj.weight"] = tensor(w.w3);
  }
  const fs::path dir = fresh_dir("llama");
  write_safetensors(dir / "model.safetensors", t);
  json cj = {{"model_type", "llama"},
             {"hidden_size", c.dim},
             {"intermediate_size", c.hidden_dim},
             {"num_hidden_layers", c.n_layers},
             {"num_attention_heads", c.n_heads},
             {"num_key_value_heads", c.n_kv_heads},
             {"vocab_size", c.vocab_size},
             {"max_position_embeddings", c.seq_len},
             {"rms_norm_eps", 1e-5},
             {"tie_word_embeddings", true}};
  std::ofstream(dir / "config.json") << cj.dump();
  const Model hf = load_model((dir / "config.json").string());
  core::Config cfg;
  Transformer a(src, cfg.section("arch"), 1);
  Transformer b(hf, cfg.section("arch"), 1);
  const std::vector<int> ids = {1, 403, 407, 261, 378, 290, 261, 424, 300, 301, 77, 12};
  // Same arithmetic up to the order of the two RoPE components: float32 rounding only.
  CHECK((a.forward(ids) - b.forward(ids)).cwiseAbs().maxCoeff() < 1e-4f);
  fs::remove_all(dir);
}

TEST_CASE("Bad checkpoints give errors naming the file and the mismatch", "[arch][hf][errors]") {
  const fs::path dir = fresh_dir("bad");
  const std::string good = "data/models/stories260K.bin";
  const std::string tok = "data/models/tok512.bin";
  const std::string text = "data/text/tinystories_valid_excerpt.txt";
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  SECTION("truncated llama2.c file: IoError, CLI exit 1") {
    const auto p = (dir / "trunc.bin").string();
    std::ofstream(p, std::ios::binary) << bytes.substr(0, 100000);
    const std::string msg = error_of<IoError>([&] { load_model(p); });
    INFO(msg);
    CHECK(msg.find(p) != std::string::npos);
    CHECK(msg.find("truncated") != std::string::npos);
    CHECK(msg.find("1056540") != std::string::npos);  // the size the header implies
    CHECK(run_cli("--model " + p + " --tokenizer " + tok + " --text " + text + " -o " + (dir / "o.h5").string()) == 1);
    CHECK_FALSE(fs::exists(dir / "o.h5"));
  }
  SECTION("wrong magic: ConfigError, CLI exit 2") {
    std::ifstream qin("data/models/stories260K_q80.bin", std::ios::binary);
    std::string q((std::istreambuf_iterator<char>(qin)), std::istreambuf_iterator<char>());
    q[3] = 'X';
    const auto p = (dir / "magic.bin").string();
    std::ofstream(p, std::ios::binary) << q;
    const std::string msg = error_of<ConfigError>([&] { load_model(p); });
    INFO(msg);
    CHECK(msg.find(p) != std::string::npos);
    CHECK(msg.find("magic") != std::string::npos);
    CHECK(run_cli("--model " + p + " --tokenizer " + tok + " --text " + text + " -o " + (dir / "o.h5").string()) == 2);
  }
  SECTION("unsupported ak42 version: ConfigError") {
    std::string q = bytes;
    std::ifstream qin("data/models/stories260K_q80.bin", std::ios::binary);
    q.assign((std::istreambuf_iterator<char>(qin)), std::istreambuf_iterator<char>());
    q[4] = 7;
    const auto p = (dir / "v7.bin").string();
    std::ofstream(p, std::ios::binary) << q;
    const std::string msg = error_of<ConfigError>([&] { load_model(p); });
    CHECK(msg.find("version 7") != std::string::npos);
  }
  SECTION("safetensors tensor shape disagrees with config.json: ConfigError naming the tensor") {
    Gpt2Fixture fx("shape");
    fx.write_config(fx.dir, 32);  // n_embd 32, tensors are 16 wide
    const std::string msg = error_of<ConfigError>([&] { load_model(fx.dir.string()); });
    INFO(msg);
    CHECK(msg.find("model.safetensors") != std::string::npos);
    CHECK(msg.find("wte.weight") != std::string::npos);
    CHECK(msg.find("[40, 16]") != std::string::npos);
    CHECK(msg.find("[40, 32]") != std::string::npos);
    fs::remove_all(fx.dir);
  }
  SECTION("truncated safetensors: IoError") {
    Gpt2Fixture fx("sttrunc");
    const auto st = fx.dir / "model.safetensors";
    fs::resize_file(st, fs::file_size(st) - 100);
    const std::string msg = error_of<IoError>([&] { load_model(fx.dir.string()); });
    INFO(msg);
    CHECK(msg.find("truncated") != std::string::npos);
    CHECK(msg.find(st.string()) != std::string::npos);
    fs::resize_file(st, 4);
    CHECK(error_of<IoError>([&] { load_model(fx.dir.string()); }).find("8-byte header") != std::string::npos);
    fs::remove_all(fx.dir);
  }
  fs::remove_all(dir);
}
