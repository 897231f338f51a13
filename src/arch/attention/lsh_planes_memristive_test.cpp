// Tests of the `memristive` LSH plane source (crossbar tiles through xbar's stochastic VMM).
#include "arch/attention/lsh_planes_memristive.h"

#include <catch2/catch.hpp>
#include <numbers>

#include "arch/attention/lsh_collision.h"
#include "core/errors.h"

using namespace pimtx;
using namespace pimtx::arch;

namespace {

std::unique_ptr<lsh::PlaneSource> make(const std::string& toml, lsh::HashShape shape, uint64_t seed = 3) {
  core::Config cfg = core::Config::from_string(toml, "m.toml");
  auto s = cfg.section("planes");
  auto src = lsh::plane_source_registry().create(s, "gaussian", seed, shape);
  cfg.check_unknown();
  return src;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<uint32_t> hash_all(lsh::PlaneSource& src, const lsh::HashShape& shape, int n_vec) {
  auto h = src.make_hasher(1, 2);
  core::Rng rng(5, "test.vec");
  std::vector<uint32_t> out;
  std::vector<float> x(static_cast<size_t>(shape.n_dim));
  std::vector<uint32_t> ids(static_cast<size_t>(shape.n_rounds));
  core::Rng noise(5, "test.noise");
  for (int v = 0; v < n_vec; ++v) {
    for (auto& e : x) {
      e = static_cast<float>(rng.normal());
    }
    h->hash(x, &noise, ids);
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

const std::string k_small = "[planes]\ntype = \"memristive\"\nn_tile_rows = 16\nn_tile_cols = 16\n";

}  // namespace

TEST_CASE("memristive planes: tile smaller than the head without tiling is a ConfigError", "[arch][lsh]") {
  const lsh::HashShape shape{8, 4, 2};
  CHECK_THAT(error_of([&] { make("[planes]\ntype = \"memristive\"\nn_tile_rows = 4\n", shape); }),
             Catch::Contains("planes.n_tile_rows") && Catch::Contains("= 4") && Catch::Contains("head dimension 8") &&
                 Catch::Contains("tiling"));
  CHECK_NOTHROW(make("[planes]\ntype = \"memristive\"\nn_tile_rows = 4\nn_tile_cols = 8\ntiling = true\n", shape));
  CHECK_THAT(error_of([&] { make("[planes]\ntype = \"memristive\"\nn_tile_cols = 7\n", shape); }),
             Catch::Contains("n_tile_cols") && Catch::Contains("even"));
  CHECK_THAT(error_of([&] { make("[planes]\ntype = \"memristive\"\nrealisation = \"magic\"\n", shape); }),
             Catch::Contains("realisation"));
  CHECK_THAT(error_of([&] { make(k_small + "[planes.programming]\ntype = \"nope\"\n", shape); }),
             Catch::Contains("planes.programming.type"));
}

TEST_CASE("memristive planes: same seed same bits, re-programming per round gives new planes", "[arch][lsh]") {
  const lsh::HashShape shape{8, 4, 3};
  auto a = make(k_small, shape, 3);
  auto b = make(k_small, shape, 3);
  auto c = make(k_small, shape, 4);
  const auto ha = hash_all(*a, shape, 50);
  CHECK(ha == hash_all(*b, shape, 50));
  CHECK(ha != hash_all(*c, shape, 50));
  auto re = make(k_small + "reprogram_per_round = true\n", shape, 3);
  const auto hr = hash_all(*re, shape, 50);
  // Rounds come from different programming cycles of the same tile: their ids differ for most vectors.
  int same_01 = 0;
  for (int v = 0; v < 50; ++v) {
    same_01 += hr[static_cast<size_t>(v * 3)] == hr[static_cast<size_t>(v * 3 + 1)] ? 1 : 0;
  }
  CHECK(same_01 < 25);  // independent 4-bit ids agree with probability ~1/16
  // Round 0 of the re-programmed tile is the first programming cycle of the same tile as without re-programming,
  // but with fewer columns in use it holds the same first planes: round 0 ids agree.
  for (int v = 0; v < 50; ++v) {
    CHECK(hr[static_cast<size_t>(v * 3)] == ha[static_cast<size_t>(v * 3)]);
  }
}

TEST_CASE("memristive planes follow the 1 - theta/pi collision law", "[arch][lsh]") {
  // Pulse-programmed differential pairs give zero-mean symmetric planes; with 4-bit DAC, 20/10 ohm wires and
  // comparator offset/noise the law holds to within a few percent. 8 slots x 32 planes, 100 pairs per angle:
  // sampling sd ~0.02 (256 planes), so 0.06 separates "follows the law" from a biased hash (e.g. a
  // comparator offset comparable to the signal gives p -> 1 at every angle).
  const lsh::HashShape shape{8, 8, 4};
  auto src = make(k_small, shape);
  const std::vector<double> th = {0.2, 0.6, 1.0, std::numbers::pi / 2, 2.2, 2.8};
  const auto r = lsh::measure_collision(*src, shape, th, 8, 100, 4);
  for (size_t i = 0; i < th.size(); ++i) {
    INFO("theta " << th[i] << " measured " << r.p_measured[i] << " theory " << r.p_theory[i]);
    CHECK(std::abs(r.p_measured[i] - r.p_theory[i]) < 0.06);
  }
  // Tiled over 3 row tiles of 3 word lines: currents summed before the comparator, same law.
  auto tiled = make("[planes]\ntype = \"memristive\"\nn_tile_rows = 3\nn_tile_cols = 8\ntiling = true\n", shape);
  const auto rt = lsh::measure_collision(*tiled, shape, th, 8, 100, 4);
  for (size_t i = 0; i < th.size(); ++i) {
    INFO("tiled: theta " << th[i] << " measured " << rt.p_measured[i]);
    CHECK(std::abs(rt.p_measured[i] - rt.p_theory[i]) < 0.06);
  }
}
