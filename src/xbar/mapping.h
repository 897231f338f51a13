// Weight -> conductance mapping of one tile (rows = inputs on word lines, columns = bit lines).
//
// Contract: map_weights() reads a weight block W (n_in, n_out), maps it linearly onto [g_min, g_max] of
// the programming model and programs every device through it (so programming error, d2d spread and
// clamping come from the model), optionally with write-verify, then applies stuck cells. It returns the
// programmed tile; nothing else is mutated. decode() turns bit-line currents back into weighted sums.
//  - scheme "differential": output j uses columns 2j (G+, w > 0 part) and 2j+1 (G−); y ∝ I_2j − I_2j+1.
//  - scheme "offset": output j uses column j at G = g_mid + w·Δg/2, and one extra reference column at g_mid
//    (weight 0) is subtracted: y ∝ I_j − I_ref.
// Scale: g_per_weight_s = (g_max − g_min)/w_max (differential) or (g_max − g_min)/(2·w_max) (offset).
// Streams: device d2d draws "xbar.d2d" indexed by (tile, cell); programming events "xbar.program" (tile).
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"
#include "xbar/array.h"
#include "xbar/programming.h"

namespace pimtx::xbar {

struct MappingParams {
  std::string scheme = "differential";  // or "offset"
  double w_max = 0.0;                   // weight mapped to full range; 0 = max |W| of the block
  int64_t n_write_verify = 0;           // extra program/verify iterations per device
  double verify_tol_rel = 0.005;        // accept |G − target| <= tol·(g_max − g_min)
  double p_stuck_on_rel = 0.0;          // fraction of cells stuck at g_max
  double p_stuck_off_rel = 0.0;         // fraction of cells stuck at g_min
  void validate() const;
  static MappingParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const MappingParams&) const = default;
};

struct MappedTile {
  CellArray cells;           // (rows, physical cols)
  Eigen::MatrixXd target_s;  // (rows, physical cols) intended conductances
  bool differential = true;
  Eigen::Index n_out = 0;
  double g_per_weight_s = 0.0;
  double w_max = 0.0;
  int64_t n_stuck = 0;
};

// Programming of given target conductances (rows, cols) through the model, with the write-verify and stuck-cell
// settings of p (scheme and w_max unused), streams as map_weights(). n_pulses: programming pulses applied;
// n_clipped: cells whose target lay outside [g_min, g_max] and was clamped to it.
struct ProgrammedCells {
  CellArray cells;
  int64_t n_stuck = 0;
  int64_t n_pulses = 0;
  int64_t n_clipped = 0;
};
ProgrammedCells program_cells(const Eigen::MatrixXd& target_s, const MappingParams& p, const ProgrammingModel& model,
                              uint64_t seed, uint64_t tile_index);

MappedTile map_weights(const Eigen::MatrixXd& w, const MappingParams& p, const ProgrammingModel& model, uint64_t seed,
                       uint64_t tile_index);

// currents: (physical cols, n_vec) -> (n_out, n_vec) in "weight·volt" units: sum_i w_ij·V_i.
Eigen::MatrixXd decode(const MappedTile& tile, const Eigen::MatrixXd& currents_a);

}  // namespace pimtx::xbar
