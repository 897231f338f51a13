#include "xbar/tile.h"

#include <catch2/catch.hpp>

#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"
#include "xbar/registry.h"

using namespace pimtx;
using namespace pimtx::xbar;

namespace {
Eigen::MatrixXd randn(Eigen::Index r, Eigen::Index c, uint64_t seed) {
  core::Rng rng(seed, "test.w");
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = rng.normal();
  }
  return m;
}
double rel_err(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).norm() / b.norm(); }
}  // namespace

TEST_CASE("ideal tile reproduces W^T x for both mapping schemes", "[xbar]") {
  const Eigen::MatrixXd w = randn(20, 7, 1), x = randn(20, 5, 2);
  GaussianProgramming ideal(GaussianProgrammingParams{});
  for (const char* scheme : {"differential", "offset"}) {
    TileParams p;
    p.solver = "ideal";
    p.mapping.scheme = scheme;
    AnalogTile t(w, p, ideal, 3, 0);
    core::Rng noise(3, "test.noise");
    // Tolerance: exact arithmetic up to rounding of the conductance scaling.
    CHECK(rel_err(t.mvm(x, noise), w.transpose() * x) < 1e-12);
  }
}

TEST_CASE("DAC bit-slicing recombines to the unsliced quantised product", "[xbar]") {
  const Eigen::MatrixXd w = randn(16, 4, 4), x = randn(16, 3, 5);
  GaussianProgramming ideal(GaussianProgrammingParams{});
  TileParams p;
  p.solver = "ideal";
  p.dac.n_bits = 8;
  AnalogTile whole(w, p, ideal, 1, 0);
  p.dac.n_slices = 4;
  AnalogTile sliced(w, p, ideal, 1, 0);
  core::Rng n1(1, "a"), n2(1, "b");
  const Eigen::MatrixXd a = whole.mvm(x, n1), b = sliced.mvm(x, n2);
  CHECK(rel_err(b, a) < 1e-12);  // linear array: slices sum exactly (rounding only)
  // 8-bit inputs: error vs the float product ~ 2^-8 relative.
  CHECK(rel_err(a, w.transpose() * x) < 0.01);
  CHECK(rel_err(a, w.transpose() * x) > 1e-5);
}

TEST_CASE("tiling with partial sums equals one big tile, parasitics and ADC add bounded error", "[xbar]") {
  const Eigen::MatrixXd w = randn(50, 30, 6), x = randn(50, 4, 7);
  GaussianProgramming ideal(GaussianProgrammingParams{});
  TileParams p;
  p.solver = "ideal";
  TiledMvm tiled(w, 16, 8, p, ideal, 9);
  CHECK(tiled.n_tiles() == 4 * 4);
  core::Rng noise(1, "n");
  CHECK(rel_err(tiled.mvm(x, noise), w.transpose() * x) < 1e-12);
  p.solver = "full";
  p.parasitics = Parasitics{2.5, 2.5, 10.0, 10.0};
  TiledMvm wired(w, 16, 8, p, ideal, 9);
  const double e_wire = rel_err(wired.mvm(x, noise), w.transpose() * x);
  CHECK(e_wire > 1e-4);  // IR drop is visible
  CHECK(e_wire < 0.2);
  p.adc = core::Config::from_string("type = \"uniform\"\nn_bits = 6").root();  // through adc_registry()
  TiledMvm adc(w, 16, 8, p, ideal, 9);
  adc.calibrate(x);
  const double e_adc = rel_err(adc.mvm(x, noise), w.transpose() * x);
  CHECK(e_adc > e_wire);  // 6-bit ADC adds quantisation error on top of IR drop
  CHECK(e_adc < 0.3);
}

TEST_CASE("programming error, write-verify and stuck cells", "[xbar]") {
  const Eigen::MatrixXd w = randn(32, 16, 8);
  GaussianProgrammingParams gp;
  gp.g_c2c_sigma_rel = 0.02;
  GaussianProgramming noisy(gp);
  MappingParams mp;
  const MappedTile once = map_weights(w, mp, noisy, 5, 0);
  mp.n_write_verify = 60;
  const MappedTile verified = map_weights(w, mp, noisy, 5, 0);
  const double e1 = (once.cells.a1_s - once.target_s).cwiseAbs().maxCoeff();
  const double e2 = (verified.cells.a1_s - verified.target_s).cwiseAbs().maxCoeff();
  const double range = gp.g_max_s - gp.g_min_s;
  CHECK(e1 > 0.03 * range);                // 1024 draws of a 2 % sigma reach beyond 1.5 sigma
  CHECK(e2 <= mp.verify_tol_rel * range);  // P(miss) = 0.8^60 per cell: all 1024 converge
  mp.n_write_verify = 0;
  mp.p_stuck_off_rel = 0.1;
  const MappedTile stuck = map_weights(w, mp, GaussianProgramming(GaussianProgrammingParams{}), 5, 0);
  // 1024 cells at 10 %: binomial mean 102, sd 10.
  CHECK(stuck.n_stuck > 60);
  CHECK(stuck.n_stuck < 150);
}

TEST_CASE("same seed, same tile, unknown unit names list the valid ones", "[xbar]") {
  const Eigen::MatrixXd w = randn(8, 4, 1);
  GaussianProgrammingParams gp;
  gp.g_d2d_sigma_rel = 0.1;
  GaussianProgramming m(gp);
  CHECK(map_weights(w, MappingParams{}, m, 42, 3).cells.a1_s == map_weights(w, MappingParams{}, m, 42, 3).cells.a1_s);
  CHECK(map_weights(w, MappingParams{}, m, 42, 3).cells.a1_s != map_weights(w, MappingParams{}, m, 43, 3).cells.a1_s);
  auto cfg = core::Config::from_string("[p]\ntype = \"bogus\"\n");
  auto s = cfg.section("p");
  CHECK_THROWS_WITH(programming_registry().create(s, "ideal"), Catch::Contains("gaussian") && Catch::Contains("ideal"));
}
