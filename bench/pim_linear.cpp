// bench_pim_linear: the crossbar linear unit (src/arch/linear/crossbar.h), three figures measured in one run:
//  (1) characterisation of one 128×128 tile (nodal analysis + factorisation + transfer matrix) vs one ngspice `op`
//      of the identical netlist (which gives one input vector only), and the transfer matrix's error against it;
//  (2) stories260K eval tokens/s with every projection and FFN matrix on crossbars (2.5-ohm IR drop, linear
//      cells, 8-bit DAC/ADC) vs `digital`, same stories;
//  (3) a GPT-2-124M-shaped model (12 layers, d 768, random N(0, 0.02) weights built in memory) with every linear
//      layer but the classifier on 128×128 tiles: characterisation wall time, decode tokens/s, peak RSS.
// usage: bench_pim_linear [--spice-n N (0 = skip ngspice)] [--eval-tokens N] [--gpt2-decode N] [--gpt2-layers N]
//        [--no-gpt2]   (--gpt2-layers < 12 builds fewer layers of the same shape, for loaded machines)
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "circuits/crossbar.h"
#include "core/config.h"
#include "core/rng.h"
#include "io/text.h"
#include "spice/engine.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double cpu_s() {  // user + system CPU time of the process (all threads): the load-independent cost
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void tile_vs_spice(int n, int spice_n) {
  core::Rng rng(11, "bench.pim_linear.tile");
  xbar::CellArray cells;
  cells.a1_s.resize(n, n);
  circuits::CrossbarSpec spec;
  spec.n_rows = static_cast<size_t>(n);
  spec.n_cols = static_cast<size_t>(n);
  spec.parasitics = {2.5, 2.5, 2.5, 2.5};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      cells.a1_s(i, j) = rng.uniform(1e-6, 100e-6);
      spec.g_s.push_back(cells.a1_s(i, j));
    }
  }
  Eigen::VectorXd v(n);
  for (int i = 0; i < n; ++i) {
    v(i) = rng.uniform(-0.2, 0.2);
    spec.v_rows_v.push_back(v(i));
  }
  const xbar::Parasitics par{2.5, 2.5, 2.5, 2.5};
  double best = 1e30;
  xbar::TransferMatrix tm;
  for (int rep = 0; rep < 3; ++rep) {
    const double t0 = now_s();
    xbar::SolverOptions so;
    so.boundary_last = true;
    xbar::NodalSolver s(cells, par, so);
    tm = s.transfer_matrix();
    best = std::min(best, now_s() - t0);
  }
  {
    xbar::SolverOptions so;
    so.boundary_last = true;
    xbar::NodalSolver s(cells, par, so);
    xbar::Drive d;
    d.word_v = Eigen::MatrixXd::Zero(n, 1);
    const xbar::SolveResult r1 = s.solve(d);
    const double t1 = now_s();
    (void)s.transfer_matrix();
    fmt::print("    breakdown: analysis {:.4f} s, factorisation {:.4f} s, transfer matrix from the factor {:.4f} s\n",
               s.t_analyze_s(), r1.t_factor_s, now_s() - t1);
  }
  fmt::print(
      "(1) {}x{} tile characterisation (analysis + factorisation + transfer matrix M, W): {:.4f} s (best of 3)\n", n, n,
      best);
  if (spice_n != n) {
    fmt::print("    ngspice op skipped (--spice-n {})\n", spice_n);
    std::fflush(stdout);
    return;
  }
  spec.options = ".options reltol=1e-10 abstol=1e-18 vntol=1e-13";
  spice::Job job;
  job.netlist = circuits::crossbar_lines(spec);
  job.commands = {"op"};
  for (int j = 0; j < n; ++j) {
    job.save.push_back(circuits::sense_vector(static_cast<size_t>(j)));
  }
  const double t0 = now_s();
  const spice::Result r = spice::run_job(job);
  const double t_sp = now_s() - t0;
  Eigen::VectorXd ref(n);
  for (int j = 0; j < n; ++j) {
    ref(j) = r.scalar(circuits::sense_vector(static_cast<size_t>(j)));
  }
  const double err = xbar::compare_currents(tm.bit_a_per_v * v, ref).max_rel;
  fmt::print(
      "    one ngspice op of the same tile (one input vector): {:.2f} s; ratio {:.0f}x; max rel error of M*v {:.2e}\n",
      t_sp, t_sp / best, err);
  std::fflush(stdout);
}

void eval_speed(int64_t n_tokens) {
  const arch::Model model = arch::load_model("data/models/stories260K.bin");
  const auto tok = arch::load_tokenizer("data/models/tok512.bin", model.config.vocab_size);
  auto stories = arch::split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
  const std::vector<std::string> calib(stories.end() - 5, stories.end());
  stories.resize(stories.size() - 5);
  core::Config dig;
  arch::Transformer e0(model, dig.section("arch"), 1);
  (void)arch::evaluate(e0, *tok, stories, 200, false);  // warm-up
  const arch::EvalResult r0 = arch::evaluate(e0, *tok, stories, n_tokens, false);
  core::Config xb = core::Config::from_string(
      "[arch.linear]\ntype = 'crossbar'\nroles = ['wq','wk','wv','wo','w1','w2','w3']\nn_threads = 1\n"
      "g_lo_s = 3.16e-6\ng_hi_s = 31.6e-6\noutput_gain_calibration = true\n",  // experiments/pim_linear's base
      "bench");
  const double t0 = now_s();
  arch::Transformer e1(model, xb.section("arch"), 1);
  const double t_char = now_s() - t0;
  e1.calibrate([&]() { (void)arch::evaluate(e1, *tok, calib, 0, false); });
  const arch::EvalResult r1 = arch::evaluate(e1, *tok, stories, n_tokens, false);
  const double d0 = static_cast<double>(r0.n_tokens) / r0.seconds, d1 = static_cast<double>(r1.n_tokens) / r1.seconds;
  fmt::print(
      "(2) stories260K eval, {} tokens, 1 thread: digital {:.0f} tok/s (NLL {:.4f}); all projections + FFN on 128x128 "
      "crossbars (2.5-ohm wires/driver/sense, 3.16-31.6 uS, 8-bit DAC/ADC, gain trim) {:.0f} tok/s (NLL {:.4f}); "
      "digital/crossbar {:.2f}x; "
      "characterisation of all tiles {:.2f} s\n",
      r0.n_tokens, d0, r0.mean_nll(), d1, r1.mean_nll(), d0 / d1, t_char);
  std::fflush(stdout);
}

arch::Model gpt2_shaped(int n_layers) {
  arch::Model m;
  auto& c = m.config;
  c.family = arch::Family::gpt2;
  c.dim = 768;
  c.hidden_dim = 3072;
  c.n_layers = n_layers;
  c.n_heads = 12;
  c.n_kv_heads = 12;
  c.vocab_size = 50257;
  c.seq_len = 1024;
  c.shared_classifier = true;
  c.format = "random";
  core::Rng rng(3, "bench.pim_linear.gpt2");
  auto mat = [&](int r, int k) {
    arch::Mat w(r, k);
    for (int64_t i = 0; i < w.size(); ++i) {
      w.data()[i] = static_cast<float>(0.02 * rng.normal());
    }
    return w;
  };
  auto ones = [](int n) { return arch::Vec::Ones(n); };
  auto zeros = [](int n) { return arch::Vec::Zero(n); };
  m.tok_emb = mat(c.vocab_size, c.dim);
  m.pos_emb = mat(c.seq_len, c.dim);
  for (int l = 0; l < c.n_layers; ++l) {
    arch::LayerWeights w;
    w.attn_norm = ones(c.dim);
    w.attn_norm_bias = zeros(c.dim);
    w.wqkv = mat(3 * c.dim, c.dim);
    w.bqkv = zeros(3 * c.dim);
    w.wo = mat(c.dim, c.dim);
    w.bo = zeros(c.dim);
    w.ffn_norm = ones(c.dim);
    w.ffn_norm_bias = zeros(c.dim);
    w.w1 = mat(c.hidden_dim, c.dim);
    w.b1 = zeros(c.hidden_dim);
    w.w2 = mat(c.dim, c.hidden_dim);
    w.b2 = zeros(c.dim);
    m.layers.push_back(std::move(w));
  }
  m.final_norm = ones(c.dim);
  m.final_norm_bias = zeros(c.dim);
  return m;
}

void gpt2_bench(int n_decode, int n_layers) {
  const arch::Model m = gpt2_shaped(n_layers);
  const double rss0 = peak_rss_mb();
  core::Config xb = core::Config::from_string("[arch.linear]\ntype = 'crossbar'\ncount_read_power = false\n", "bench");
  const double t0 = now_s(), c0 = cpu_s();
  arch::Transformer e(m, xb.section("arch"), 1);
  const double t_char = now_s() - t0, c_char = cpu_s() - c0;
  std::vector<int> calib(16);
  for (int i = 0; i < 16; ++i) {
    calib[static_cast<size_t>(i)] = (i * 7919) % m.config.vocab_size;
  }
  e.calibrate([&]() { e.forward(calib, false); });
  int next = 50256;
  const double t1 = now_s();
  for (int k = 0; k < n_decode; ++k) {
    const arch::Mat& logits = e.forward(std::span<const int>(&next, 1), false);
    Eigen::Index best = 0;
    logits.row(0).maxCoeff(&best);
    next = static_cast<int>(best);
  }
  const double t_dec = now_s() - t1;
  fmt::print(
      "(3) GPT-2-124M-shaped random model, wqkv/wo/w1/w2 of {} layers on 128x128 crossbars ({} threads): "
      "characterisation {:.1f} s wall, {:.1f} s CPU; decode {:.2f} tok/s ({} tokens); peak RSS {:.0f} MB (model alone "
      "{:.0f} MB)\n",
      n_layers, std::max(1U, std::thread::hardware_concurrency()), t_char, c_char, n_decode / t_dec, n_decode,
      peak_rss_mb(), rss0);
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  int spice_n = 128, n_decode = 8, gpt2_layers = 12;
  int64_t eval_tokens = 3000;
  bool gpt2 = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--spice-n" && i + 1 < argc) {
      spice_n = std::atoi(argv[++i]);
    } else if (a == "--eval-tokens" && i + 1 < argc) {
      eval_tokens = std::atoll(argv[++i]);
    } else if (a == "--gpt2-decode" && i + 1 < argc) {
      n_decode = std::atoi(argv[++i]);
    } else if (a == "--gpt2-layers" && i + 1 < argc) {
      gpt2_layers = std::atoi(argv[++i]);
    } else if (a == "--no-gpt2") {
      gpt2 = false;
    } else {
      fmt::print(
          stderr,
          "usage: bench_pim_linear [--spice-n N] [--eval-tokens N] [--gpt2-decode N] [--gpt2-layers N] [--no-gpt2]\n");
      return 2;
    }
  }
  tile_vs_spice(128, spice_n);
  eval_speed(eval_tokens);
  if (gpt2) {
    gpt2_bench(n_decode, gpt2_layers);
  }
  return 0;
}
