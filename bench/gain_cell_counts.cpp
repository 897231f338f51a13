// bench_gain_cell_counts: hardware event counts per generated token of gain-cell attention (issue 13) on a
// GPT-2-124M-shaped model with Leroux et al.'s geometry (12 layers, 12 heads, d_head 64, window 1024, 64 x 64
// arrays, HardSigmoid readout), built in memory with random weights (N(0, 0.02²), GPT-2's init scale; the counts do
// not depend on the weights). A prefill of n_prefill random tokens fills the window, then n_decode single-token
// decode steps are counted; the printed figures are per decoded token (steady state once n_prefill >= window).
// Also prints the read energy implied by the card (e_read_j / t_read_s × the summed cell read time).
// usage: bench_gain_cell_counts [n_prefill=1024] [n_decode=4] [card=data/devices/si_3t_gaincell.h5]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "arch/kv_cache/gain_cell.h"
#include "arch/model.h"
#include "arch/transformer.h"
#include "core/config.h"
#include "core/rng.h"

using namespace pimtx;

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

arch::Mat random_mat(core::Rng& r, int rows, int cols) {
  arch::Mat m(rows, cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      m(i, j) = static_cast<float>(0.02 * r.normal());
    }
  }
  return m;
}

arch::Model gpt2_124m_shape(int seq_len) {
  arch::Model m;
  auto& c = m.config;
  c.family = arch::Family::gpt2;
  c.dim = 768;
  c.hidden_dim = 3072;
  c.n_layers = 12;
  c.n_heads = 12;
  c.n_kv_heads = 12;
  c.vocab_size = 50257;
  c.seq_len = seq_len;
  c.shared_classifier = true;
  c.format = "random (bench_gain_cell_counts)";
  c.validate("bench_gain_cell_counts");
  core::Rng r(1, "bench.gain_cell_counts.weights");
  m.tok_emb = random_mat(r, c.vocab_size, c.dim);
  m.pos_emb = random_mat(r, seq_len, c.dim);
  for (int l = 0; l < c.n_layers; ++l) {
    arch::LayerWeights w;
    w.attn_norm = arch::Vec::Ones(c.dim);
    w.attn_norm_bias = arch::Vec::Zero(c.dim);
    w.wqkv = random_mat(r, 3 * c.dim, c.dim);
    w.bqkv = arch::Vec::Zero(3 * c.dim);
    w.wo = random_mat(r, c.dim, c.dim);
    w.bo = arch::Vec::Zero(c.dim);
    w.ffn_norm = arch::Vec::Ones(c.dim);
    w.ffn_norm_bias = arch::Vec::Zero(c.dim);
    w.w1 = random_mat(r, c.hidden_dim, c.dim);
    w.b1 = arch::Vec::Zero(c.hidden_dim);
    w.w2 = random_mat(r, c.dim, c.hidden_dim);
    w.b2 = arch::Vec::Zero(c.dim);
    m.layers.push_back(std::move(w));
  }
  m.final_norm = arch::Vec::Ones(c.dim);
  m.final_norm_bias = arch::Vec::Zero(c.dim);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const int n_prefill = argc > 1 ? std::atoi(argv[1]) : 1024;
  const int n_decode = argc > 2 ? std::atoi(argv[2]) : 4;
  const std::string card = argc > 3 ? argv[3] : "data/devices/si_3t_gaincell.h5";
  if (n_prefill < 1 || n_decode < 1) {
    fmt::print(stderr, "usage: bench_gain_cell_counts [n_prefill >= 1] [n_decode >= 1] [card]\n");
    return 2;
  }
  double t0 = now_s();
  const arch::Model model = gpt2_124m_shape(n_prefill + n_decode);
  fmt::print("GPT-2-124M shape, random weights: built in {:.1f} s\n", now_s() - t0);
  auto cfg = core::Config::from_string(
      fmt::format("[arch.kv_cache]\ntype = \"gain_cell\"\ndevice_card = \"{}\"\nn_levels = 8\nn_window = 1024\n"
                  "[arch.attention]\ntype = \"gain_cell\"\nscore_readout = \"hard_sigmoid\"\nn_window = 1024\n"
                  "n_array_rows = 64\nn_array_cols = 64\nn_input_levels = 16\nn_output_levels = 32\n",
                  card));
  arch::Transformer e(model, cfg.section("arch"), 1);
  cfg.check_unknown();
  std::vector<int> ids(static_cast<size_t>(n_prefill + n_decode));
  for (size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<int>((i * 7919 + 13) % 50257);
  }
  t0 = now_s();
  e.forward(std::span<const int>(ids.data(), static_cast<size_t>(n_prefill)), false);
  fmt::print("prefill of {} tokens: {:.1f} s\n", n_prefill, now_s() - t0);
  e.clear_counts();
  t0 = now_s();
  for (int k = 0; k < n_decode; ++k) {
    e.forward(std::span<const int>(&ids[static_cast<size_t>(n_prefill + k)], 1), false);
  }
  fmt::print("{} decode steps: {:.2f} s\n", n_decode, now_s() - t0);
  arch::OpCounts att, kv;
  for (int l = 0; l < model.config.n_layers; ++l) {
    att += e.counts()[l].attention;
    kv += e.counts()[l].kv_cache;
  }
  const double nd = n_decode;
  fmt::print("\nper decoded token at positions {}..{} (window 1024), all 12 layers x 12 heads:\n", n_prefill,
             n_prefill + n_decode - 1);
  for (const auto& [name, n] : kv.events) {
    fmt::print("  kv_cache  {:<30} {:>14.0f}\n", name, static_cast<double>(n) / nd);
  }
  for (const auto& [name, n] : att.events) {
    fmt::print("  attention {:<30} {:>14.0f}\n", name, static_cast<double>(n) / nd);
  }
  for (const auto& [name, x] : att.sums) {
    fmt::print("  attention {:<30} {:>14.4g}\n", name, x / nd);
  }
  core::Config cc;
  core::Section s = cc.root();
  const auto dev = arch::load_gain_cell_card(s, "device_card", card);
  if (dev.t_read_s > 0 && att.sums.count("gain_cell.read_cell_time_s") != 0) {
    const double e_read = dev.e_read_j / dev.t_read_s * att.sums.at("gain_cell.read_cell_time_s") / nd;
    const double e_write = dev.e_write_j * static_cast<double>(kv.events["gain_cell.writes"]) / nd;
    fmt::print(
        "\ncard energies (e_read_j {:.3g} J per {:.3g} s read, e_write_j {:.3g} J): cell reads {:.3g} J, "
        "cell writes {:.3g} J per token (array cells only: no DAC/ADC, drivers or digital)\n",
        dev.e_read_j, dev.t_read_s, dev.e_write_j, e_read, e_write);
  }
  return 0;
}
