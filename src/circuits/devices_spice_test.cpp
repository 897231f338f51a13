// The device subcircuits in circuits/ against their documented equations, integrated/evaluated here
// independently of ngspice ([spice]).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "circuits/crossbar.h"
#include "circuits/netlist.h"
#include "spice/engine.h"

using namespace pimtx::circuits;

namespace {

// A 1x1 crossbar with every parasitic 0: the device sees exactly the source voltage.
CrossbarSpec single_cell(CellType cell) {
  CrossbarSpec s;
  s.n_rows = 1;
  s.n_cols = 1;
  s.cell = cell;
  s.parasitics.r_wire_row_ohm = 0.0;
  s.parasitics.r_wire_col_ohm = 0.0;
  s.parasitics.r_driver_ohm = 0.0;
  s.parasitics.r_sense_ohm = 0.0;
  return s;
}

// devices.md §2.9 VTEAM right-hand side (x normalised, window (1-x) / x).
double vteam_rate(const VteamCellParams& p, double v, double x) {
  if (v > p.v_off_v) {
    return p.k_off_per_s * std::pow(v / p.v_off_v - 1.0, p.alpha_off_ratio) * (1.0 - x);
  }
  if (v < p.v_on_v) {
    return p.k_on_per_s * std::pow(v / p.v_on_v - 1.0, p.alpha_on_ratio) * x;
  }
  return 0.0;
}

// Linear interpolation of a PWL waveform.
double pwl_at(const std::vector<std::pair<double, double>>& pts, double t) {
  if (t <= pts.front().first) {
    return pts.front().second;
  }
  for (size_t k = 1; k < pts.size(); ++k) {
    if (t <= pts[k].first) {
      const double f = (t - pts[k - 1].first) / (pts[k].first - pts[k - 1].first);
      return pts[k - 1].second + f * (pts[k].second - pts[k - 1].second);
    }
  }
  return pts.back().second;
}

}  // namespace

TEST_CASE("metal-oxide cell follows I = A1 V + A3 V^3 with the devices.md 2.7 coefficients", "[spice]") {
  auto s = single_cell(CellType::metal_oxide);
  const double g0 = 4.7e-5;
  const double t_k = 333.0;
  const double xi = 0.8;
  s.g_s = {g0};
  s.xi = {xi};
  s.temperature_k = t_k;
  pimtx::spice::Job job{crossbar_lines(s), {"dc vr0 -0.4 0.4 0.05"}, {"v(w0_0)", sense_vector(0)}};
  const auto r = pimtx::spice::run_job(job);
  const double t_c = t_k - 273.15;  // the law takes Celsius (circuits/metal_oxide.sub header)
  const double a1 =
      -2.58e-6 + 0.977 * g0 + 1.166e-7 * t_c + xi * (-1.07e-6 + 0.25 * g0 + 2.20e-8 * t_c - 1300 * g0 * g0);
  const double a3 = 1.18 * g0 + 6596 * g0 * g0 + 1.605e-3 * std::pow(t_c, -1.33) +
                    xi * (1.17e-5 + 1.30 * g0 - 1.0e-7 * t_c - 6500 * g0 * g0 - 2.50e-3 * g0 * t_c);
  const auto& v = r.at("v(w0_0)").real;
  const auto& i = r.at(sense_vector(0)).real;
  REQUIRE(v.size() == 17);
  for (size_t k = 0; k < v.size(); ++k) {
    if (v[k] == 0.0) {
      CHECK(std::abs(i[k]) < 1e-15);  // no current at 0 V
      continue;
    }
    const double want = a1 * v[k] + a3 * v[k] * v[k] * v[k];
    INFO("v = " << v[k]);
    // The B-source is evaluated exactly; the nonlinear Newton solve converges to ~1e-12 relative.
    CHECK(std::abs(i[k] - want) / std::abs(want) < 1e-9);
  }
}

TEST_CASE("VTEAM cell pulse response matches an independent RK4 integration", "[spice]") {
  auto s = single_cell(CellType::vteam);
  s.x0 = {0.1};
  s.mode = CrossbarMode::pulse_train;
  s.pulse_rows_v = {1.0, -1.2};  // RESET-direction pulse (x up), then SET-direction (x down)
  s.t_edge_s = 10e-9;
  s.t_pulse_s = 20e-6;
  s.t_gap_s = 1e-6;
  s.options = ".options reltol=1e-7 abstol=1e-15 vntol=1e-12";
  const double t_end = pulse_train_duration_s(s);
  pimtx::spice::Job job{crossbar_lines(s), {"tran 10n " + num(t_end) + " 0 10n uic"}, {"time", "v(xc0_0.x)"}};
  const auto r = pimtx::spice::run_job(job);
  const auto& t = r.at("time").real;
  const auto& xs = r.at("v(xc0_0.x)").real;

  // Independent integration: fixed-step RK4, 1 ns steps (pulse edges fall on the grid).
  std::vector<std::pair<double, double>> pts;
  const double period = 2 * s.t_edge_s + s.t_pulse_s + s.t_gap_s;
  for (size_t k = 0; k < 2; ++k) {
    const double t0 = static_cast<double>(k) * period;
    pts.emplace_back(t0, 0.0);
    pts.emplace_back(t0 + s.t_edge_s, s.pulse_rows_v[k]);
    pts.emplace_back(t0 + s.t_edge_s + s.t_pulse_s, s.pulse_rows_v[k]);
    pts.emplace_back(t0 + 2 * s.t_edge_s + s.t_pulse_s, 0.0);
  }
  const double dt = 1e-9;
  double x = 0.1;
  double tt = 0.0;
  size_t next = 0;
  double worst = 0.0;
  while (next < t.size()) {
    // Compare at every ngspice time point reached (interpolating within the last RK4 step).
    while (next < t.size() && t[next] <= tt + 1e-18) {
      worst = std::max(worst, std::abs(xs[next] - x));
      ++next;
    }
    const auto f = [&](double ti, double xi) { return vteam_rate(s.vteam, pwl_at(pts, ti), xi); };
    const double k1 = f(tt, x);
    const double k2 = f(tt + dt / 2, x + dt / 2 * k1);
    const double k3 = f(tt + dt / 2, x + dt / 2 * k2);
    const double k4 = f(tt + dt, x + dt * k3);
    x += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    tt += dt;
  }
  INFO("final x: spice " << xs.back() << ", RK4 " << x << "; worst |dx| " << worst);
  CHECK(xs.back() < 0.5);  // the second pulse moved it back down
  CHECK(std::abs(xs.back() - x) < 1e-4);
  // State compared at ngspice's points against the RK4 state of the grid point just past them (<= 1 ns
  // later, dx/dt <= 3e4 /s -> <= 3e-5), plus ngspice's integration error at reltol 1e-7.
  CHECK(worst < 2e-4);
}
