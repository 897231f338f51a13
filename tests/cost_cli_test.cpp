// End to end: every eval writes /cost/ and `pimtx info` prints its summary; `pimtx cost` prices a shape without
// running tokens; bad catalog input exits 2 and leaves no file.
#include <catch2/catch.hpp>

#include "io/h5.h"
#include "pimtx_cli.h"

using Catch::Matchers::Contains;
using pimtx::test::run_pimtx;

TEST_CASE("pimtx eval writes /cost/ and pimtx info prints it", "[cost][cli]") {
  const auto d = pimtx::test::scratch_dir("cost_eval");
  const auto out = (d / "e.h5").string();
  const auto r = run_pimtx("eval experiments/eval/stories260k.toml --max-tokens 200 --quiet -o " + out);
  REQUIRE(r.code == 0);
  pimtx::io::ResultReader h5(out);
  CHECK(h5.read_doubles("/cost/energy_per_token_j").at(0) > 0);
  CHECK(h5.read_doubles("/cost/latency_per_token_s").at(0) > 0);
  CHECK(h5.read_doubles("/cost/units/attention/energy_j").size() == 6);  // 5 layers + classifier row
  const auto info = run_pimtx("info " + out);
  CHECK(info.code == 0);
  CHECK_THAT(info.output, Contains("J/token"));
}

TEST_CASE("pimtx cost prices a GPT-2 shape, catalog errors exit 2 with no file", "[cost][cli]") {
  const auto d = pimtx::test::scratch_dir("cost_shape");
  const auto out = (d / "c.h5").string();
  const auto r = run_pimtx("cost experiments/cost_reproductions/leroux_gpt2.toml --quiet -o " + out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("J/token"));
  pimtx::io::ResultReader h5(out);
  CHECK(h5.exists("/cost/analytic_counts/attention/events/gain_cell.reads"));
  const auto bad = (d / "bad.h5");
  const auto e = run_pimtx("cost experiments/cost_reproductions/leroux_gpt2.toml --quiet -o " + bad.string() +
                           " --set 'cost.set=[\"components.kv_dac.e_event_j=-1\"]'");
  CHECK(e.code == 2);
  CHECK_THAT(e.output, Contains("e_event_j"));
  CHECK_FALSE(std::filesystem::exists(bad));
}
