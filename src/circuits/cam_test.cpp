// Structure tests of the CAM row netlist generator (issue 14); its SPICE behaviour is tested by the calibration
// (src/calibration/cam_calibration_test.cpp).
#include "circuits/cam.h"

#include <catch2/catch.hpp>

#include "circuits/netlist.h"
#include "core/errors.h"

using namespace pimtx;
using namespace pimtx::circuits;

TEST_CASE("cam row netlist: cells, matches, sources and mismatch parameters", "[circuits][cam]") {
  CamRowSpec s;
  s.n_bits = 8;
  s.stored = {1, 0, 1, 1, 0, 0, 1, 0};
  s.query = {1, 1, 1, 0, 0, 1, 1, 0};
  CHECK(cam_matches(s) == 5);
  const std::string text = cam_row_netlist(s);
  const auto lines = split_lines(text);
  int n_mos = 0, n_cap = 0;
  for (const auto& l : lines) {
    n_mos += l.rfind("M", 0) == 0 ? 1 : 0;
    n_cap += l.rfind("C", 0) == 0 ? 1 : 0;
  }
  CHECK(n_mos == 4 * 8 + 1);
  CHECK(n_cap == 8 + 1);
  CHECK(cam_sources(s).size() == 3 + 4 * 8);
  CHECK(text.find("delvto") == std::string::npos);
  CHECK(text.find(".options temp=27") != std::string::npos);
  s.delvto_v.assign(33, 0.01);
  s.c_unit_rel.assign(8, 1.1);
  const std::string mm = cam_row_netlist(s);
  CHECK(mm.find("delvto=0.01") != std::string::npos);
  const auto [t0, t1] = cam_share_window(s);
  CHECK(t1 - t0 == Approx(s.t_edge_s + s.t_share_s));
  CHECK(cam_total_duration_s(s) == t1);
}

TEST_CASE("cam row netlist: bad specs name the field", "[circuits][cam]") {
  CamRowSpec s;
  s.n_bits = 4;
  s.stored = {1, 0, 1};
  CHECK_THROWS_WITH(cam_row_netlist(s), Catch::Contains("stored"));
  s.stored = {1, 0, 2, 1};
  CHECK_THROWS_AS(cam_row_netlist(s), ConfigError);
  s.stored.clear();
  s.delvto_v = {0.0};
  CHECK_THROWS_WITH(cam_row_netlist(s), Catch::Contains("delvto_v"));
  s.delvto_v.clear();
  s.c_unit_f = 0.0;
  CHECK_THROWS_WITH(cam_row_netlist(s), Catch::Contains("c_unit_f"));
}
