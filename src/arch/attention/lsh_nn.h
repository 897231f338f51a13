// Approximate nearest-neighbour search with sign-random-projection LSH: Cai et al.'s "experiment 1"
// (ISCAS 2024 code, caixunshiren/pytorch-metal-oxide-memristor-crossbar, branch vmm-engine,
// experiments.ipynb; reference/papers.md §2), with any plane source.
//
// Protocol (as in that notebook): n_vectors vectors of dimension n_dim with N(0,1) entries; n_tables
// independent hash tables of n_bits sign bits; a bias input (a constant 1 appended to every vector, i.e. a
// bias column β ~ N(0,1) on the crossbar, so each plane is an affine hyperplane); every vector is hashed
// into each table; buckets holding more than max_bucket_size vectors are skipped (N / n_tables there); the
// approximate nearest neighbour of a vector is the closest (Euclidean) other vector sharing at least one
// non-skipped bucket with it. top-k accuracy = fraction of vectors whose approximate neighbour is among
// their k exact nearest neighbours (a vector with no candidate counts as a miss).
//
// Contract: the hasher is that of slot (layer 0, kv head 0) of `planes`, built with HashShape{n_dim + bias,
// n_bits, n_tables}; vectors come from core::Rng(seed, "lsh_nn.vectors"), hash noise from
// core::Rng(seed, "lsh_nn.noise") in vector order. Pure function of its inputs.
#pragma once

#include <cstdint>

#include "arch/attention/lsh_planes.h"

namespace pimtx::arch::lsh {

struct NnSearchParams {
  int n_vectors = 10000;
  int n_dim = 10;
  int n_bits = 5;
  int n_tables = 3;
  bool bias = true;
  int64_t max_bucket_size = 0;  // 0: n_vectors / n_tables (Cai et al.)
};

struct NnSearchResult {
  double top1_rel = 0.0;
  double top5_rel = 0.0;
  double top10_rel = 0.0;
  int64_t n_buckets = 0;            // non-empty buckets over all tables
  int64_t n_buckets_skipped = 0;    // larger than max_bucket_size
  int64_t n_without_candidate = 0;  // vectors with no candidate at all
  double mean_candidates = 0.0;     // mean number of distance evaluations per vector
};

[[nodiscard]] HashShape nn_hash_shape(const NnSearchParams& p);
NnSearchResult nn_search(const PlaneSource& planes, const NnSearchParams& p, uint64_t seed);

}  // namespace pimtx::arch::lsh
