// Counter-based random numbers (Random123 Philox4x64-10) with named sub-streams (STYLE.md §5).
//
// Contract: an Rng is fully determined by (master seed, stream name, index). Two Rngs with different
// names or indices are statistically independent; the same triple gives the same sequence on every
// platform, thread count and evaluation order. Seed 0 is an ordinary seed. The samplers below are our
// own (no std::*_distribution, whose output differs between standard libraries), so results are
// bit-identical across compilers linked against the same libm.
//
// Conventions for stream names: "<layer>.<purpose>", e.g. "xbar.d2d" (device-to-device draws, fixed
// per device instance) vs "xbar.read_noise" (run-time noise), so changing how much run-time noise is
// drawn never changes the device population.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pimtx::core {

// 64-bit FNV-1a of a string, then splitmix64-finalised with the seed. Used to derive Philox keys.
uint64_t stream_key(uint64_t master_seed, std::string_view stream_name);

class Rng {
 public:
  Rng(uint64_t master_seed, std::string_view stream_name, uint64_t index = 0);

  // A child stream: its key mixes this stream's key with `name` and `index`. Does not advance *this.
  [[nodiscard]] Rng child(std::string_view name, uint64_t index = 0) const;

  uint64_t next_u64();
  double uniform();       // [0, 1), 53 random bits
  double uniform_open();  // (0, 1), never 0 (safe for log)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  uint64_t uniform_int(uint64_t n);  // [0, n), unbiased (rejection); n > 0
  double normal();                   // N(0, 1), Box–Muller
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  double lognormal(double mu_log, double sigma_log);  // exp(N(mu_log, sigma_log))
  double exponential(double rate = 1.0);              // Exp(rate), mean 1/rate

  [[nodiscard]] uint64_t key_hi() const { return key_[0]; }
  [[nodiscard]] uint64_t key_lo() const { return key_[1]; }

 private:
  Rng(std::array<uint64_t, 2> key);
  void refill();

  std::array<uint64_t, 2> key_{};
  uint64_t block_ = 0;             // Philox counter (block index)
  std::array<uint64_t, 4> buf_{};  // current Philox output block
  int pos_ = 4;                    // next unread word in buf_
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace pimtx::core
