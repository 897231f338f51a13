// Device-bench netlist generator: N independent two-terminal cells (circuits/vteam.sub or
// circuits/metal_oxide.sub), each with its own parameters, all driven in parallel by one source. This is the
// single-cell calibration bench of src/calibration: one transient or DC sweep measures a whole Monte-Carlo
// population of device-to-device draws at once (the cells do not interact: the source is ideal).
//
// Geometry: ideal source Vd (node d to ground): a PWL waveform (drive_pwl, for transients) or "DC 0" (for
// `dc vd ...` sweeps). Cell k: 0-V probe Vs{k} from d to node a{k}, then the cell Xc{k} from a{k} to ground.
// So every cell sees exactly v(d); its current (flowing d -> a{k} -> ground) is vector "vs{k}#branch"
// (cell_current_vector(k)); a VTEAM cell's state is "v(xc{k}.x)" (vteam_state_vector(k)).
//
// Contract: device_bench_netlist() validates (ConfigError naming the field and bad value) and returns the
// netlist text: header comment (generator, parameters, regenerating command), the embedded subcircuit, the
// source, the cells, optional .options / analysis cards, ".end". Text only.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "circuits/crossbar.h"

namespace pimtx::circuits {

struct DeviceBenchSpec {
  CellType cell = CellType::vteam;  // vteam or metal_oxide
  // vteam: one parameter set and initial state per cell (equal sizes, >= 1 cell).
  std::vector<VteamCellParams> vteam;
  std::vector<double> x0;
  // metal_oxide (mo_device_g0): nominal conductance and d2d draw per cell (equal sizes).
  std::vector<double> g0_s;
  std::vector<double> xi;
  double temperature_k = 333.0;  // the subcircuit parameter temp_k
  // Drive: PWL (time s, voltage V) points, strictly increasing times; empty = "DC 0" (for dc sweeps).
  std::vector<std::pair<double, double>> drive_pwl;
  std::string options;   // e.g. ".options reltol=1e-7"
  std::string analysis;  // optional analysis card
  std::string command;   // command that regenerates the netlist (header comment)

  [[nodiscard]] size_t n_cells() const;
  void validate() const;
};

std::string device_bench_netlist(const DeviceBenchSpec& spec);
std::vector<std::string> device_bench_lines(const DeviceBenchSpec& spec);

std::string cell_current_vector(size_t k);  // "vs{k}#branch"
std::string vteam_state_vector(size_t k);   // "v(xc{k}.x)"
std::string drive_vector();                 // "v(d)"

}  // namespace pimtx::circuits
