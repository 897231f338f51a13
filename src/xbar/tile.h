// One analog tile (mapping + array solve + peripherals) and a large matrix tiled over many of them.
//
// Contract: AnalogTile programs its weight block once at construction (d2d fixed per instance) and then
// computes y ≈ Wᵀx for batches: DAC (with bit slices) -> array (solver "full" = NodalSolver, "ideal",
// or "approx" = line relaxation) -> read noise (relative Gaussian and/or the device unit) -> TIA -> ADC ->
// differential/offset decode -> slice recombination, in input·weight units. mvm() mutates only the tile's cached
// factorisation and draws run-time noise from the Rng passed in. calibrate() sets ADC ranges from a representative
// batch. TiledMvm cuts W (n_in, n_out) into tiles of at most tile_rows × tile_cols weights (tile index = row_block ·
// n_col_blocks + col_block) and accumulates the row blocks' partial sums digitally.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xbar/mapping.h"
#include "xbar/nodal_solver.h"
#include "xbar/peripherals.h"

namespace pimtx::xbar {

struct TileParams {
  std::string solver = "full";  // [solver] method: "full", "ideal", "approx"
  int64_t approx_sweeps = 2;
  SolverOptions solver_options;
  Parasitics parasitics;
  MappingParams mapping;
  DacParams dac;
  TiaParams tia;
  double read_noise_sigma_rel = 0.0;  // per cell and read operation (simple relative Gaussian)
  // Device read-noise unit (devices::read_noise_registry(): "none", "white_rtn"); null = none. Per cell.
  std::shared_ptr<const devices::ReadNoise> read_noise;
  double t_read_s = 1e-6;  // time between two reads (vectors) of a tile, for RTN dwell times
  // The ADC's config table, built per tile through adc_registry() ("ideal", "uniform", ...); absent = ideal.
  // Programmatic use: p.adc = core::Config::from_string("type = 'uniform'\nn_bits = 6").root().
  std::optional<core::Section> adc;
  // Reads [solver], [array] (resistances), [mapping], [dac], [tia], [adc], [read_noise] sub-tables of s.
  // [solver]: method = "full" | "ideal" | "approx" (how the array is solved), approx_sweeps, linear_solver =
  // "direct" | "pcg" (the sparse linear solver of the full method), pcg_rel_tol.
  static TileParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads, sub-tables included
  // Field by field; the read-noise units by their written keys, the ADC tables by content (absent = ideal).
  bool operator==(const TileParams& o) const;
};

class AnalogTile {
 public:
  AnalogTile(const Eigen::MatrixXd& w, const TileParams& p, const ProgrammingModel& model, uint64_t seed,
             uint64_t tile_index);
  // x: (n_in, n_vec) -> (n_out, n_vec).
  Eigen::MatrixXd mvm(const Eigen::MatrixXd& x, core::Rng& noise);
  void calibrate(const Eigen::MatrixXd& x);
  [[nodiscard]] const MappedTile& mapped() const { return tile_; }

 private:
  Eigen::MatrixXd column_volts(const Drive& d, core::Rng& noise);
  TileParams p_;
  MappedTile tile_;
  Dac dac_;
  std::unique_ptr<NodalSolver> solver_;
  std::unique_ptr<Adc> adc_;
  std::optional<CellReadNoise> read_noise_;
};

class TiledMvm {
 public:
  TiledMvm(const Eigen::MatrixXd& w, int64_t tile_rows, int64_t tile_cols, const TileParams& p,
           const ProgrammingModel& model, uint64_t seed);
  Eigen::MatrixXd mvm(const Eigen::MatrixXd& x, core::Rng& noise);  // (n_in, n_vec) -> (n_out, n_vec)
  void calibrate(const Eigen::MatrixXd& x);
  [[nodiscard]] size_t n_tiles() const { return tiles_.size(); }

 private:
  Eigen::Index n_in_, n_out_, tile_rows_, tile_cols_, n_col_blocks_;
  std::vector<AnalogTile> tiles_;
};

}  // namespace pimtx::xbar
