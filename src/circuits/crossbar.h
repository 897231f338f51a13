// Passive (0T1R) crossbar netlist generator. THIS COMMENT IS THE SINGLE SOURCE OF TRUTH FOR THE GEOMETRY;
// the array simulator (src/xbar) follows it exactly.
//
// Geometry (M = n_rows word lines i = 0..M-1, N = n_cols bit lines j = 0..N-1; matrices row-major (M, N)):
//   * Word line i is driven from its column-0 end: ideal source Vr{i} (node dr{i}) -> r_driver_ohm -> node
//     w{i}_0. There is NO wire segment between the driver and the first cell: r_driver_ohm is everything
//     between the ideal source and cell (i,0) (fold any lead-in wire into it).
//   * Word-line segment r_wire_row_ohm between word-line nodes (i,j) and (i,j+1): N-1 segments per row.
//   * Cell (i,j) joins word-line node w{i}_{j} to bit-line node b{i}_{j} (device current flows w -> b).
//   * Bit-line segment r_wire_col_ohm between bit-line nodes (i,j) and (i+1,j): M-1 segments per column.
//   * Bit line j is sensed at its last-row end: node b{M-1}_{j} -> r_sense_ohm -> node s{j} ->
//     0-V source Vs{j} to ground (virtual ground, sense = virtual_ground), or node s{j} -> Vs{j} (0 V,
//     current probe) -> r_load_ohm to ground (sense = load_resistor). Again no extra wire segment.
//   * Sense current of column j = i(Vs{j}) = vector "vs{j}#branch": positive when current flows out of the
//     bit line into the sense node (the normal direction for positive word-line inputs).
//   * A resistance of exactly 0 merges its two nodes (no element is emitted): r_wire_row_ohm = 0 makes each
//     word line a single node w{i}_0, r_wire_col_ohm = 0 makes each bit line the single node b{M-1}_{j},
//     r_driver_ohm = 0 puts Vr{i} directly on w{i}_0, r_sense_ohm = 0 puts Vs{j} directly on b{M-1}_{j}.
//     Use wl_node()/bl_node() for the names.
// Biasing (mode):
//   * read: Vr{i} = v_rows_v[i]; Vs{j} = v_cols_v[j] (default 0 V: virtual ground).
//   * write_half (V/2 scheme): selected row v_write_v, other rows v_write_v/2; selected column 0, other
//     columns v_write_v/2. write_third (V/3): selected row V, other rows V/3; selected column 0, other
//     columns 2V/3. Unselected lines are driven through the SAME r_driver_ohm / r_sense_ohm at the SAME ends
//     (the column bias sits in source Vs{j}).
//   * pulse_train: Vr{i} and Vs{j} are PWL sources. Pulse k (k = 0..n_pulses-1) starts at k*T with
//     T = 2*t_edge_s + t_pulse_s + t_gap_s: 0 V at k*T, linear ramp to the amplitude by k*T + t_edge_s, flat
//     for t_pulse_s, ramp back to 0 V within t_edge_s, 0 V for t_gap_s. Amplitudes: pulse_rows_v (n_pulses,
//     M), pulse_cols_v (n_pulses, N) (empty: 0 V). Total duration n_pulses*T (pulse_train_duration_s()).
// Cell elements: resistor "Rc{i}_{j} w b 1/g"; metal_oxide "Xc{i}_{j} w b mo_device_g0 g0= temp_k= xi=";
// vteam "Xc{i}_{j} w b vteam ron= roff= ... x0=" (subcircuits from circuits/, embedded in the netlist).
//
// Contract: crossbar_netlist() validates the spec (ConfigError naming the field and bad value) and returns
// the full netlist text: a header comment naming the generator, its parameters and the regenerating
// command, the embedded subcircuits it needs, the elements, optional .options / analysis cards, ".end".
// The first line is the title (ngspice never parses it as an element).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "circuits/parasitics.h"

namespace pimtx::circuits {

enum class CellType { resistor, metal_oxide, vteam };
enum class SenseMode { virtual_ground, load_resistor };
enum class CrossbarMode { read, write_half, write_third, pulse_train };

// Shared VTEAM parameters (circuits/vteam.sub documents units and ranges).
struct VteamCellParams {
  double r_on_ohm = 1e3;
  double r_off_ohm = 1e5;
  double v_on_v = -0.8;
  double v_off_v = 0.6;
  double k_on_per_s = -2e5;
  double k_off_per_s = 1e5;
  double alpha_on_ratio = 3.0;
  double alpha_off_ratio = 3.0;
};

struct CrossbarSpec {
  size_t n_rows = 4;  // M word lines
  size_t n_cols = 4;  // N bit lines
  CellType cell = CellType::resistor;

  // Per-cell parameters, row-major (n_rows, n_cols); empty = every cell uses the default.
  std::vector<double> g_s;  // resistor: conductance 1/R (S); metal_oxide: nominal G0 (S)
  double g_default_s = 1e-4;
  std::vector<double> xi;        // metal_oxide: device-to-device draw N(0,1) per cell (empty: 0)
  double temperature_k = 333.0;  // metal_oxide temperature (K); the subcircuit parameter temp_k
  std::vector<double> x0;        // vteam: initial state in [0, 1] per cell (applied with `tran ... uic`)
  double x0_default = 0.5;
  VteamCellParams vteam;

  // Parasitics (Ohm, >= 0; 0 merges nodes, see the geometry above).
  Parasitics parasitics{2.5, 2.5, 10.0, 10.0};
  SenseMode sense = SenseMode::virtual_ground;
  double r_load_ohm = 1e3;  // load_resistor sense only (> 0)

  CrossbarMode mode = CrossbarMode::read;
  std::vector<double> v_rows_v;  // read: (n_rows) word-line inputs (V); empty = all 0.1 V
  std::vector<double> v_cols_v;  // read: (n_cols) sense-source levels (V); empty = all 0 V
  size_t sel_row = 0;            // write modes
  size_t sel_col = 0;
  double v_write_v = 1.0;
  std::vector<double> pulse_rows_v;  // pulse_train: (n_pulses, n_rows)
  std::vector<double> pulse_cols_v;  // pulse_train: (n_pulses, n_cols) or empty
  double t_pulse_s = 1e-6;
  double t_edge_s = 1e-8;
  double t_gap_s = 1e-6;

  std::string options;   // optional, e.g. ".options reltol=1e-9" (written as given)
  std::string analysis;  // optional analysis card, e.g. ".op" or ".tran 1n 10u 0 1n uic"
  std::string command;   // command line that regenerates this netlist (for the header comment)

  void validate() const;  // ConfigError naming the field and the bad value
  [[nodiscard]] size_t n_pulses() const;
};

std::string crossbar_netlist(const CrossbarSpec& spec);
// The same, split into lines for spice::Job::netlist.
std::vector<std::string> crossbar_lines(const CrossbarSpec& spec);

// Vector names and node names (lower case, as ngspice lists them).
std::string sense_vector(size_t col);       // "vs{col}#branch", sense current of column col (A)
std::string row_source_vector(size_t row);  // "vr{row}#branch", current into the + terminal of Vr{row} (A)
std::string wl_node(const CrossbarSpec& spec, size_t row, size_t col);
std::string bl_node(const CrossbarSpec& spec, size_t row, size_t col);
double pulse_train_duration_s(const CrossbarSpec& spec);

const char* cell_type_name(CellType t);             // "resistor", "metal_oxide", "vteam"
CellType parse_cell_type(const std::string& name);  // ConfigError listing valid names

}  // namespace pimtx::circuits
