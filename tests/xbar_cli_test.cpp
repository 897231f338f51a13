// `pimtx xbar` end to end: CSV arrays and inputs, HDF5 output with currents and error maps, bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

namespace {
std::pair<int, std::string> run(const std::string& args) {
  const auto r = pimtx::test::run_pimtx(args);
  return {r.code, r.output};
}

void write(const fs::path& p, const std::string& text) { pimtx::test::write_file(p, text); }

const char* k_config = R"(seed = 3
[array]
conductance_csv = "g.csv"
r_wire_row_ohm = 2.5
r_wire_col_ohm = 2.5
r_driver_ohm = 10
r_sense_ohm = 10
[input]
voltages_csv = "v.csv"
)";
}  // namespace

TEST_CASE("pimtx xbar: CSV in, currents and error maps out, bad input exits 2 with no file", "[xbar][cli]") {
  const fs::path d = fs::temp_directory_path() / ("pimtx_xbar_cli_" + std::to_string(::getpid()));
  fs::create_directories(d);
  write(d / "g.csv", "1e-4,2e-5,3e-5\n5e-5,1e-4,0\n");
  write(d / "v.csv", "0.1,0.2\n0.3,-0.1\n");
  write(d / "a.toml", k_config);
  auto r = run("xbar " + (d / "a.toml").string() + " -o " + (d / "a.h5").string());
  INFO(r.second);
  REQUIRE(r.first == 0);
  pimtx::io::ResultReader h5(d / "a.h5");
  CHECK(h5.shape("/xbar/currents_a") == std::vector<size_t>{2, 3});
  const auto i = h5.read_doubles("/xbar/currents_a");
  const auto ideal = h5.read_doubles("/xbar/ideal/currents_a");
  // Column 0 of vector 0 is close to the ideal 1e-4*0.1 + 5e-5*0.2 = 2e-5 A, a little lower (IR drop).
  CHECK(ideal[0] == Approx(2e-5).epsilon(1e-12));
  CHECK(i[0] < ideal[0]);
  CHECK(i[0] > 0.99 * ideal[0]);
  CHECK(h5.exists("/xbar/approx/error_a"));
  CHECK(h5.exists("/xbar/timing/t_factor_s"));

  write(d / "bad.csv", "1e-4,-2e-5,3e-5\n5e-5,1e-4,0\n");
  std::string cfg = k_config;
  write(d / "b.toml", cfg.replace(cfg.find("g.csv"), 5, "bad.csv"));
  r = run("xbar " + (d / "b.toml").string() + " -o " + (d / "b.h5").string());
  CHECK(r.first == 2);
  CHECK(r.second.find("-2e-05") != std::string::npos);
  CHECK(r.second.find("conductance_csv") != std::string::npos);
  CHECK(!fs::exists(d / "b.h5"));

  write(d / "v3.csv", "0.1,0.2,0.3\n");
  cfg = k_config;
  write(d / "c.toml", cfg.replace(cfg.find("v.csv"), 5, "v3.csv"));
  r = run("xbar " + (d / "c.toml").string() + " -o " + (d / "c.h5").string());
  CHECK(r.first == 2);
  CHECK(r.second.find("3 voltages but the array has 2 word lines") != std::string::npos);

  cfg = k_config;
  write(d / "e.toml", cfg.replace(cfg.find("r_driver_ohm = 10"), 17, "r_driver_ohm = -1"));
  r = run("xbar " + (d / "e.toml").string() + " -o " + (d / "e.h5").string());
  CHECK(r.first == 2);
  CHECK(r.second.find("r_driver_ohm") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("pimtx xbar [mvm]: tiled MVM with metal-oxide devices, outputs and error statistics in HDF5", "[xbar][cli]") {
  const fs::path d = fs::temp_directory_path() / ("pimtx_xbar_mvm_" + std::to_string(::getpid()));
  fs::create_directories(d);
  write(d / "w.csv", "0.5,-1.0\n0.25,0.75\n-0.5,0.1\n");
  write(d / "x.csv", "1,0.5,-0.25\n-1,0.2,0.4\n");
  const std::string cfg = R"(seed = 5
[mvm]
weights_csv = "w.csv"
inputs_csv = "x.csv"
tile_rows = 2
tile_cols = 1
[mvm.programming]
type = "device"
[mvm.programming.device]
update_d2d_scale_rel = 0.0
[mvm.mapping]
n_write_verify = 3
[mvm.array]
r_wire_row_ohm = 1.0
r_wire_col_ohm = 1.0
[mvm.adc]
type = "uniform"
n_bits = 8
)";
  write(d / "m.toml", cfg);
  auto r = run("xbar " + (d / "m.toml").string() + " -o " + (d / "m.h5").string());
  INFO(r.second);
  REQUIRE(r.first == 0);
  pimtx::io::ResultReader h5((d / "m.h5").string());
  CHECK(h5.shape("/xbar/mvm/outputs") == std::vector<size_t>{2, 2});
  const auto y = h5.read_doubles("/xbar/mvm/outputs");
  const auto ref = h5.read_doubles("/xbar/mvm/ideal_outputs");
  // Wᵀx by hand for the first vector: (0.5 + 0.125 + 0.125, -1 + 0.375 - 0.025).
  CHECK(ref[0] == Approx(0.75));
  CHECK(ref[1] == Approx(-0.65));
  // 4 tiles (3 rows in 2-row tiles x 2 columns); metal-oxide read law, I-V d2d, 1-ohm wires and an 8-bit ADC
  // keep the product within 30 % but not exact.
  CHECK(h5.read_ints("/xbar/mvm/n_tiles")[0] == 4);
  const double rel = h5.read_doubles("/xbar/mvm/rel_error")[0];
  CHECK(rel > 1e-4);
  CHECK(rel < 0.3);
  CHECK(std::abs(y[0] - ref[0]) < 0.3);
  // Same seed, same result file contents.
  r = run("xbar " + (d / "m.toml").string() + " -o " + (d / "m2.h5").string());
  REQUIRE(r.first == 0);
  CHECK(pimtx::io::ResultReader((d / "m2.h5").string()).read_doubles("/xbar/mvm/outputs") == y);
  // [mvm] with [array] is a usage error; an unknown ADC type lists the valid ones; no file is left.
  write(d / "bad.toml", cfg + "[array]\nrows = 2\n");
  r = run("xbar " + (d / "bad.toml").string() + " -o " + (d / "bad.h5").string());
  CHECK(r.first == 2);
  CHECK(r.second.find("replaces [array]") != std::string::npos);
  std::string c2 = cfg;
  write(d / "bad2.toml", c2.replace(c2.find("\"uniform\""), 9, "\"flash\""));
  r = run("xbar " + (d / "bad2.toml").string() + " -o " + (d / "bad2.h5").string());
  CHECK(r.first == 2);
  CHECK(r.second.find("uniform") != std::string::npos);
  CHECK(!fs::exists(d / "bad2.h5"));
  fs::remove_all(d);
}
