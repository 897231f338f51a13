#include "circuits/device_bench.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"
#include "spice/engine.h"

using namespace pimtx::circuits;

TEST_CASE("device bench netlist: one probe and one cell per device, embedded subcircuit", "[circuits]") {
  DeviceBenchSpec s;
  s.vteam = {VteamCellParams{}, VteamCellParams{}};
  s.vteam[1].r_on_ohm = 2e3;
  s.x0 = {0.0, 0.25};
  s.drive_pwl = {{0.0, 0.0}, {1e-6, 1.0}};
  const std::string t = device_bench_netlist(s);
  CHECK(t.find(".subckt vteam") != std::string::npos);
  CHECK(t.find("Vd d 0 PWL(0 0 9.9999999999999995e-07 1)") != std::string::npos);
  CHECK(t.find("Vs1 d a1 DC 0") != std::string::npos);
  CHECK(t.find("Xc1 a1 0 vteam ron=2000 ") != std::string::npos);
  CHECK(t.find("x0=0.25") != std::string::npos);
  CHECK(t.substr(t.size() - 5) == ".end\n");
}

TEST_CASE("bad device bench specs are ConfigErrors naming the field", "[circuits]") {
  DeviceBenchSpec s;
  CHECK_THROWS_WITH(s.validate(), Catch::Contains("vteam"));
  s.vteam = {VteamCellParams{}};
  CHECK_THROWS_WITH(s.validate(), Catch::Contains("x0"));
  s.x0 = {1.5};
  CHECK_THROWS_AS(s.validate(), pimtx::ConfigError);
  s.x0 = {0.5};
  s.vteam[0].r_off_ohm = 10;
  CHECK_THROWS_WITH(s.validate(), Catch::Contains("vteam[0]"));
  DeviceBenchSpec m;
  m.cell = CellType::metal_oxide;
  m.g0_s = {1e-4, -1};
  m.xi = {0, 0};
  CHECK_THROWS_WITH(m.validate(), Catch::Contains("g0_s[1]"));
}

TEST_CASE("device bench cells are independent: each current is v / R of its own cell", "[spice]") {
  DeviceBenchSpec s;
  s.vteam = {VteamCellParams{}, VteamCellParams{}};
  s.vteam[1].r_on_ohm = 2e3;
  s.x0 = {0.0, 0.5};
  s.drive_pwl = {{0.0, 0.0}, {1e-7, 0.2}, {1e-6, 0.2}};  // below both thresholds: the states do not move
  const auto r = pimtx::spice::run_job({device_bench_lines(s),
                                        {"tran 10n 1u 0 10n uic"},
                                        {drive_vector(), cell_current_vector(0), cell_current_vector(1)}});
  const double v = r.at(drive_vector()).real.back();
  CHECK(v == Approx(0.2));
  // Linear B-source resistance; the Newton solve is exact to ~1e-9 relative.
  CHECK(r.at(cell_current_vector(0)).real.back() == Approx(v / 1e3).epsilon(1e-9));
  CHECK(r.at(cell_current_vector(1)).real.back() == Approx(v / (2e3 + (1e5 - 2e3) * 0.5)).epsilon(1e-9));
}
