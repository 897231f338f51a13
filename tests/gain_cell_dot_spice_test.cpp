// Circuit link of the gain-cell attention (issue 13): the arch-level analog dot product (the card's read law at the
// read word-line level, exponential decay with the card's τ, pulse-width inputs) against ngspice on the
// netlist of `pimtx netlist gaincell --dot` (circuits::gaincell_netlist with per-row read pulses; BSIM4 3T cells of
// circuits/gaincell_3t.sub, the cell the card was calibrated on), for 8 × 4 and 64 × 1 arrays of random stored
// values and inputs.
//
// The arch model writes V_SN itself (the DAC's target); the WBL → V_SN transfer of the write transistor (charge
// injection, coupling) is not part of the card, so the stored voltage each cell holds when its write word line
// turns off is taken from SPICE and handed to the model, which then decays it over the hold and reads it.
// Charge of column c: SPICE Q_c = ∫ −i(vrbl_c) dt over the read phase; model Q_c = Σ_r (t_r + t_edge)·I(V_rc(t_read)),
// each trapezoidal RWL pulse counted as its flat part plus one edge (the two ramps at half current on average).
// Tolerance: 2 % of full scale (the goal), full scale = n_rows · I(v_store_max, 0.9 V) · t_read_s.
#include <catch2/catch.hpp>
#include <cmath>

#include "arch/kv_cache/gain_cell.h"
#include "circuits/gaincell.h"
#include "circuits/netlist.h"
#include "core/config.h"
#include "core/rng.h"
#include "spice/engine.h"

using namespace pimtx;

namespace {

double integrate(const std::vector<double>& t, const std::vector<double>& y, double t0, double t1) {
  double s = 0;
  for (size_t k = 1; k < t.size(); ++k) {
    const double a = std::max(t[k - 1], t0), b = std::min(t[k], t1);
    if (b <= a) {
      continue;
    }
    auto at = [&](double x) { return y[k - 1] + (y[k] - y[k - 1]) * (x - t[k - 1]) / (t[k] - t[k - 1]); };
    s += 0.5 * (at(a) + at(b)) * (b - a);
  }
  return s;
}

void check_dot(size_t n_rows, size_t n_cols, double t_hold_s, uint64_t seed) {
  core::Config cfg;
  core::Section sec = cfg.root();
  const auto dev = arch::load_gain_cell_card(sec, "device_card", "data/devices/si_3t_gaincell.h5");
  const double vr = 0.9;
  const arch::GainCellReadLaw law(dev, vr, dev.read.v_store_min_v, dev.read.v_store_max_v, false);
  core::Rng rng(seed, "test.gain_cell_dot");
  circuits::GainCellSpec s;
  s.n_rows = n_rows;
  s.n_cols = n_cols;
  s.t_edge_s = 0.2e-9;
  s.t_write_s = 10e-9;
  s.t_read_s = 10e-9;
  s.t_hold_s = t_hold_s;
  for (size_t i = 0; i < n_rows * n_cols; ++i) {
    s.v_store_v.push_back(rng.uniform(0.85, 1.3));  // WBL levels: V_SN about 0.55–0.92 V, the card's fitted range
  }
  std::vector<double> x;
  for (size_t r = 0; r < n_rows; ++r) {
    x.push_back(rng.uniform());
    s.t_read_row_s.push_back(x.back() * s.t_read_s);
  }
  s.v_read_v.assign(n_rows, vr);
  s.options = ".options num_threads=1";
  spice::Job job;
  job.netlist = circuits::gaincell_lines(s);
  job.commands = {fmt::format("tran 0.05n {} 0 1n", circuits::num(circuits::total_duration_s(s)))};
  job.save = {"time"};
  for (size_t c = 0; c < n_cols; ++c) {
    job.save.push_back(circuits::rbl_vector(c));
    for (size_t r = 0; r < n_rows; ++r) {
      job.save.push_back(circuits::storage_vector(r, c));
    }
  }
  job.timeout_s = 300;
  const auto res = spice::run_job(job);
  const auto& t = res.at("time").real;
  const auto [ta, tb] = circuits::read_window(s);
  const double slot = 4 * s.t_edge_s + s.t_write_s;
  const double fs = static_cast<double>(n_rows) * law.current_a(dev.read.v_store_max_v) * s.t_read_s;
  double worst = 0, worst_dv = 0;
  for (size_t c = 0; c < n_cols; ++c) {
    std::vector<double> i_cell = res.at(circuits::rbl_vector(c)).real;
    for (double& v : i_cell) {
      v = -v;
    }
    const double q_spice = integrate(t, i_cell, ta - s.t_edge_s, tb + s.t_edge_s);
    double q_model = 0;
    for (size_t r = 0; r < n_rows; ++r) {
      // Written voltage when WWL_r is off again, then the card's exponential decay toward v_hold until the read.
      const double t_w = static_cast<double>(r) * slot + 3 * s.t_edge_s + s.t_write_s;
      const auto& vsn = res.at(circuits::storage_vector(r, c)).real;
      const double v0 = [&] {
        auto it = std::lower_bound(t.begin(), t.end(), t_w);
        return vsn[static_cast<size_t>(it - t.begin())];
      }();
      const double v_read = dev.v_hold_v + (v0 - dev.v_hold_v) * std::exp(-(ta - t_w) / dev.tau_ret_s);
      const double v_spice = [&] {
        auto it = std::lower_bound(t.begin(), t.end(), ta - s.t_edge_s);
        return vsn[static_cast<size_t>(it - t.begin())];
      }();
      worst_dv = std::max(worst_dv, std::abs(v_read - v_spice));
      if (x[r] > 0) {
        q_model += (x[r] * s.t_read_s + s.t_edge_s) * law.current_a(v_read);
      }
    }
    const double err = std::abs(q_model - q_spice) / fs;
    INFO("column " << c << ": SPICE " << q_spice << " C, model " << q_model << " C, full scale " << fs << " C");
    CHECK(err < 0.02);
    worst = std::max(worst, err);
  }
  WARN(n_rows << "x" << n_cols << " hold " << t_hold_s << " s: worst |Q_model - Q_spice| / full scale = " << worst
              << "; worst |V_SN model - SPICE| before the read = " << worst_dv << " V");
}

}  // namespace

TEST_CASE("gain-cell dot product: arch model vs ngspice, 8 x 4 after a 20 us hold", "[spice][gain_cell]") {
  check_dot(8, 4, 20e-6, 1);
}

TEST_CASE("gain-cell dot product: arch model vs ngspice, 64 x 1", "[spice][gain_cell]") { check_dot(64, 1, 2e-6, 2); }
