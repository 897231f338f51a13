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

// The round trip from_config(to_config(p)) == p of LshAttentionParams is in tests/params_roundtrip_test.cpp with
// every other parameter struct of src/ (every field off its default, keys checked both ways).

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
