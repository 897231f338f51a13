// What `pimtx xbar CONFIG.toml [-o OUT.h5]` runs (the command line is cli/cmd_xbar.cpp): solve one crossbar (own
// conductances from CSV or a generated array) for a batch of input vectors, with the full nodal solver, the ideal
// product and the line-relaxation approximation, and write currents, error maps against the full solve and timings
// (issue 7).
//
// Config (SI keys):
//   [array]  conductance_csv (rows = word lines, cols = bit lines, S)  | rows, cols, g_min_s, g_max_s (uniform
//            random, stream "xbar.cli.array"); a3_csv (S/V², same shape) | a3_over_a1_per_v2 (a3 = k·a1);
//            r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm (>= 0; 0 merges nodes).
//   [input]  voltages_csv (one vector per line, volts per word line) | n_vectors, v_min_v, v_max_v (uniform).
//   [bias]   scheme = "v_half" | "v_third" | "grounded", row, col, v_read_v: one read of cell (row, col) with
//            unselected lines biased (replaces [input]; bit-line currents include the sneak currents).
//   [solver] linear_solver = "direct" | "pcg", pcg_rel_tol, approx_sweeps, compare (ideal/approx error maps).
// Mapped / tiled MVM (replaces [array], [input], [bias]): y = Wᵀx through xbar::TiledMvm.
//   [mvm]    weights_csv (rows = inputs on word lines, cols = outputs) | n_in, n_out (N(0,1), stream
//            "xbar.cli.weights"); inputs_csv (one input vector per line) | n_vectors (N(0,1), "xbar.cli.mvm_input");
//            tile_rows, tile_cols (weights per tile), calibrate_adc (ADC range from these inputs first).
//   [mvm.programming] type = "ideal" | "gaussian" | "device" (device_card = "path" or [mvm.programming.device]);
//   [mvm.solver] method = "full" | "ideal" | "approx", linear_solver; [mvm.array] wire/driver/sense resistances,
//   read_noise_sigma_rel; [mvm.mapping], [mvm.dac], [mvm.tia], [mvm.adc] (type = "ideal" | "uniform"),
//   [mvm.read_noise] (type = "none" | "white_rtn"). Output /xbar/mvm: outputs, ideal_outputs (Wᵀx in double),
//   error, and rel_error (Frobenius), max_abs_error, rms_error, max_rel_error_fullscale; timings.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.h"
#include "io/h5.h"
#include "xbar/array.h"
#include "xbar/nodal_solver.h"
#include "xbar/programming.h"
#include "xbar/tile.h"

namespace pimtx::experiments {

// One array ([array], [input] or [bias], [solver]) for a batch of input vectors.
struct XbarSolveJob {
  xbar::CellArray cells;
  xbar::Parasitics parasitics;
  xbar::Drive drive;
  xbar::SolverOptions options;
  int64_t approx_sweeps = 2;
  bool compare = true;
  std::string bias = "none";  // bias scheme of a single-cell read, or "none" ([input] vectors)

  // Reads and validates the tables (CSV files named by them; random arrays and inputs from `seed`), ConfigError
  // naming the key, file and line.
  static XbarSolveJob from_config(core::Config& cfg, uint64_t seed);
  // Full nodal solve (and, with `compare`, the ideal product and the line relaxation against it) into /xbar;
  // returns the summary lines.
  [[nodiscard]] std::string run(io::ResultFile& f) const;
};

// A weight matrix mapped over tiles ([mvm] and its sub-tables): y = Wᵀx through xbar::TiledMvm.
struct XbarMvmJob {
  Eigen::MatrixXd w;  // (n_in, n_out)
  Eigen::MatrixXd x;  // (n_in, n_vec)
  int64_t tile_rows = 64, tile_cols = 32;
  bool calibrate_adc = true;
  xbar::TileParams tile;
  std::shared_ptr<const xbar::ProgrammingModel> model;

  static XbarMvmJob from_config(core::Config& cfg, uint64_t seed);
  // Programs the tiles and runs the batch into /xbar/mvm; returns the summary line.
  [[nodiscard]] std::string run(uint64_t seed, io::ResultFile& f) const;
};

}  // namespace pimtx::experiments
