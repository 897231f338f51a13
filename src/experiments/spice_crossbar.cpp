// Experiment "spice_crossbar": an N x N resistive (or metal-oxide) crossbar with random conductances and
// wire resistance, solved by libngspice; per-column currents vs the ideal G^T V currents.
// Config: experiments/spice_crossbar/config.toml (keys documented there).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "circuits/crossbar.h"
#include "core/rng.h"
#include "experiments/experiment.h"
#include "spice/engine.h"

namespace pimtx::experiments {

namespace {

class SpiceCrossbarExperiment : public Experiment {
 public:
  SpiceCrossbarExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    auto c = root.section("spice_crossbar");
    const auto n = static_cast<size_t>(c.get_int("n_rows", 16, core::Range::closed(1, 128)));
    const auto m = static_cast<size_t>(c.get_int("n_cols", static_cast<int64_t>(n), core::Range::closed(1, 128)));
    spec_.n_rows = n;
    spec_.n_cols = m;
    spec_.cell = circuits::parse_cell_type(c.get_string("cell", "resistor", {"resistor", "metal_oxide"}));
    g_min_s_ = c.get_double("g_min_s", 1e-6, core::Range::positive());
    g_max_s_ = c.get_double("g_max_s", 1e-4, core::Range::positive());
    if (g_max_s_ < g_min_s_) {
      c.fail("g_max_s", fmt::format("{} is below g_min_s = {}", g_max_s_, g_min_s_));
    }
    spec_.temperature_k = c.get_double("temperature_k", 333.0, core::Range::closed(200.0, 500.0));
    spec_.parasitics = circuits::Parasitics::from_config(c, spec_.parasitics);  // crossbar.h's defaults
    v_min_v_ = c.get_double("v_in_min_v", 0.0, core::Range::closed(-1.0, 1.0));
    v_max_v_ = c.get_double("v_in_max_v", 0.2, core::Range::closed(-1.0, 1.0));
    if (v_max_v_ < v_min_v_) {
      c.fail("v_in_max_v", fmt::format("{} is below v_in_min_v = {}", v_max_v_, v_min_v_));
    }
    timeout_s_ = c.get_double("timeout_s", 120.0, core::Range::positive());
  }

  std::string run(io::ResultFile& out) override {
    const size_t n = spec_.n_rows;
    const size_t m = spec_.n_cols;
    core::Rng g_rng(seed_, "spice_crossbar.g");
    core::Rng v_rng(seed_, "spice_crossbar.v_in");
    spec_.g_s.clear();
    for (size_t k = 0; k < n * m; ++k) {
      spec_.g_s.push_back(g_rng.uniform(g_min_s_, g_max_s_));  // (n_rows, n_cols)
    }
    spec_.v_rows_v.clear();
    for (size_t i = 0; i < n; ++i) {
      spec_.v_rows_v.push_back(v_rng.uniform(v_min_v_, v_max_v_));  // (n_rows)
    }
    spec_.command = "pimtx run experiments/spice_crossbar/config.toml (netlist rebuilt from the stored config)";
    spice::Job job;
    job.netlist = circuits::crossbar_lines(spec_);
    job.commands = {"op"};
    for (size_t j = 0; j < m; ++j) {
      job.save.push_back(circuits::sense_vector(j));
    }
    job.timeout_s = timeout_s_;
    const auto t0 = std::chrono::steady_clock::now();
    const spice::Result r = spice::run_job(job);
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::vector<double> spice_a(m);
    std::vector<double> ideal_a(m, 0.0);
    std::vector<double> rel(m);
    for (size_t j = 0; j < m; ++j) {
      spice_a[j] = r.scalar(circuits::sense_vector(j));
      for (size_t i = 0; i < n; ++i) {
        ideal_a[j] += spec_.g_s[i * m + j] * spec_.v_rows_v[i];
      }
      rel[j] = (spice_a[j] - ideal_a[j]) / ideal_a[j];
    }
    const std::string g = "/spice_crossbar";
    out.write(g + "/currents_a", spice_a, {}, "A");
    out.write(g + "/ideal_currents_a", ideal_a, {}, "A");
    out.write(g + "/rel_diff", rel, {}, "1");
    out.write(g + "/conductances_s", spec_.g_s, {n, m}, "S");
    out.write(g + "/v_in_v", spec_.v_rows_v, {}, "V");
    out.write_scalar(g + "/spice_wall_s", wall_s, "s");
    out.write_string(g + "/netlist", circuits::crossbar_netlist(spec_));
    out.write_string(g + "/cell", circuits::cell_type_name(spec_.cell));

    double mean_abs = 0.0;
    double max_abs = 0.0;
    for (double x : rel) {
      mean_abs += std::abs(x) / static_cast<double>(m);
      max_abs = std::max(max_abs, std::abs(x));
    }
    double total_spice = 0.0;
    for (double x : spice_a) {
      total_spice += x;
    }
    return fmt::format(
        "spice_crossbar: {}x{} {} crossbar, wire {} / {} Ohm, driver {} Ohm, sense {} Ohm (seed {})\n"
        "ngspice op: {:.3f} s wall; total sense current {:.6e} A\n"
        "column current vs ideal G^T V: mean |rel diff| {:.4e}, max {:.4e}\n"
        "column 0: spice {:.6e} A, ideal {:.6e} A",
        n, m, circuits::cell_type_name(spec_.cell), spec_.parasitics.r_wire_row_ohm, spec_.parasitics.r_wire_col_ohm,
        spec_.parasitics.r_driver_ohm, spec_.parasitics.r_sense_ohm, seed_, wall_s, total_spice, mean_abs, max_abs,
        spice_a[0], ideal_a[0]);
  }

 private:
  uint64_t seed_;
  circuits::CrossbarSpec spec_;
  double g_min_s_ = 1e-6;
  double g_max_s_ = 1e-4;
  double v_min_v_ = 0.0;
  double v_max_v_ = 0.2;
  double timeout_s_ = 120.0;
};

}  // namespace

std::unique_ptr<Experiment> make_spice_crossbar_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<SpiceCrossbarExperiment>(root, seed);
}

}  // namespace pimtx::experiments
