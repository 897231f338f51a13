// End-to-end tests of the `pimtx` executable: exit codes, error messages, atomic output, h5py readability.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

namespace {

using Result = pimtx::test::CliRun;
Result run(const std::string& args) { return pimtx::test::run_pimtx(args); }
fs::path scratch(const std::string& name) { return pimtx::test::scratch_dir("cli_" + name); }
using pimtx::test::write_file;

}  // namespace

TEST_CASE("CLI: help and usage errors", "[cli]") {
  CHECK(run("--help").code == 0);
  CHECK(run("run --help").code == 0);
  CHECK(run("info --help").code == 0);
  CHECK(run("").code == 2);  // a subcommand is required
  CHECK(run("no-such-command").code == 2);
  CHECK(run("run").code == 2);                   // CONFIG is required
  CHECK(run("run x.toml --seed -3").code == 2);  // seed must be non-negative
}

TEST_CASE("CLI: missing config file exits 2, names it, writes nothing", "[cli]") {
  const fs::path d = scratch("missing");
  const Result r = run("run " + (d / "nope.toml").string() + " -o " + (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("config file not found: " + (d / "nope.toml").string()) != std::string::npos);
  CHECK(fs::is_empty(d));
  fs::remove_all(d);
}

TEST_CASE("CLI: unknown experiment lists the valid names", "[cli]") {
  const fs::path d = scratch("unknown_exp");
  write_file(d / "c.toml", "experiment = \"no_such_experiment\"\n");
  const Result r = run("run " + (d / "c.toml").string() + " -o " + (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("unknown experiment 'no_such_experiment'; valid names:") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "out.h5"));
  fs::remove_all(d);
}

TEST_CASE("CLI: TOML syntax error names file and line", "[cli]") {
  const fs::path d = scratch("syntax");
  write_file(d / "c.toml", "experiment = \"x\"\nseed = [1,\n");
  const Result r = run("run " + (d / "c.toml").string());
  CHECK(r.code == 2);
  CHECK(r.output.find((d / "c.toml").string() + ":") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("CLI: info on a missing file exits 2, on a non-HDF5 file 1", "[cli]") {
  const fs::path d = scratch("info");
  CHECK(run("info " + (d / "none.h5").string()).code == 2);  // a user error (issue 10, item 12)
  write_file(d / "x.h5", "plain text");
  const Result r = run("info " + (d / "x.h5").string());
  CHECK(r.code == 1);
  CHECK(r.output.find("not an HDF5 file") != std::string::npos);
  fs::remove_all(d);
}

// The following use the small spice_crossbar experiment (libngspice) as a real `pimtx run` job.

TEST_CASE("CLI: pimtx run rejects an unknown key, naming it and the valid keys, writes nothing", "[cli][spice]") {
  const fs::path d = scratch("unknown_key");
  write_file(d / "c.toml", "experiment = \"spice_crossbar\"\n[spice_crossbar]\nn_rows = 4\nr_wire_rwo_ohm = 2.5\n");
  const Result r = run("run " + (d / "c.toml").string() + " -q -o " + (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("unknown config key 'spice_crossbar.r_wire_rwo_ohm' (" + (d / "c.toml").string() + ":4)") !=
        std::string::npos);
  CHECK(r.output.find("r_wire_row_ohm") != std::string::npos);  // listed among the valid keys
  CHECK_FALSE(fs::exists(d / "out.h5"));
  CHECK(fs::directory_iterator(d) != fs::directory_iterator());  // only c.toml
  fs::remove_all(d);
}

TEST_CASE("CLI: pimtx run rejects a negative resistance from the file or --set, writes nothing", "[cli][spice]") {
  const fs::path d = scratch("negative");
  write_file(d / "c.toml", "experiment = \"spice_crossbar\"\n[spice_crossbar]\nn_rows = 4\nr_driver_ohm = -10\n");
  Result r = run("run " + (d / "c.toml").string() + " -q -o " + (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("config key 'spice_crossbar.r_driver_ohm' = -10 (" + (d / "c.toml").string() + ":4)") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(d / "out.h5"));
  r = run("run experiments/spice_crossbar/config.toml -q --set spice_crossbar.r_wire_col_ohm=-1 -o " +
          (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("config key 'spice_crossbar.r_wire_col_ohm' = -1 (--set)") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "out.h5"));
  fs::remove_all(d);
}

TEST_CASE("CLI: pimtx run is reproducible per seed and info describes the result", "[cli][spice]") {
  const fs::path d = scratch("seed");
  const std::string base =
      "run experiments/spice_crossbar/config.toml -q --set spice_crossbar.n_rows=4 --set spice_crossbar.n_cols=4 ";
  REQUIRE(run(base + "--seed 11 -o " + (d / "a.h5").string()).code == 0);
  REQUIRE(run(base + "--seed 11 -o " + (d / "b.h5").string()).code == 0);
  REQUIRE(run(base + "--seed 12 -o " + (d / "c.h5").string()).code == 0);
  pimtx::io::ResultReader a(d / "a.h5"), b(d / "b.h5"), c(d / "c.h5");
  CHECK(a.read_doubles("/spice_crossbar/currents_a") == b.read_doubles("/spice_crossbar/currents_a"));
  CHECK(a.read_doubles("/spice_crossbar/currents_a") != c.read_doubles("/spice_crossbar/currents_a"));
  CHECK(a.attr_double("/meta", "seed") == 11.0);
  CHECK(a.attr_string("/meta", "config").find("seed = 11") != std::string::npos);
  CHECK(a.attr_string("/meta", "config").find("r_sense_ohm") != std::string::npos);  // defaults are recorded
  const Result info = run("info " + (d / "a.h5").string());
  CHECK(info.code == 0);
  CHECK(info.output.find("currents_a  [4] A") != std::string::npos);
  CHECK(info.output.find("@git_commit") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("CLI: pimtx run with a missing input file named in the config exits 2 and writes nothing", "[cli]") {
  const fs::path d = scratch("missing_input");
  const Result r =
      run("run experiments/lsh_attention/quick.toml -q --set lsh_attention.model=" + (d / "no_model.bin").string() +
          " -o " + (d / "out.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("config key 'lsh_attention.model' = \"" + (d / "no_model.bin").string() +
                      "\" (--set): file not found") != std::string::npos);
  CHECK(fs::is_empty(d));
  fs::remove_all(d);
}

TEST_CASE("CLI: crossbar linear bad settings exit 2, name the key, write nothing", "[cli][crossbar]") {
  const fs::path d = scratch("crossbar_bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"arch.linear.mapping.n_levels=1", "n_levels"},              // levels < 2
      {"arch.linear.adc.n_bits=0", "n_bits"},                      // ADC bits 0
      {"arch.linear.n_tile_rows=4096", "n_tile_rows"},             // tile beyond the 1024-line limit
      {"'arch.linear.roles=[\"w1\",\"w7\"]'", "w7"},               // unknown role
      {"eval.n_calibration_stories=0", "n_calibration_stories"}};  // ranges that nothing calibrates
  for (const auto& [set, key] : cases) {
    const Result r = run("eval experiments/pim_linear/config.toml --quiet --set eval.max_tokens=20 --set " + set +
                         " -o " + (d / "out.h5").string());
    INFO(set << "\n" << r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(key) != std::string::npos);
    CHECK_FALSE(fs::exists(d / "out.h5"));
  }
}
