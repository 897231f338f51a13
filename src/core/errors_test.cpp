#include "core/errors.h"

#include <catch2/catch.hpp>

TEST_CASE("nested errors print as a chain and keep their type", "[errors]") {
  try {
    try {
      throw pimtx::ConfigError("config key 'a.b' = -1 (x.toml:3): must be > 0");
    } catch (...) {
      pimtx::rethrow_with_context<pimtx::Error>("while building the crossbar");
    }
  } catch (const std::exception& e) {
    CHECK(pimtx::describe_chain(e) == "while building the crossbar\n  config key 'a.b' = -1 (x.toml:3): must be > 0");
    CHECK(pimtx::chain_contains<pimtx::ConfigError>(e));
    CHECK_FALSE(pimtx::chain_contains<pimtx::SpiceError>(e));
  }
}
