// Contract test of the calibration methods over every registered method, from its example [calibrate] table
// (tests/contract.h): the card each run produces (every number of its parameters, arrays, validity ranges, fit
// qualities, derived figures and array check; the SPICE wall time excluded, being a measured time). Examples run
// the fewest SPICE points that exercise the fit (tagged [spice]: they need libngspice).
#include "tests/contract.h"

#include <catch2/catch.hpp>

#include "calibration/calibrate.h"

using namespace pimtx;

namespace {

void put(std::vector<double>& out, const std::map<std::string, double>& m) {
  for (const auto& [k, v] : m) {
    if (k.size() < 6 || k.compare(k.size() - 6, 6, "wall_s") != 0) {
      out.push_back(v);
    }
  }
}

contract::Outcome run_calibration(const std::string& text, uint64_t seed) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  auto cal = calibration::build_calibration(sec, seed, text);
  cfg.check_unknown();
  const devices::DeviceCard c = cal->run();
  contract::Outcome o;
  put(o.output, c.params);
  put(o.output, c.derived);
  for (const auto& m : {c.arrays, c.array_check}) {
    for (const auto& [k, v] : m) {
      o.output.insert(o.output.end(), v.begin(), v.end());
    }
  }
  for (const auto& [k, v] : c.validity) {
    o.output.insert(o.output.end(), {v.first, v.second});
  }
  for (const auto& [k, f] : c.fits) {
    o.output.insert(o.output.end(),
                    {f.r2, f.rms_residual, f.max_abs_residual, f.max_rel_residual, static_cast<double>(f.n_points)});
  }
  o.resolved = cfg.resolved_text();
  return o;
}

}  // namespace

TEST_CASE("contract: every calibration method from its example", "[calibration][contract][spice]") {
  contract::check_registry("calibration", calibration::calibration_registry(), run_calibration);
}
