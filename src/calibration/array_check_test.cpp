// Small-array read check (array_check.h): the nodal solve against its closed form and against ngspice.
#include "calibration/array_check.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>

#include "core/errors.h"
#include "core/rng.h"
#include "spice/pool.h"

using namespace pimtx;
using namespace pimtx::calibration;

namespace {

circuits::CrossbarSpec random_array(size_t n, uint64_t seed) {
  core::Rng r(seed, "test.array", n);
  circuits::CrossbarSpec x;
  x.n_rows = n;
  x.n_cols = n;
  x.cell = circuits::CellType::metal_oxide;
  x.temp_k = 333.15;
  for (size_t k = 0; k < n * n; ++k) {
    x.g_s.push_back(std::exp(r.uniform(std::log(3.16e-6), std::log(1.5e-4))));
    x.xi.push_back(r.normal());
  }
  for (size_t i = 0; i < n; ++i) {
    x.v_rows_v.push_back(r.uniform(0.05, 0.4));
  }
  return x;
}

}  // namespace

TEST_CASE("crossbar read solve: zero parasitics give sum_i I_cell(V_i), parasitics lower the currents",
          "[calibration][array]") {
  const devices::MetalOxide m{devices::MetalOxideParams{}};
  auto x = random_array(5, 3);
  x.r_wire_row_ohm = x.r_wire_col_ohm = x.r_driver_ohm = x.r_sense_ohm = 0;
  const auto cols = predict_metal_oxide_columns(m, x);
  for (size_t j = 0; j < x.n_cols; ++j) {
    double sum = 0;
    for (size_t i = 0; i < x.n_rows; ++i) {
      devices::MemristorInstance d;
      m.set_conductance(d, x.g_s[i * x.n_cols + j]);
      d.d2d[0] = x.xi[i * x.n_cols + j];
      sum += m.current_a(d, x.v_rows_v[i]);
    }
    // Every node is fixed: the solve only evaluates the cells, so the sums agree to rounding.
    CHECK(cols[j] == Approx(sum).epsilon(1e-14));
  }
  // 100 Ω everywhere: IR drops (a few % with ~100 µS cells) must reduce every column current.
  x.r_wire_row_ohm = x.r_wire_col_ohm = x.r_driver_ohm = x.r_sense_ohm = 100;
  const auto lossy = predict_metal_oxide_columns(m, x);
  for (size_t j = 0; j < x.n_cols; ++j) {
    CHECK(lossy[j] < cols[j]);
    CHECK(lossy[j] > 0.5 * cols[j]);
  }
  // Non-converging / unsupported inputs are errors, not silent results.
  x.sense = circuits::SenseMode::load_resistor;
  CHECK_THROWS_AS(predict_metal_oxide_columns(m, x), pimtx::ConfigError);
}

TEST_CASE("crossbar read solve matches ngspice on metal-oxide arrays with parasitics (source laws = subcircuit)",
          "[calibration][array][spice]") {
  spice::WorkerPool pool(2);
  // The default MetalOxideParams carry the source laws that circuits/metal_oxide.sub implements, so the only
  // differences are the solver's and ngspice's: both converge far below 1e-6 (.options reltol=1e-9).
  const devices::MetalOxide m{devices::MetalOxideParams{}};
  ArrayCheckOptions o;
  o.sizes = {4, 8};
  o.n_patterns = 2;
  o.r_wire_row_ohm = 5;  // larger than the default so that the parasitics move the currents by ~1e-2
  o.r_driver_ohm = 50;
  auto reads = run_metal_oxide_array_reads(pool, o, 7);
  REQUIRE(reads.run.failed.empty());
  // Merged-node variants of the geometry: wires of 0 Ω (single-node lines) with driver/sense kept, and the reverse.
  const size_t n_base = reads.cases.size();
  for (int variant = 0; variant < 2; ++variant) {
    ArrayCase c = reads.cases[static_cast<size_t>(variant)];
    if (variant == 0) {
      c.spec.r_wire_row_ohm = c.spec.r_wire_col_ohm = 0;
    } else {
      c.spec.r_driver_ohm = c.spec.r_sense_ohm = 0;
    }
    spice::Job job;
    job.netlist = circuits::crossbar_lines(c.spec);
    job.commands = {"op"};
    for (size_t j = 0; j < c.spec.n_cols; ++j) {
      job.save.push_back(circuits::sense_vector(j));
    }
    const auto r = run_points(pool, {{"merged variant", job}}, "test");
    REQUIRE(r.results[0].has_value());
    std::vector<double> i;
    for (size_t j = 0; j < c.spec.n_cols; ++j) {
      i.push_back(r.results[0]->scalar(circuits::sense_vector(j)));
    }
    c.i_spice_a = i;
    reads.cases.push_back(c);
  }
  double worst = 0, ir_effect = 0;
  for (size_t k = 0; k < reads.cases.size(); ++k) {
    const auto& c = reads.cases[k];
    const auto pred = predict_metal_oxide_columns(m, c.spec);
    auto ideal = c.spec;
    ideal.r_wire_row_ohm = ideal.r_wire_col_ohm = ideal.r_driver_ohm = ideal.r_sense_ohm = 0;
    const auto no_ir = predict_metal_oxide_columns(m, ideal);
    for (size_t j = 0; j < pred.size(); ++j) {
      worst = std::max(worst, std::fabs(pred[j] / (*c.i_spice_a)[j] - 1));
      if (k < n_base) {
        ir_effect = std::max(ir_effect, std::fabs(no_ir[j] / (*c.i_spice_a)[j] - 1));
      }
    }
  }
  std::cout << "array solve vs ngspice: max rel column-current error " << worst << " over " << reads.cases.size()
            << " arrays; ignoring the parasitics would give " << ir_effect << "\n";
  CHECK(worst <= 1e-6);
  CHECK(ir_effect > 1e-3);  // the check is sensitive to the parasitics, so the solve is really exercised
}

TEST_CASE("array check: a failed SPICE array read is excluded, a size with none left is an error",
          "[calibration][array]") {
  const devices::MetalOxide m{devices::MetalOxideParams{}};
  ArrayReads reads;
  for (size_t k = 0; k < 2; ++k) {
    ArrayCase c;
    c.size_index = 0;
    c.spec = random_array(3, 10 + k);
    // Stand-in "SPICE" currents: the model's own prediction, 1 % high in the first case (so its error shows).
    auto i = predict_metal_oxide_columns(m, c.spec);
    for (auto& x : i) {
      x *= k == 0 ? 1.01 : 1.0;
    }
    c.i_spice_a = i;
    reads.cases.push_back(c);
  }
  auto r = compare_array_reads(m, reads, {3});
  CHECK(r.n_cases_used[0] == 2);
  CHECK(r.max_rel_error[0] == Approx(1 - 1 / 1.01).epsilon(1e-9));
  CHECK(r.mean_rel_error[0] == Approx(0.5 * (1 - 1 / 1.01)).epsilon(1e-9));
  reads.cases[0].i_spice_a.reset();  // the 1 %-off read "failed": excluded, not counted
  r = compare_array_reads(m, reads, {3});
  CHECK(r.n_cases_used[0] == 1);
  CHECK(r.max_rel_error[0] < 1e-15);
  reads.cases[1].i_spice_a.reset();
  CHECK_THROWS_AS(compare_array_reads(m, reads, {3}), pimtx::CalibrationError);
}
