// End-to-end tests of the lsh_attention experiment (issue 6) through `pimtx run`, on a few hundred tokens.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

namespace {

using Result = pimtx::test::CliRun;
Result run(const std::string& args) { return pimtx::test::run_pimtx(args); }
fs::path scratch() { return pimtx::test::scratch_dir("lsh"); }

// quick.toml cut down to ~150 predicted tokens, 0 and 4 bits, one round, two sources.
const std::string k_tiny =
    "experiments/lsh_attention/quick.toml --quiet --set lsh_attention.max_tokens=150 "
    "--set 'lsh_attention.n_bits=[0,4]' --set 'lsh_attention.n_rounds=[2]' "
    "--set 'lsh_attention.sources=[\"software\",\"memristive\"]' --set lsh_attention.n_calibration_stories=5 "
    "--set lsh_attention.n_collision_pairs=20 ";

}  // namespace

TEST_CASE("lsh_attention experiment: 0 bits equals dense, same seed same NLL, collision data", "[lsh][cli]") {
  const fs::path d = scratch();
  const Result a = run("run " + k_tiny + "-o " + (d / "a.h5").string());
  INFO(a.output);
  REQUIRE(a.code == 0);
  CHECK(a.output.find("bits rounds") != std::string::npos);  // the summary table
  const Result b = run("run " + k_tiny + "-o " + (d / "b.h5").string());
  REQUIRE(b.code == 0);
  pimtx::io::ResultReader ra(d / "a.h5");
  pimtx::io::ResultReader rb(d / "b.h5");
  const auto nll = ra.read_doubles("/lsh_attention/nll");  // (source, bits, rounds, seed) = (2, 2, 1, 1)
  REQUIRE(ra.shape("/lsh_attention/nll") == std::vector<size_t>{2, 2, 1, 1});
  const double dense = ra.read_doubles("/lsh_attention/dense_nll")[0];
  // One bucket: every key attended, the same float operations as dense attention -> identical NLL.
  CHECK(nll[0] == dense);
  CHECK(nll[2] == dense);
  CHECK(ra.read_doubles("/lsh_attention/attended_frac_beyond")[0] == 1.0);
  CHECK(nll[1] != dense);                               // 4 bits: a sparse set, another NLL
  CHECK(nll == rb.read_doubles("/lsh_attention/nll"));  // same seed: bit-identical
  CHECK(ra.read_doubles("/lsh_attention/attended_frac") == rb.read_doubles("/lsh_attention/attended_frac"));
  const auto p = ra.read_doubles("/lsh_attention/collision/memristive/p_measured");
  const auto t = ra.read_doubles("/lsh_attention/collision/memristive/p_theory");
  REQUIRE(p.size() == 12);
  // 20 pairs x 256 planes: the measured law is close to 1 - theta/pi (0.08 covers the plane sampling spread).
  for (size_t i = 0; i < p.size(); ++i) {
    CHECK(std::abs(p[i] - t[i]) < 0.08);
  }
  CHECK(ra.exists("/lsh_attention/key_offset"));
  CHECK(ra.exists("/lsh_attention/runs/memristive_b4_r2_s1/units/layer_0/attention/attended_frac_by_pos"));
  fs::remove_all(d);
}

TEST_CASE("lsh_attention experiment: bad settings are config errors (exit 2, no file)", "[lsh][cli]") {
  const fs::path d = scratch();
  const std::string out = " -o " + (d / "bad.h5").string();
  const Result bits = run("run " + k_tiny + "--set 'lsh_attention.n_bits=[17]'" + out);
  CHECK(bits.code == 2);
  CHECK(bits.output.find("n_bits") != std::string::npos);
  const Result tile = run("run " + k_tiny + "--set lsh_attention.planes.memristive.n_tile_rows=4" + out);
  CHECK(tile.code == 2);
  CHECK(tile.output.find("n_tile_rows") != std::string::npos);
  CHECK(tile.output.find("head dimension 8") != std::string::npos);
  const Result rounds = run("run " + k_tiny + "--set 'lsh_attention.n_rounds=[0]'" + out);
  CHECK(rounds.code == 2);
  CHECK(rounds.output.find("n_rounds") != std::string::npos);
  const Result src = run("run " + k_tiny + "--set 'lsh_attention.sources=[\"nope\"]'" + out);
  CHECK(src.code == 2);
  CHECK(src.output.find("nope") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "bad.h5"));
  fs::remove_all(d);
}

TEST_CASE("lsh_attention on pimtx sweep: one point per bit count gives the one-process grid bit for bit",
          "[lsh][cli]") {
  // figure.toml's form on the tiny settings: the grid axis sets n_bits = [b] per point, the rest is the base config.
  const fs::path d = scratch();
  const Result a = run("run " + k_tiny + "-o " + (d / "a.h5").string());
  INFO(a.output);
  REQUIRE(a.code == 0);
  const fs::path base = fs::path(PIMTX_SOURCE_DIR) / "experiments/lsh_attention/quick.toml";
  pimtx::test::write_file(
      d / "sweep.toml",
      "[sweep]\nbase = \"" + base.string() +
          "\"\nset = [\"lsh_attention.max_tokens=150\", \"lsh_attention.n_rounds=[2]\", "
          "'lsh_attention.sources=[\"software\",\"memristive\"]', \"lsh_attention.n_calibration_stories=5\", "
          "\"lsh_attention.n_collision_pairs=20\", \"lsh_attention.n_seeds=1\"]\n\n[[sweep.grid]]\n"
          "key = \"lsh_attention.n_bits\"\nvalues = [[0], [4]]\n");
  const Result s = run("sweep " + (d / "sweep.toml").string() + " -o " + (d / "s.h5").string() + " --jobs 2 --quiet");
  INFO(s.output);
  REQUIRE(s.code == 0);
  pimtx::io::ResultReader ra(d / "a.h5");
  pimtx::io::ResultReader rs(d / "s.h5");
  const auto nll = ra.read_doubles("/lsh_attention/nll");  // (source, bits, rounds, seed) = (2, 2, 1, 1)
  const auto frac = ra.read_doubles("/lsh_attention/attended_frac_beyond");
  const auto points = rs.children("/sweep/points");
  REQUIRE(points.size() == 2);
  for (const auto& id : points) {
    const std::string g = "/sweep/points/" + id + "/lsh_attention";
    const auto bits = rs.read_ints(g + "/n_bits");
    REQUIRE(bits.size() == 1);
    const size_t b = bits[0] == 0 ? 0 : 1;
    const auto pn = rs.read_doubles(g + "/nll");  // (2, 1, 1, 1)
    const auto pf = rs.read_doubles(g + "/attended_frac_beyond");
    REQUIRE(pn.size() == 2);
    for (size_t src = 0; src < 2; ++src) {
      CHECK(pn[src] == nll[src * 2 + b]);  // exact: the same engines, seeds and tokens
      CHECK(pf[src] == frac[src * 2 + b]);
    }
    CHECK(rs.read_doubles(g + "/dense_nll") == ra.read_doubles("/lsh_attention/dense_nll"));
    CHECK(rs.read_doubles(g + "/collision/memristive/p_measured") ==
          ra.read_doubles("/lsh_attention/collision/memristive/p_measured"));
  }
  fs::remove_all(d);
}
