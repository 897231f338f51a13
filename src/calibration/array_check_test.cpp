// Small-array read check (array_check.h): the nodal solve against its closed form and against ngspice.
#include "calibration/array_check.h"

#include <array>
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
  x.temperature_k = 333.15;
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
  x.parasitics = {};
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
  x.parasitics = {100, 100, 100, 100};
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
  o.parasitics.r_wire_row_ohm = 5;  // larger than the default so that the parasitics move the currents by ~1e-2
  o.parasitics.r_driver_ohm = 50;
  auto reads = run_metal_oxide_array_reads(pool, o, 7);
  REQUIRE(reads.run.failed.empty());
  // Merged-node variants of the geometry: wires of 0 Ω (single-node lines) with driver/sense kept, and the reverse.
  const size_t n_base = reads.cases.size();
  for (int variant = 0; variant < 2; ++variant) {
    ArrayCase c = reads.cases[static_cast<size_t>(variant)];
    if (variant == 0) {
      c.spec.parasitics.r_wire_row_ohm = c.spec.parasitics.r_wire_col_ohm = 0;
    } else {
      c.spec.parasitics.r_driver_ohm = c.spec.parasitics.r_sense_ohm = 0;
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
    ideal.parasitics = {};
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

TEST_CASE("array check: xbar's nodal solver gives the numbers of the former dense Newton solver",
          "[calibration][array]") {
  // Column currents of random_array(n, 3) computed by the dense nodal Newton solver that array_check.cpp
  // carried before it used xbar::NodalSolver (commit c4f5ee6, printed with %.17g), for every merging variant of
  // the geometry. Both solve the same equations to ~1e-14 V on ~0.1 V nodes, so they agree far within 1e-12.
  struct Golden {
    size_t n;
    std::array<double, 4> r_ohm;  // wire row, wire col, driver, sense
    std::vector<double> i_a;
  };
  const std::vector<Golden> golden = {
      {5,
       {0, 0, 0, 0},
       {2.5063246572837659e-05, 5.8962394569145974e-05, 5.5378595666365182e-05, 4.827161271445285e-05,
        0.00010381775256359274}},
      {5,
       {100, 100, 100, 100},
       {2.3640807941691279e-05, 5.3383067084906966e-05, 4.9880039825527442e-05, 4.2792450671076934e-05,
        8.6145964212791786e-05}},
      {5,
       {2.5, 2.5, 10, 10},
       {2.4944845380381343e-05, 5.856860797344409e-05, 5.5016528263040262e-05, 4.7935190150561652e-05,
        0.00010264533641890064}},
      {5,
       {0, 0, 10, 10},
       {2.4957268511301391e-05, 5.8647093519008668e-05, 5.5104260009811553e-05, 4.8033179646900592e-05,
        0.00010297469221818272}},
      {5,
       {5, 2.5, 0, 0},
       {2.5050598691043734e-05, 5.8844618512249475e-05, 5.5227495111819949e-05, 4.8115012544391913e-05,
        0.00010324146486107355}},
      {5,
       {5, 0, 50, 0},
       {2.471526003183383e-05, 5.8068620611808526e-05, 5.4507304805408925e-05, 4.7615551615651327e-05,
        0.00010174991627045535}},
      {8,
       {0, 0, 0, 0},
       {0.00010659713782759287, 7.1614061206812699e-05, 7.5641743941333073e-05, 9.6747225478419736e-05,
        5.1249703319595024e-05, 0.00012851823744951016, 9.7072860264640903e-05, 5.2900902503515075e-05}},
      {8,
       {100, 100, 100, 100},
       {9.5151346204376498e-05, 5.8923296387090778e-05, 6.0855064716780945e-05, 7.1732869062424872e-05,
        4.1733579627898469e-05, 8.7315160427080068e-05, 6.7534130158044588e-05, 4.2202653361180283e-05}},
      {8,
       {2.5, 2.5, 10, 10},
       {0.00010556691700404336, 7.0740338519004891e-05, 7.465260067778883e-05, 9.5057550245896584e-05,
        5.0665400689348051e-05, 0.00012583639912254444, 9.5209355750062387e-05, 5.2268632646750337e-05}},
      {8,
       {0, 0, 10, 10},
       {0.00010566413787283404, 7.0998177633418188e-05, 7.4983962191794146e-05, 9.5692440069819132e-05,
        5.0891587368919166e-05, 0.00012706210567542262, 9.606142635290494e-05, 5.2531074811124501e-05}},
      {8,
       {5, 2.5, 0, 0},
       {0.00010649709948309987, 7.1261507694421098e-05, 7.5137371526253741e-05, 9.5764093464661791e-05,
        5.0861537008045738e-05, 0.0001266699943456871, 9.5742842953448775e-05, 5.2444748241789276e-05}},
      {8,
       {5, 0, 50, 0},
       {0.00010459792486750875, 6.9621989140550842e-05, 7.3402589316342822e-05, 9.3405978508993306e-05,
        4.980370410988802e-05, 0.00012402468053053097, 9.3668221142823561e-05, 5.1442293960136601e-05}},
  };
  const devices::MetalOxide m{devices::MetalOxideParams{}};
  double worst = 0;
  for (const auto& g : golden) {
    auto x = random_array(g.n, 3);
    x.parasitics = {g.r_ohm[0], g.r_ohm[1], g.r_ohm[2], g.r_ohm[3]};
    const auto cols = predict_metal_oxide_columns(m, x);
    REQUIRE(cols.size() == g.i_a.size());
    for (size_t j = 0; j < cols.size(); ++j) {
      worst = std::max(worst, std::fabs(cols[j] / g.i_a[j] - 1));
    }
  }
  std::cout << "array check vs the former solver: max rel difference " << worst << " over " << golden.size()
            << " arrays\n";
  CHECK(worst <= 1e-12);
}
