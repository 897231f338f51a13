// `pimtx netlist crossbar|gaincell [options] -o FILE.cir`: write a generated netlist (src/circuits).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "circuits/cam.h"
#include "circuits/crossbar.h"
#include "circuits/gaincell.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "core/rng.h"
#include "io/output_path.h"

namespace pimtx::cli {

namespace {

// Atomic (a failure or an interrupt leaves no partial netlist), after checking the path.
void write_text(const std::string& path, const std::string& text) {
  io::check_output_path(path, {});
  io::write_text_atomic(path, text);
}

// A list option of length 1 is broadcast to n entries; otherwise it must have n entries.
std::vector<double> broadcast(const std::vector<double>& v, size_t n, const std::string& option) {
  if (v.empty()) {
    return {};
  }
  if (v.size() == 1) {
    return std::vector<double>(n, v[0]);
  }
  if (v.size() != n) {
    throw UsageError(fmt::format("{}: {} values given, need 1 or {}", option, v.size(), n));
  }
  return v;
}

// ---- crossbar ----
struct CrossbarOpts {
  circuits::CrossbarSpec spec;
  std::string cell = "resistor", sense = "virtual_ground", mode = "read", out;
  double g_min_s = 1e-6, g_max_s = 1e-4;
  bool d2d = false;
  uint64_t seed = 1;
  std::vector<double> v_in, pulses;
};

CLI::App* add_crossbar_options(CLI::App* sub, CrossbarOpts& x) {
  CLI::App* xb = sub->add_subcommand("crossbar", "Passive M x N crossbar (geometry: src/circuits/crossbar.h)");
  xb->add_option("--rows", x.spec.n_rows, "Word lines M")->check(CLI::Range(1, 4096));
  xb->add_option("--cols", x.spec.n_cols, "Bit lines N")->check(CLI::Range(1, 4096));
  xb->add_option("--cell", x.cell, "Cell device")->check(CLI::IsMember({"resistor", "metal_oxide", "vteam"}));
  xb->add_option("--g-min-s", x.g_min_s, "Per-cell conductance (G0) drawn uniformly in [min, max] (S)")
      ->check(CLI::PositiveNumber);
  xb->add_option("--g-max-s", x.g_max_s, "Upper end of the conductance draw (S)")->check(CLI::PositiveNumber);
  xb->add_flag("--d2d", x.d2d, "metal_oxide: draw a device-to-device xi ~ N(0,1) per cell");
  xb->add_option("--x0", x.spec.x0_default, "vteam: initial state of every cell")->check(CLI::Range(0.0, 1.0));
  xb->add_option("--seed", x.seed, "Seed of the conductance / d2d draws (streams circuits.g, circuits.d2d)");
  xb->add_option("--r-wire-row-ohm", x.spec.parasitics.r_wire_row_ohm, "Word-line segment resistance")
      ->check(CLI::NonNegativeNumber);
  xb->add_option("--r-wire-col-ohm", x.spec.parasitics.r_wire_col_ohm, "Bit-line segment resistance")
      ->check(CLI::NonNegativeNumber);
  xb->add_option("--r-driver-ohm", x.spec.parasitics.r_driver_ohm, "Driver resistance")->check(CLI::NonNegativeNumber);
  xb->add_option("--r-sense-ohm", x.spec.parasitics.r_sense_ohm, "Sense resistance")->check(CLI::NonNegativeNumber);
  xb->add_option("--sense", x.sense, "Sense mode")->check(CLI::IsMember({"virtual_ground", "load_resistor"}));
  xb->add_option("--r-load-ohm", x.spec.r_load_ohm, "Load resistance (load_resistor sense)")
      ->check(CLI::PositiveNumber);
  xb->add_option("--mode", x.mode, "Bias mode")
      ->check(CLI::IsMember({"read", "write_half", "write_third", "pulse_train"}));
  xb->add_option("--v-in", x.v_in, "read: word-line inputs (V), one value or M values");
  xb->add_option("--sel-row", x.spec.sel_row, "write/pulse_train: selected row");
  xb->add_option("--sel-col", x.spec.sel_col, "write: selected column");
  xb->add_option("--v-write", x.spec.v_write_v, "write: selected-row voltage (V)");
  xb->add_option("--pulses", x.pulses, "pulse_train: pulse amplitudes on the selected row (V)");
  xb->add_option("--t-pulse-s", x.spec.t_pulse_s, "pulse_train: flat-top width")->check(CLI::NonNegativeNumber);
  xb->add_option("--t-edge-s", x.spec.t_edge_s, "pulse_train: rise/fall time")->check(CLI::PositiveNumber);
  xb->add_option("--t-gap-s", x.spec.t_gap_s, "pulse_train: gap after each pulse")->check(CLI::NonNegativeNumber);
  xb->add_option("--options", x.spec.options, "Options card written as given, e.g. \".options reltol=1e-6\"");
  xb->add_option("--analysis", x.spec.analysis, "Analysis card written as given, e.g. \".op\"");
  xb->add_option("-o,--output", x.out, "Netlist file to write")->required();
  return xb;
}

// Per-cell conductances (stream circuits.g) and metal_oxide d2d draws (stream circuits.d2d) of the spec.
void draw_crossbar_cells(const CrossbarOpts& x, circuits::CrossbarSpec& s) {
  const size_t cells = s.n_rows * s.n_cols;
  core::Rng g_rng(x.seed, "circuits.g");
  for (size_t k = 0; k < cells && s.cell != circuits::CellType::vteam; ++k) {
    s.g_s.push_back(g_rng.uniform(x.g_min_s, x.g_max_s));
  }
  if (x.d2d && s.cell == circuits::CellType::metal_oxide) {
    core::Rng d2d(x.seed, "circuits.d2d");
    for (size_t k = 0; k < cells; ++k) {
      s.xi.push_back(d2d.normal());
    }
  }
}

// pulse_train: one (n_rows) row of word-line amplitudes per pulse, the pulse on the selected row only.
void set_crossbar_pulses(const CrossbarOpts& x, circuits::CrossbarSpec& s) {
  if (x.pulses.empty()) {
    throw UsageError("--mode pulse_train needs --pulses");
  }
  if (s.sel_row >= s.n_rows) {
    throw UsageError(fmt::format("--sel-row {} must be < --rows {}", s.sel_row, s.n_rows));
  }
  for (double a : x.pulses) {
    for (size_t i = 0; i < s.n_rows; ++i) {
      s.pulse_rows_v.push_back(i == s.sel_row ? a : 0.0);
    }
  }
}

int run_crossbar_netlist(CrossbarOpts& x) {
  auto& s = x.spec;
  if (!(x.g_max_s >= x.g_min_s)) {
    throw UsageError(fmt::format("--g-max-s {} is below --g-min-s {}", x.g_max_s, x.g_min_s));
  }
  s.cell = circuits::parse_cell_type(x.cell);
  s.sense = x.sense == "virtual_ground" ? circuits::SenseMode::virtual_ground : circuits::SenseMode::load_resistor;
  s.mode = x.mode == "read"          ? circuits::CrossbarMode::read
           : x.mode == "write_half"  ? circuits::CrossbarMode::write_half
           : x.mode == "write_third" ? circuits::CrossbarMode::write_third
                                     : circuits::CrossbarMode::pulse_train;
  draw_crossbar_cells(x, s);
  s.v_rows_v = broadcast(x.v_in, s.n_rows, "--v-in");
  if (s.mode == circuits::CrossbarMode::pulse_train) {
    set_crossbar_pulses(x, s);
  }
  s.command = command_line();
  write_text(x.out, circuits::crossbar_netlist(s));
  std::cout << "wrote " << x.out << "\n";
  return 0;
}

// ---- gaincell ----
struct GainCellOpts {
  circuits::GainCellSpec spec;
  std::string type = "3t", out;
  std::vector<double> v_store, v_read, x;
  bool dot = false;
};

CLI::App* add_gaincell_options(CLI::App* sub, GainCellOpts& g) {
  CLI::App* gc =
      sub->add_subcommand("gaincell", "Gain-cell array R x C (write / hold / read; src/circuits/gaincell.h)");
  gc->add_option("--rows", g.spec.n_rows, "Rows")->check(CLI::Range(1, 1024));
  gc->add_option("--cols", g.spec.n_cols, "Columns")->check(CLI::Range(1, 1024));
  gc->add_option("--type", g.type, "Cell topology")->check(CLI::IsMember({"3t", "2t"}));
  gc->add_option("--v-store", g.v_store, "Values written (V): one, or rows*cols row-major");
  gc->add_option("--v-read", g.v_read, "Read levels per row (V): one, or rows");
  gc->add_option("--c-sn-f", g.spec.c_sn_f, "Storage capacitance (F)")->check(CLI::PositiveNumber);
  gc->add_option("--w-m", g.spec.w_m, "Transistor width (m)")->check(CLI::PositiveNumber);
  gc->add_option("--l-m", g.spec.l_m, "Transistor length (m)")->check(CLI::PositiveNumber);
  gc->add_option("--v-wwl-on-v", g.spec.v_wwl_on_v, "Write word-line high level (V)");
  gc->add_option("--v-rbl-v", g.spec.v_rbl_v, "Read bit-line level (V)");
  gc->add_option("--t-edge-s", g.spec.t_edge_s, "Ramp time")->check(CLI::PositiveNumber);
  gc->add_option("--t-write-s", g.spec.t_write_s, "Write pulse width")->check(CLI::PositiveNumber);
  gc->add_option("--t-hold-s", g.spec.t_hold_s, "Hold time")->check(CLI::NonNegativeNumber);
  gc->add_option("--t-read-s", g.spec.t_read_s, "Read pulse width")->check(CLI::PositiveNumber);
  gc->add_option("--options", g.spec.options, "Options card written as given");
  gc->add_option("--analysis", g.spec.analysis, "Analysis card written as given, e.g. \".tran 0.1n 200n\"");
  gc->add_flag("--dot", g.dot,
               "Dot-product array (Leroux et al. Fig. 1): the rows' read pulses last x_r * t_read_s (--x), all "
               "columns integrate their bit-line charge Q_c = int -i(vrbl{c}) dt at the held RBL");
  gc->add_option("--x", g.x, "--dot: word-line inputs in [0, 1] (pulse width / t_read_s): one, or rows");
  gc->add_option("-o,--output", g.out, "Netlist file to write")->required();
  return gc;
}

// --dot: each row's read pulse lasts x_r * t_read_s; the default analysis spans the whole sequence.
void set_gaincell_dot_inputs(const GainCellOpts& g, circuits::GainCellSpec& s) {
  const auto inputs = broadcast(g.x.empty() ? std::vector<double>{1.0} : g.x, s.n_rows, "--x");
  for (double v : inputs) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw UsageError(fmt::format("pimtx netlist gaincell: --x value {} is outside [0, 1]", v));
    }
    s.t_read_row_s.push_back(v * s.t_read_s);
  }
  if (s.analysis.empty()) {
    s.analysis = fmt::format(".tran {:g} {:.9g}", s.t_edge_s / 10, circuits::total_duration_s(s));
  }
}

int run_gaincell_netlist(GainCellOpts& g) {
  auto& s = g.spec;
  s.type = g.type == "3t" ? circuits::GainCellType::t3 : circuits::GainCellType::t2;
  s.v_store_v = broadcast(g.v_store, s.n_rows * s.n_cols, "--v-store");
  s.v_read_v = broadcast(g.v_read, s.n_rows, "--v-read");
  if (!g.x.empty() && !g.dot) {
    throw UsageError("pimtx netlist gaincell: --x needs --dot");
  }
  if (g.dot) {
    set_gaincell_dot_inputs(g, s);
  }
  s.command = command_line();
  write_text(g.out, circuits::gaincell_netlist(s));
  std::cout << "wrote " << g.out << "\n";
  return 0;
}

// ---- cam ----
struct CamOpts {
  circuits::CamRowSpec spec;
  size_t matches = 0;
  uint64_t seed = 1;
  std::string out;
};

CLI::App* add_cam_options(CLI::App* sub, CamOpts& c) {
  CLI::App* cm =
      sub->add_subcommand("cam", "Binary-attention CAM row (XNOR cells, charge sharing; src/circuits/cam.h)");
  cm->add_option("--bits", c.spec.n_bits, "Cells in the row")->check(CLI::Range(1, 1024));
  cm->add_option("--matches", c.matches, "Matching cells h (default: all); the last bits - h query bits are flipped");
  cm->add_option("--seed", c.seed, "Seed of the stored bits (stream circuits.cam.stored)");
  cm->add_option("--c-unit-f", c.spec.c_unit_f, "Unit capacitor per cell (F)")->check(CLI::PositiveNumber);
  cm->add_option("--c-ml-f", c.spec.c_ml_f, "Match-line capacitance (F)")->check(CLI::NonNegativeNumber);
  cm->add_option("--vdd-v", c.spec.vdd_v, "Search-line level (V)")->check(CLI::PositiveNumber);
  cm->add_option("--v-boost-v", c.spec.v_boost_v, "Control-gate level (V)")->check(CLI::PositiveNumber);
  cm->add_option("--temp-c", c.spec.temp_c, "Temperature (C)");
  cm->add_option("--w-m", c.spec.w_m, "Transistor width (m)")->check(CLI::PositiveNumber);
  cm->add_option("--l-m", c.spec.l_m, "Transistor length (m)")->check(CLI::PositiveNumber);
  cm->add_option("--options", c.spec.options, "Options card written as given");
  cm->add_option("--analysis", c.spec.analysis, "Analysis card written as given, e.g. \".tran 10p 5.2n 0 20p\"");
  cm->add_option("-o,--output", c.out, "Netlist file to write")->required();
  return cm;
}

int run_cam_netlist(CamOpts& c, bool matches_given) {
  auto& s = c.spec;
  const size_t h = matches_given ? c.matches : s.n_bits;
  if (h > s.n_bits) {
    throw UsageError(fmt::format("--matches {} must be <= --bits {}", h, s.n_bits));
  }
  core::Rng rng(c.seed, "circuits.cam.stored");
  for (size_t i = 0; i < s.n_bits; ++i) {
    s.stored.push_back(static_cast<int>(rng.uniform_int(2)));
    s.query.push_back(i < h ? s.stored.back() : 1 - s.stored.back());
  }
  s.command = command_line();
  write_text(c.out, circuits::cam_row_netlist(s));
  std::cout << "wrote " << c.out << "\n";
  return 0;
}

}  // namespace

void add_netlist_command(CLI::App& app, ActionTable& actions) {
  CLI::App* sub = app.add_subcommand("netlist", "Generate a SPICE netlist (crossbar, gain-cell array or CAM row)");
  sub->require_subcommand(1);
  // main.cpp dispatches on top-level subcommands only: `netlist` forwards to the chosen generator.
  auto children = std::make_shared<ActionTable>();
  actions[sub] = [sub, children]() {
    for (const CLI::App* c : sub->get_subcommands()) {
      auto it = children->find(c);
      if (it != children->end()) {
        return it->second();
      }
    }
    throw UsageError("pimtx netlist: choose crossbar, gaincell or cam");
  };
  auto x = std::make_shared<CrossbarOpts>();
  (*children)[add_crossbar_options(sub, *x)] = [x]() { return run_crossbar_netlist(*x); };
  auto g = std::make_shared<GainCellOpts>();
  (*children)[add_gaincell_options(sub, *g)] = [g]() { return run_gaincell_netlist(*g); };
  auto c = std::make_shared<CamOpts>();
  CLI::App* cm = add_cam_options(sub, *c);
  (*children)[cm] = [c, cm]() { return run_cam_netlist(*c, cm->count("--matches") > 0); };
}

}  // namespace pimtx::cli
