// bench_engine: prefill and decode throughput of the exact engine (digital / dense / full units) on
// stories260K, with 1 thread and with all cores, plus peak RSS. All cores = one independent sequence
// (own Transformer, own KV cache) per hardware thread, aggregate tokens/s: the model is far too small
// (dim 64) for splitting one token's work across threads to pay off.
// Decode mirrors llama2.c run.c's loop: BOS, then `steps` greedy single-token forward passes with the
// KV cache. Prefill: one forward pass over a `steps`-token sequence, all logits.
// usage: bench_engine [MODEL] [STEPS] [REPEATS]
#include <fmt/format.h>
#include <sys/resource.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "arch/model.h"
#include "arch/transformer.h"
#include "core/config.h"

using namespace pimtx;

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Rates {
  double prefill_tok_s = 0, decode_tok_s = 0;
  float checksum = 0;  // last logits of the decode run, to show the numbers do not change with threads
};

Rates measure(arch::Transformer& e, int steps, int repeats) {
  Rates r;
  std::vector<int> seq(steps);
  for (int i = 0; i < steps; ++i) {
    seq[i] = i == 0 ? 1 : 3 + (i * 37) % 509;
  }
  double best_prefill = 1e30, best_decode = 1e30;
  for (int rep = 0; rep < repeats; ++rep) {
    e.reset();
    double t0 = now_s();
    const arch::Mat& lp = e.forward(seq, true);
    best_prefill = std::min(best_prefill, now_s() - t0);
    r.checksum = lp(steps - 1, 0);
    e.reset();
    int tok = 1;
    t0 = now_s();
    for (int s = 0; s < steps; ++s) {
      const arch::Mat& l = e.forward(std::span<const int>(&tok, 1), false);
      Eigen::Index best = 0;
      l.row(0).maxCoeff(&best);
      tok = static_cast<int>(best);
    }
    best_decode = std::min(best_decode, now_s() - t0);
  }
  r.prefill_tok_s = steps / best_prefill;
  r.decode_tok_s = steps / best_decode;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "data/models/stories260K.bin";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 256;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 20;
  const arch::Model m = arch::load_model(path);
  core::Config cfg;
  arch::Transformer e(m, cfg.section("arch"), 1);
  const int n_all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  fmt::print("bench_engine: {} ({}), {} steps, best of {} repeats, {} hardware threads\n", path, m.config.format, steps,
             repeats, n_all);
  const Rates one = measure(e, steps, repeats);
  // All cores: every thread runs the same measurement on its own engine; aggregate = sum of rates over
  // the common wall time.
  std::vector<Rates> per(n_all);
  std::vector<std::unique_ptr<arch::Transformer>> engines;  // built here: Config is not thread-safe
  for (int t = 0; t < n_all; ++t) {
    engines.push_back(std::make_unique<arch::Transformer>(m, cfg.section("arch"), 1));
  }
  std::vector<std::thread> pool;
  const double t0 = now_s();
  for (int t = 0; t < n_all; ++t) {
    pool.emplace_back([&, t] { per[t] = measure(*engines[t], steps, repeats); });
  }
  for (auto& th : pool) {
    th.join();
  }
  const double wall = now_s() - t0;
  Rates all;
  for (const auto& r : per) {
    all.prefill_tok_s += r.prefill_tok_s;
    all.decode_tok_s += r.decode_tok_s;
  }
  all.checksum = per[0].checksum;
  fmt::print("threads   prefill_tok_s   decode_tok_s   checksum\n");
  fmt::print("{:7d}   {:13.0f}   {:12.0f}   {:.6f}\n", 1, one.prefill_tok_s, one.decode_tok_s, one.checksum);
  fmt::print("{:7d}   {:13.0f}   {:12.0f}   {:.6f}   (aggregate over {} sequences, {:.1f} s wall)\n", n_all,
             all.prefill_tok_s, all.decode_tok_s, all.checksum, n_all, wall);
  fmt::print("ratio all/1 thread: prefill {:.2f}, decode {:.2f}; prefill/decode (1 thread) {:.2f}\n",
             all.prefill_tok_s / one.prefill_tok_s, all.decode_tok_s / one.decode_tok_s,
             one.prefill_tok_s / one.decode_tok_s);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  fmt::print("peak RSS {:.1f} MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
