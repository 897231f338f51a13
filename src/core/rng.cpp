#include "core/rng.h"

#include <Random123/philox.h>

#include <cassert>
#include <cmath>
#include <numbers>

namespace pimtx::core {

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}
}  // namespace

uint64_t stream_key(uint64_t master_seed, std::string_view stream_name) {
  return splitmix64(fnv1a(stream_name) ^ splitmix64(master_seed));
}

Rng::Rng(uint64_t master_seed, std::string_view stream_name, uint64_t index)
    : key_{stream_key(master_seed, stream_name), splitmix64(index ^ 0x5DEECE66Dull)} {}

Rng::Rng(std::array<uint64_t, 2> key) : key_(key) {}

Rng Rng::child(std::string_view name, uint64_t index) const {
  const uint64_t k0 = splitmix64(key_[0] ^ fnv1a(name));
  const uint64_t k1 = splitmix64(key_[1] ^ splitmix64(index + 0x632BE59BD9B4E019ull));
  return Rng(std::array<uint64_t, 2>{k0, k1});
}

void Rng::refill() {
  using Philox = r123::Philox4x64_R<10>;
  Philox gen;
  Philox::ctr_type ctr = {{block_, 0, 0, 0}};
  Philox::key_type key = {{key_[0], key_[1]}};
  const Philox::ctr_type out = gen(ctr, key);
  for (int i = 0; i < 4; ++i) {
    buf_[static_cast<size_t>(i)] = out.v[i];
  }
  ++block_;
  pos_ = 0;
}

uint64_t Rng::next_u64() {
  if (pos_ >= 4) {
    refill();
  }
  return buf_[static_cast<size_t>(pos_++)];
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_open() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

uint64_t Rng::uniform_int(uint64_t n) {
  assert(n > 0);
  // Lemire-free simple rejection: draw below the largest multiple of n.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x = next_u64();
  while (x >= limit) {
    x = next_u64();
  }
  return x % n;
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  const double u1 = uniform_open();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double a = 2.0 * std::numbers::pi * u2;
  spare_normal_ = r * std::sin(a);
  has_spare_ = true;
  return r * std::cos(a);
}

double Rng::lognormal(double mu_log, double sigma_log) { return std::exp(normal(mu_log, sigma_log)); }

double Rng::exponential(double rate) { return -std::log(uniform_open()) / rate; }

}  // namespace pimtx::core
