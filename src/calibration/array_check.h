// Small-array read check of a metal-oxide device card: SPICE reads of small passive crossbars
// (circuits/crossbar.h, cell = mo_device_g0 with a per-cell G0 and d2d draw ξ, wire/driver/sense resistances of
// the config) compared with the column currents the card predicts for the same arrays.
//
// The prediction is xbar's nodal solver (xbar/nodal_solver.h) on the same geometry: crossbar.h and xbar/array.h
// describe one geometry (driver at the column-0 end of each word line, sense at the last-row end of each bit
// line, a zero resistance merges its nodes), with each cell's cubic read law from MemristorModel::read_law().
// With zero parasitics every cell sees its row voltage and the solve reduces to Σ_i I_cell(V_i).
//
// Contract: run_metal_oxide_array_reads() builds one netlist per (array, input pattern), runs them through the
// pool (a failed point is reported in SpiceRun::failed and its case has no SPICE currents, it never aborts);
// arrays and inputs come from core::Rng(seed, "calibrate.spice.array", size index) and
// Rng(seed, "calibrate.spice.array_inputs", size index · n_patterns + pattern). predict_metal_oxide_columns()
// returns the sense currents (A, positive out of the bit line, as "vs{j}#branch"); NumericError if Newton does
// not converge or the drive leaves the model's read validity. Only virtual-ground sensing in read mode. Units SI.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "calibration/spice_runner.h"
#include "circuits/crossbar.h"
#include "devices/metal_oxide.h"

namespace pimtx::calibration {

struct ArrayCheckOptions {
  std::vector<int64_t> sizes{4, 8};              // square n × n arrays
  size_t n_patterns = 4;                         // input patterns per array; pattern 0 puts v_max_v on every row
  double g0_min_s = 3.16e-6, g0_max_s = 1.5e-4;  // per-cell G0, log-uniform
  double v_min_v = 0.05, v_max_v = 0.4;          // row inputs, uniform (patterns ≥ 1)
  circuits::Parasitics parasitics{2.5, 2.5, 10.0, 10.0};  // crossbar.h's defaults
  double temperature_k = 333.15;
};

struct ArrayCase {
  size_t size_index = 0;
  circuits::CrossbarSpec spec;                   // the array as simulated (g_s = G0, xi, v_rows_v, parasitics)
  std::optional<std::vector<double>> i_spice_a;  // (n_cols) sense currents; nullopt where the point failed
};

struct ArrayReads {
  std::vector<ArrayCase> cases;
  SpiceRun run;
};

ArrayReads run_metal_oxide_array_reads(spice::WorkerPool& pool, const ArrayCheckOptions& o, uint64_t seed);

// Column sense currents (n_cols) of a read-mode, virtual-ground crossbar of metal-oxide cells: G0 = spec.g_s
// (clamped by the model), ξ = spec.xi.
std::vector<double> predict_metal_oxide_columns(const devices::MetalOxide& m, const circuits::CrossbarSpec& spec);

struct ArrayCheckResult {
  std::vector<int64_t> sizes;
  std::vector<double> max_rel_error, mean_rel_error;  // (n_sizes) over all columns of all patterns
  std::vector<int64_t> n_cases_used;                  // (n_sizes) patterns with SPICE currents
  double max_rel_error_all = 0;
};
// |I_model − I_spice| / |I_spice| per column; failed cases excluded. CalibrationError if a size has none left.
ArrayCheckResult compare_array_reads(const devices::MetalOxide& m, const ArrayReads& reads,
                                     const std::vector<int64_t>& sizes);

}  // namespace pimtx::calibration
