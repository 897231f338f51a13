// Approximate nearest-neighbour search (Cai et al. protocol) with LSH plane sources.
#include "arch/attention/lsh_nn.h"

#include <catch2/catch.hpp>

#include "core/config.h"

using namespace pimtx;
using namespace pimtx::arch;

namespace {
std::unique_ptr<lsh::PlaneSource> planes(const std::string& toml, uint64_t seed, lsh::HashShape shape) {
  core::Config cfg = core::Config::from_string(toml, "nn.toml");
  core::Section s = cfg.section("planes");
  return lsh::plane_source_registry().create(s, "gaussian", seed, shape);
}
}  // namespace

TEST_CASE("lsh_nn: one bucket searches everything, so the neighbour is exact", "[arch][lsh]") {
  lsh::NnSearchParams p;
  p.n_vectors = 300;
  p.n_bits = 0;  // every vector in bucket 0 of each table
  p.n_tables = 1;
  p.max_bucket_size = 300;
  auto src = planes("[planes]\ntype = \"gaussian\"\n", 1, lsh::nn_hash_shape(p));
  const auto r = lsh::nn_search(*src, p, 7);
  CHECK(r.top1_rel == 1.0);
  CHECK(r.top10_rel == 1.0);
  CHECK(r.n_buckets == 1);
  CHECK(r.mean_candidates == 299.0);
}

TEST_CASE("lsh_nn: same seed same result, buckets over the size limit are skipped", "[arch][lsh]") {
  lsh::NnSearchParams p;
  p.n_vectors = 2000;
  auto src = planes("[planes]\ntype = \"gaussian\"\n", 3, lsh::nn_hash_shape(p));
  const auto a = lsh::nn_search(*src, p, 5);
  const auto b = lsh::nn_search(*src, p, 5);
  CHECK(a.top1_rel == b.top1_rel);
  CHECK(a.mean_candidates == b.mean_candidates);
  // Accuracies nest (top-1 hits are top-5 hits ...) and 5 bits x 3 tables give at most 3 * 32 buckets.
  CHECK(a.top1_rel <= a.top5_rel);
  CHECK(a.top5_rel <= a.top10_rel);
  CHECK(a.n_buckets <= 96);
  // A limit of 1 vector skips every bucket holding two or more: almost no vector keeps a candidate.
  p.max_bucket_size = 1;
  const auto c = lsh::nn_search(*src, p, 5);
  CHECK(c.mean_candidates == 0.0);
  CHECK(c.n_without_candidate == 2000);
  CHECK(c.top10_rel == 0.0);
}

TEST_CASE("lsh_nn: an ideal crossbar (exact Gaussian planes, no parasitics) hashes like software", "[arch][lsh]") {
  lsh::NnSearchParams p;
  p.n_vectors = 1000;
  auto sw = planes("[planes]\ntype = \"gaussian\"\n", 2, lsh::nn_hash_shape(p));
  auto xb = planes(
      "[planes]\ntype = \"memristive\"\nn_tile_rows = 16\nn_tile_cols = 32\nrealisation = \"gaussian\"\n"
      "n_dac_bits = 0\nr_wire_row_ohm = 0.0\nr_wire_col_ohm = 0.0\nr_driver_ohm = 0.0\nr_sense_ohm = 0.0\n"
      "comparator_offset_sigma_a = 0.0\ncomparator_noise_sigma_a = 0.0\n[planes.programming]\ntype = \"ideal\"\n",
      2, lsh::nn_hash_shape(p));
  const auto a = lsh::nn_search(*sw, p, 4);
  const auto b = lsh::nn_search(*xb, p, 4);
  // Not bit-identical planes (the crossbar clips to its conductance window and draws its own Gaussians), so
  // only the statistics must agree: 1,000 queries give a binomial sd of about 0.013 on top-1 ~ 0.8; 0.08 is 6 sd.
  CHECK(std::abs(a.top1_rel - b.top1_rel) < 0.08);
  CHECK(b.top10_rel > 0.9);
}
