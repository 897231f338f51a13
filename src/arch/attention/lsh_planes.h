// Hash-plane sources for LSH attention (issue 6): angular (sign random projection) LSH of queries and keys.
//
// Contract: a PlaneSource is built once from its config section (`[...attention.planes]`, `type` selects the
// unit) with the master seed and the hash shape; bad settings throw ConfigError there. make_hasher() returns
// the Hasher of one (layer, kv head) slot. A Hasher maps one vector x (n_dim floats, unitless: a post-RoPE
// query or key) to n_rounds bucket ids of n_bits bits each; bit i of round r is 1 iff the i-th projection of
// round r is >= 0 (for physical sources: iff the comparator fires). The same Hasher hashes the queries and
// the keys of its slot, so they share the planes. Planes are fixed per hasher (device-to-device); hash() may
// draw run-time noise (read noise, comparator noise) only from `noise` (null: noiseless), so the result is a
// pure function of (seed, layer, kv head, x, noise stream). n_bits = 0 gives one bucket (all ids 0).
// Plane draws for round r never depend on n_rounds, so r rounds are a prefix of r + 1 rounds.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/config.h"
#include "core/registry.h"
#include "core/rng.h"

namespace pimtx::arch::lsh {

inline constexpr int k_max_bits = 16;  // bucket ids are uint32; 2^16 buckets is far beyond any context here

struct HashShape {
  int n_dim = 0;     // vector dimension (head size)
  int n_bits = 0;    // sign bits per round, 0..k_max_bits
  int n_rounds = 1;  // independent hash tables, >= 1
};

class Hasher {
 public:
  virtual ~Hasher() = default;
  // x: n_dim values; ids: n_rounds bucket ids (out).
  virtual void hash(std::span<const float> x, core::Rng* noise, std::span<uint32_t> ids) = 0;
  // False if hash() never draws from `noise` (the caller may then skip building the stream).
  [[nodiscard]] virtual bool uses_noise() const { return false; }
};

class PlaneSource {
 public:
  virtual ~PlaneSource() = default;
  [[nodiscard]] virtual std::string type() const = 0;
  [[nodiscard]] virtual std::unique_ptr<Hasher> make_hasher(int layer, int kv_head) const = 0;
};

// Factory arguments: master seed, hash shape.
using PlaneSourceRegistry = core::Registry<PlaneSource, uint64_t, HashShape>;
const PlaneSourceRegistry& plane_source_registry();

// The Gaussian plane draws of one round: (n_bits, n_dim) row-major N(0,1), from stream
// "arch.lsh.planes" / layer / kv_head / round. Shared by the software sources (so `quantized` is `gaussian`
// rounded, isolating the effect of weight resolution).
void draw_gaussian_planes(uint64_t seed, int layer, int kv_head, int round, int n_bits, int n_dim,
                          std::span<float> out);

}  // namespace pimtx::arch::lsh
