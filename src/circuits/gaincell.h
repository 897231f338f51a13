// Gain-cell array netlist generator (R x C cells of circuits/gaincell_3t.sub or gaincell_2t.sub).
//
// Geometry: row r has write word line wwl{r} and read word line rwl{r} (3T) or read source line rsl{r} (2T);
// column c has write bit line wbl{c} and read bit line rbl{c}. Cell (r,c) is instance xc{r}_{c}; its storage
// node voltage is vector "v(xc{r}_{c}.sn)" (storage_vector()). All lines are ideal PWL sources (no wire
// resistance: gain-cell arrays are read by charge/current integration and are short).
// Phases (times in s, all PWL ramps take t_edge_s):
//   write: rows one at a time, slot r = [r*Ts, (r+1)*Ts), Ts = 4*t_edge_s + t_write_s. In slot r the WBLs
//          ramp to v_store_v[r][c] during [0, te], WWL_r ramps to v_wwl_on_v during [te, 2te], stays for
//          t_write_s, ramps back to v_wwl_off_v during [2te+tw, 3te+tw]; the WBLs hold until the slot ends.
//   hold:  after the last slot the WBLs ramp to v_wbl_hold_v (t_edge_s) and everything holds for t_hold_s.
//   read:  all rows at once: 3T: RWL_r ramps to v_read_v[r] (0 = row not read); 2T: RSL_r ramps from v_rbl_v
//          down to v_rbl_v - v_read_v[r]. Held for t_read_s, then back. With t_read_row_s (dot-product mode,
//          pulse-width inputs as in Leroux et al. Fig. 1) row r is held for t_read_row_s[r] instead (0 = the row
//          stays off), all pulses starting together; t_read_s must be >= the longest pulse. RBL_c is held at v_rbl_v by
//          the source Vrbl{c}; the read current of column c, summed over rows, is -i(Vrbl{c}) = -vector rbl_vector(c)
//          (current flows from the source into the cells).
// Per-cell V_T offsets (3T only): dvt_v holds (n_rows, n_cols, 3) delvto values of MW, MS, MR (empty = none).
// read_window() gives the [start, end] of the flat read interval; total_duration_s() the end of the read.
//
// Contract: gaincell_netlist() validates (ConfigError naming the field and bad value) and returns the
// netlist text with a header comment (generator, parameters, regenerating command), the embedded model card
// and subcircuit, the sources and cells, optional .options / analysis cards and ".end".
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace pimtx::circuits {

enum class GainCellType { t3, t2 };

struct GainCellSpec {
  size_t n_rows = 2;
  size_t n_cols = 2;
  GainCellType type = GainCellType::t3;
  double w_m = 0.2e-6;               // transistor width
  double l_m = 0.1e-6;               // transistor length
  double c_sn_f = 1e-15;             // storage capacitance
  std::vector<double> v_store_v;     // (n_rows, n_cols) values written; empty = all 0.9 V
  std::vector<double> v_read_v;      // (n_rows) read-phase levels; empty = all 0.9 V (3T RWL) / 0.45 V (2T)
  std::vector<double> t_read_row_s;  // (n_rows) per-row read pulse widths; empty = all t_read_s
  std::vector<double> dvt_v;         // (n_rows, n_cols, 3) V_T offsets of MW, MS, MR (3T); empty = none
  double v_wwl_on_v = 1.3;
  double v_wwl_off_v = 0.0;
  double v_wbl_hold_v = 0.0;
  double v_rbl_v = 0.45;
  double t_edge_s = 1e-9;
  double t_write_s = 10e-9;
  double t_hold_s = 1e-6;
  double t_read_s = 10e-9;
  std::string options;
  std::string analysis;
  std::string command;

  void validate() const;
};

std::string gaincell_netlist(const GainCellSpec& spec);
std::vector<std::string> gaincell_lines(const GainCellSpec& spec);

std::string rbl_vector(size_t col);                               // "vrbl{col}#branch"
std::string storage_vector(size_t row, size_t col);               // "v(xc{row}_{col}.sn)"
std::pair<double, double> read_window(const GainCellSpec& spec);  // flat part of the read phase (s)
double write_end_s(const GainCellSpec& spec);                     // end of the last write slot (s)
double total_duration_s(const GainCellSpec& spec);

}  // namespace pimtx::circuits
