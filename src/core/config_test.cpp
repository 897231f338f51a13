#include "core/config.h"

#include <catch2/catch.hpp>

#include "core/errors.h"

using pimtx::ConfigError;
using pimtx::core::Config;
using pimtx::core::Range;

namespace {
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("config reads typed values and defaults", "[config]") {
  Config c = Config::from_string("[xbar]\nrows = 4\nr_wire_ohm = 2.5\nname = \"a\"\nideal = true\n", "t.toml");
  auto x = c.section("xbar");
  CHECK(x.get_int("rows", 1) == 4);
  CHECK(x.get_double("r_wire_ohm", 1.0, Range::positive()) == 2.5);
  CHECK(x.get_string("name", "z") == "a");
  CHECK(x.get_bool("ideal", false));
  CHECK(x.get_double("r_driver_ohm", 10.0) == 10.0);  // default
  CHECK_NOTHROW(c.check_unknown());
  CHECK(c.resolved_text().find("r_driver_ohm = 10.0") != std::string::npos);
}

TEST_CASE("unknown key is rejected with the valid keys listed", "[config]") {
  Config c = Config::from_string("[xbar]\nrows = 4\nr_wrie_ohm = 2.5\n", "t.toml");
  auto x = c.section("xbar");
  x.get_int("rows", 1);
  x.get_double("r_wire_ohm", 1.0);
  CHECK(error_of([&] { c.check_unknown(); }) ==
        "unknown config key 'xbar.r_wrie_ohm' (t.toml:3); valid keys in [xbar]: r_wire_ohm, rows");
}

TEST_CASE("unknown top-level table is rejected", "[config]") {
  Config c = Config::from_string("seed = 1\n[xbra]\nrows = 4\n", "t.toml");
  c.root().get_int("seed", 0);
  CHECK(error_of([&] { c.check_unknown(); }) ==
        "unknown config key 'xbra' (t.toml:2); valid keys in the top level: seed");
}

TEST_CASE("wrong type and out-of-range values give exact messages", "[config]") {
  Config c = Config::from_string("[a]\nr_ohm = -5\nn = 2.5\ns = 3\nflag = 1\n", "t.toml");
  auto a = c.section("a");
  CHECK(error_of([&] { a.get_double("r_ohm", 1.0, Range::positive()); }) ==
        "config key 'a.r_ohm' = -5 (t.toml:2): must be > 0");
  CHECK(error_of([&] { a.get_int("n", 1); }) == "config key 'a.n' = 2.5 (t.toml:3): expected an integer, got a number");
  CHECK(error_of([&] { a.get_string("s", ""); }) ==
        "config key 'a.s' = 3 (t.toml:4): expected a string, got an integer");
  CHECK(error_of([&] { a.get_bool("flag", false); }) ==
        "config key 'a.flag' = 1 (t.toml:5): expected true or false, got an integer");
  CHECK_THROWS_AS(a.get_double("r_ohm", 1.0, Range::closed(0, 1)), ConfigError);
}

TEST_CASE("choices are checked", "[config]") {
  Config c = Config::from_string("mode = \"fast\"\n", "t.toml");
  CHECK(error_of([&] {
          c.root().get_string("mode", "x", {"exact", "ideal"});
        }) == "config key 'mode' = \"fast\" (t.toml:1): must be one of: exact, ideal");
}

TEST_CASE("overrides from --set replace, add and are validated the same way", "[config]") {
  Config c = Config::from_string("[xbar]\nrows = 4\n", "t.toml");
  c.apply_override("xbar.rows=8");
  c.apply_override("xbar.r_wire_ohm=-1");
  c.apply_override("xbar.name=hello");
  c.apply_override("xbar.sizes=[1, 2, 3]");
  auto x = c.section("xbar");
  CHECK(x.get_int("rows", 1) == 8);
  CHECK(x.get_string("name", "") == "hello");
  CHECK(x.get_int_array("sizes", {}) == std::vector<int64_t>{1, 2, 3});
  CHECK(error_of([&] { x.get_double("r_wire_ohm", 1.0, Range::positive()); }) ==
        "config key 'xbar.r_wire_ohm' = -1 (--set): must be > 0");
  c.apply_override("xbar.typo=1");
  CHECK(error_of([&] { c.check_unknown(); }).rfind("unknown config key 'xbar.typo' (--set)", 0) == 0);
  CHECK_THROWS_AS(c.apply_override("novalue"), pimtx::UsageError);
  CHECK_THROWS_AS(c.apply_override("xbar.rows.deeper=1"), pimtx::UsageError);
}

TEST_CASE("missing config file and syntax errors", "[config]") {
  CHECK_THROWS_AS(Config::from_file("/nonexistent/cfg.toml"), pimtx::ConfigError);
  CHECK(error_of([] { Config::from_string("a = [1,\n", "bad.toml"); }).rfind("config bad.toml:", 0) == 0);
}

TEST_CASE("paths: missing files are named", "[config]") {
  Config c = Config::from_string("model = \"/nonexistent/model.bin\"\n", "t.toml");
  CHECK(error_of([&] { c.root().get_path("model", "", true); }) ==
        "config key 'model' = \"/nonexistent/model.bin\" (t.toml:1): file not found: /nonexistent/model.bin");
}

TEST_CASE("copy_to re-roots a table into a new config and marks it known in the original", "[config]") {
  Config c = Config::from_string("[sweep]\nn = 3\n[sweep.unit]\ntype = \"a\"\nr_ohm = 2.0\n[sweep.unit.sub]\nk = 1\n",
                                 "s.toml");
  auto sweep = c.section("sweep");
  sweep.get_int("n", 1);
  Config copy = sweep.section("unit").copy_to("arch.attention.planes");
  CHECK_NOTHROW(c.check_unknown());  // the copied keys are the copy's business now
  auto u = copy.section("arch.attention.planes");
  CHECK(u.get_string("type", "") == "a");
  CHECK(u.get_double("r_ohm", 0.0) == 2.0);
  copy.apply_override("arch.attention.n_bits=4");
  CHECK(copy.section("arch.attention").get_int("n_bits", 0) == 4);
  // sub-table not read yet: the copy reports it with the original origin
  CHECK_THROWS_WITH(copy.check_unknown(), Catch::Contains("arch.attention.planes.sub") && Catch::Contains("s.toml"));
}
