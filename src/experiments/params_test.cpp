// Parameter structs of the experiments: from_config(to_config(p)) == p, and bad values are ConfigErrors naming the key.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "core/errors.h"
#include "experiments/lsh_attention.h"

using namespace pimtx;

namespace {

// Tests run from the source root (pimtx_add_tests), so the shipped data resolve relative to it.
const char* k_paths =
    "[lsh_attention]\nmodel = \"data/models/stories260K.bin\"\ntokenizer = \"data/models/tok512.bin\"\n"
    "text = \"data/text/tinystories_valid_excerpt.txt\"\n";

}  // namespace

TEST_CASE("LshAttentionParams: to_config and from_config are inverse, every field", "[experiments][lsh]") {
  core::Config base = core::Config::from_string(k_paths);
  auto s0 = base.section("lsh_attention");
  experiments::LshAttentionParams p = experiments::LshAttentionParams::from_config(s0);
  // Every field off its default.
  p.max_tokens = 123;
  p.n_bits = {0, 8};
  p.n_rounds = {3};
  p.n_window = 5;
  p.n_sink = 2;
  p.n_sparsity_skip_pos = 7;
  p.sources = {"a", "b", "c"};
  p.center_keys = false;
  p.n_calibration_stories = 11;
  p.n_seeds = 4;
  p.collision_theta_rad = {0.25, 1.0 / 3.0};
  p.n_collision_pairs = 9;
  p.n_collision_slots = 3;
  p.n_collision_bits = 5;
  p.n_collision_rounds = 6;
  core::Config written;
  auto w = written.section("lsh_attention");
  p.to_config(w);
  core::Config reread = core::Config::from_string(written.document_text());
  auto r = reread.section("lsh_attention");
  const auto q = experiments::LshAttentionParams::from_config(r);
  CHECK(q == p);
  CHECK(q.collision_theta_rad[1] == 1.0 / 3.0);  // doubles survive the TOML text exactly
  reread.check_unknown();                        // to_config writes only keys from_config reads
}

TEST_CASE("LshAttentionParams: bad values are ConfigErrors naming the key", "[experiments][lsh]") {
  auto bad = [](const std::string& extra) {
    core::Config c = core::Config::from_string(std::string(k_paths) + extra);
    auto s = c.section("lsh_attention");
    return experiments::LshAttentionParams::from_config(s);
  };
  CHECK_THROWS_WITH(bad("n_bits = [17]\n"), Catch::Contains("lsh_attention.n_bits"));
  CHECK_THROWS_WITH(bad("n_rounds = []\n"), Catch::Contains("lsh_attention.n_rounds"));
  CHECK_THROWS_WITH(bad("n_seeds = 0\n"), Catch::Contains("lsh_attention.n_seeds"));
  CHECK_THROWS_AS(bad("model = \"data/models/none.bin\"\n"), ConfigError);
}
