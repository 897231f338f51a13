// End-to-end tests of `pimtx netlist`, `pimtx spice` and the spice_crossbar experiment.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

using pimtx::test::CliRun;
using pimtx::test::run_pimtx;

namespace {
fs::path scratch(const std::string& name) { return pimtx::test::scratch_dir("cli_spice_" + name); }
std::string slurp(const fs::path& p) { return pimtx::test::read_file(p); }
}  // namespace

TEST_CASE("pimtx netlist: bad options exit 2 and write nothing", "[cli][spice]") {
  const auto d = scratch("bad");
  const std::string out = (d / "x.cir").string();
  CHECK(run_pimtx("netlist -o " + out).code == 2);                                   // generator missing
  CHECK(run_pimtx("netlist crossbar --rows 0 -o " + out).code == 2);                 // out of range
  CHECK(run_pimtx("netlist crossbar --cell memristor -o " + out).code == 2);         // unknown cell
  CHECK(run_pimtx("netlist crossbar --r-sense-ohm -1 -o " + out).code == 2);         // negative resistance
  CHECK(run_pimtx("netlist crossbar --rows 3 --v-in 0.1 0.2 -o " + out).code == 2);  // 2 inputs for 3 rows
  const CliRun sel = run_pimtx("netlist crossbar --mode write_half --sel-row 7 -o " + out);
  CHECK(sel.code == 2);
  CHECK_THAT(sel.output, Catch::Contains("sel_row"));
  CHECK(run_pimtx("netlist gaincell --type 4t -o " + out).code == 2);
  CHECK(run_pimtx("netlist crossbar --rows 2").code == 2);  // -o is required
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(d);
}

TEST_CASE("pimtx netlist writes a commented netlist that pimtx spice runs into HDF5", "[cli][spice]") {
  const auto d = scratch("ok");
  const auto cir = d / "xb.cir";
  const auto h5 = d / "xb.h5";
  REQUIRE(run_pimtx("netlist crossbar --rows 2 --cols 3 --v-in 0.2 -o " + cir.string()).code == 0);
  const std::string text = slurp(cir);
  CHECK(text.rfind("* pimtx crossbar 2x3", 0) == 0);
  CHECK_THAT(text, Catch::Contains("* regenerate:") && Catch::Contains("netlist crossbar --rows 2 --cols 3"));
  const CliRun r =
      run_pimtx("spice " + cir.string() + " --analysis op --save 'vs0#branch' --save 'v(w0_0)' -o " + h5.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  pimtx::io::ResultReader f(h5);
  const auto i0 = f.read_doubles("/spice/vectors/vs0_branch");
  REQUIRE(i0.size() == 1);
  CHECK(i0[0] > 0.0);  // positive input -> current flows into the sense source
  CHECK(f.attr_string("/spice/vectors/vs0_branch", "units") == "A");
  CHECK(f.attr_string("/spice/vectors/v_w0_0_", "units") == "V");
  fs::remove_all(d);
}

TEST_CASE("pimtx spice on a broken netlist exits 1 with ngspice's message and no output", "[cli][spice]") {
  const auto d = scratch("broken");
  const auto cir = d / "broken.cir";
  std::ofstream(cir) << "broken\nV1 1 0 DC 1\nX1 1 0 no_such_subckt\n.end\n";
  const auto h5 = d / "out.h5";
  const CliRun r = run_pimtx("spice " + cir.string() + " --analysis op -o " + h5.string());
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown subckt"));
  CHECK_THAT(r.output, Catch::Contains("broken.cir"));
  CHECK_FALSE(fs::exists(h5));
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) {
    ++files;
  }
  CHECK(files == 1);  // no temporary file left behind either
  fs::remove_all(d);
}

TEST_CASE("spice_crossbar experiment runs the default config and writes currents", "[cli][spice]") {
  const auto d = scratch("exp");
  const auto h5 = d / "xb.h5";
  const CliRun r = run_pimtx(
      "run experiments/spice_crossbar/config.toml -q --set spice_crossbar.n_rows=8 --set spice_crossbar.n_cols=8 -o " +
      h5.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Catch::Contains("spice_crossbar: 8x8"));
  pimtx::io::ResultReader f(h5);
  const auto spice = f.read_doubles("/spice_crossbar/currents_a");
  const auto ideal = f.read_doubles("/spice_crossbar/ideal_currents_a");
  REQUIRE(spice.size() == 8);
  for (size_t j = 0; j < 8; ++j) {
    // Wire, driver and sense resistance only lose current (IR drop), by a few percent at these values.
    CHECK(spice[j] < ideal[j]);
    CHECK(spice[j] > 0.8 * ideal[j]);
  }
  fs::remove_all(d);
}
