// Crossbar netlist generator; geometry documented in crossbar.h.
#include "circuits/crossbar.h"

#include <fmt/format.h>

#include <cmath>

#include "circuits/netlist.h"
#include "core/errors.h"

namespace pimtx::circuits {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& value, const std::string& why) {
  throw ConfigError(fmt::format("crossbar spec: {} = {}: {}", field, value, why));
}

void check_finite(const std::string& field, double v) {
  if (!std::isfinite(v)) {
    bad(field, num(v), "must be finite");
  }
}

void check_size(const std::string& field, const std::vector<double>& v, size_t want) {
  if (!v.empty() && v.size() != want) {
    bad(field, fmt::format("({} values)", v.size()), fmt::format("must hold {} values (or none)", want));
  }
  for (size_t k = 0; k < v.size(); ++k) {
    check_finite(fmt::format("{}[{}]", field, k), v[k]);
  }
}

const char* mode_name(CrossbarMode m) {
  switch (m) {
    case CrossbarMode::read:
      return "read";
    case CrossbarMode::write_half:
      return "write_half";
    case CrossbarMode::write_third:
      return "write_third";
    case CrossbarMode::pulse_train:
      return "pulse_train";
  }
  return "?";
}

// Row and column source levels for the DC modes.
void dc_levels(const CrossbarSpec& s, std::vector<double>& rows, std::vector<double>& cols) {
  rows.assign(s.n_rows, 0.0);
  cols.assign(s.n_cols, 0.0);
  const double v = s.v_write_v;
  switch (s.mode) {
    case CrossbarMode::read:
      rows = s.v_rows_v.empty() ? std::vector<double>(s.n_rows, 0.1) : s.v_rows_v;
      cols = s.v_cols_v.empty() ? std::vector<double>(s.n_cols, 0.0) : s.v_cols_v;
      break;
    case CrossbarMode::write_half:
    case CrossbarMode::write_third: {
      const bool half = s.mode == CrossbarMode::write_half;
      for (size_t i = 0; i < s.n_rows; ++i) {
        rows[i] = i == s.sel_row ? v : (half ? v / 2.0 : v / 3.0);
      }
      for (size_t j = 0; j < s.n_cols; ++j) {
        cols[j] = j == s.sel_col ? 0.0 : (half ? v / 2.0 : 2.0 * v / 3.0);
      }
      break;
    }
    case CrossbarMode::pulse_train:
      break;
  }
}

// PWL waveform of line `line` (of `n_lines`) from the amplitude matrix (n_pulses, n_lines).
std::string pulse_waveform(const CrossbarSpec& s, const std::vector<double>& amps, size_t line, size_t n_lines) {
  const double period = 2.0 * s.t_edge_s + s.t_pulse_s + s.t_gap_s;
  std::vector<std::pair<double, double>> pts;
  for (size_t k = 0; k < s.n_pulses(); ++k) {
    const double a = amps.empty() ? 0.0 : amps[k * n_lines + line];
    const double t0 = static_cast<double>(k) * period;
    if (pts.empty() || t0 > pts.back().first) {
      pts.emplace_back(t0, 0.0);
    }
    pts.emplace_back(t0 + s.t_edge_s, a);
    pts.emplace_back(t0 + s.t_edge_s + s.t_pulse_s, a);
    pts.emplace_back(t0 + 2.0 * s.t_edge_s + s.t_pulse_s, 0.0);
  }
  if (pts.empty()) {
    pts.emplace_back(0.0, 0.0);
  }
  return pwl(pts);
}

}  // namespace

const char* cell_type_name(CellType t) {
  switch (t) {
    case CellType::resistor:
      return "resistor";
    case CellType::metal_oxide:
      return "metal_oxide";
    case CellType::vteam:
      return "vteam";
  }
  return "?";
}

CellType parse_cell_type(const std::string& name) {
  for (CellType t : {CellType::resistor, CellType::metal_oxide, CellType::vteam}) {
    if (name == cell_type_name(t)) {
      return t;
    }
  }
  throw ConfigError(fmt::format("unknown cell type '{}'; valid names: resistor, metal_oxide, vteam", name));
}

size_t CrossbarSpec::n_pulses() const { return n_rows == 0 ? 0 : pulse_rows_v.size() / n_rows; }

void CrossbarSpec::validate() const {
  if (n_rows < 1 || n_rows > 4096) {
    bad("n_rows", std::to_string(n_rows), "must be in [1, 4096]");
  }
  if (n_cols < 1 || n_cols > 4096) {
    bad("n_cols", std::to_string(n_cols), "must be in [1, 4096]");
  }
  const size_t cells = n_rows * n_cols;
  check_size("g_s", g_s, cells);
  check_size("xi", xi, cells);
  check_size("x0", x0, cells);
  for (size_t k = 0; k < g_s.size(); ++k) {
    if (!(g_s[k] > 0.0)) {
      bad(fmt::format("g_s[{}]", k), num(g_s[k]), "must be > 0");
    }
  }
  if (!(g_default_s > 0.0) || !std::isfinite(g_default_s)) {
    bad("g_default_s", num(g_default_s), "must be > 0");
  }
  for (size_t k = 0; k < x0.size(); ++k) {
    if (x0[k] < 0.0 || x0[k] > 1.0) {
      bad(fmt::format("x0[{}]", k), num(x0[k]), "must be in [0, 1]");
    }
  }
  if (x0_default < 0.0 || x0_default > 1.0) {
    bad("x0_default", num(x0_default), "must be in [0, 1]");
  }
  if (!(temperature_k > 0.0) || !std::isfinite(temperature_k)) {
    bad("temperature_k", num(temperature_k), "must be > 0");
  }
  if (!(vteam.r_on_ohm > 0.0) || !(vteam.r_off_ohm > vteam.r_on_ohm)) {
    bad("vteam.r_off_ohm", num(vteam.r_off_ohm), "need 0 < r_on_ohm < r_off_ohm");
  }
  if (!(vteam.v_on_v < 0.0) || !(vteam.v_off_v > 0.0)) {
    bad("vteam.v_on_v", num(vteam.v_on_v), "need v_on_v < 0 < v_off_v");
  }
  parasitics.validate("crossbar");
  if (sense == SenseMode::load_resistor && (!(r_load_ohm > 0.0) || !std::isfinite(r_load_ohm))) {
    bad("r_load_ohm", num(r_load_ohm), "must be > 0");
  }
  check_size("v_rows_v", v_rows_v, n_rows);
  check_size("v_cols_v", v_cols_v, n_cols);
  check_finite("v_write_v", v_write_v);
  if (mode == CrossbarMode::write_half || mode == CrossbarMode::write_third) {
    if (sel_row >= n_rows) {
      bad("sel_row", std::to_string(sel_row), fmt::format("must be < n_rows = {}", n_rows));
    }
    if (sel_col >= n_cols) {
      bad("sel_col", std::to_string(sel_col), fmt::format("must be < n_cols = {}", n_cols));
    }
  }
  if (mode == CrossbarMode::pulse_train) {
    if (pulse_rows_v.empty() || pulse_rows_v.size() % n_rows != 0) {
      bad("pulse_rows_v", fmt::format("({} values)", pulse_rows_v.size()),
          fmt::format("must hold n_pulses * n_rows = k * {} values, k >= 1", n_rows));
    }
    check_size("pulse_rows_v", pulse_rows_v, pulse_rows_v.size());
    check_size("pulse_cols_v", pulse_cols_v, n_pulses() * n_cols);
    if (!(t_edge_s > 0.0) || !(t_pulse_s >= 0.0) || !(t_gap_s >= 0.0)) {
      bad("t_edge_s", num(t_edge_s), "need t_edge_s > 0, t_pulse_s >= 0, t_gap_s >= 0");
    }
  }
}

std::string wl_node(const CrossbarSpec& s, size_t row, size_t col) {
  return fmt::format("w{}_{}", row, s.parasitics.r_wire_row_ohm > 0.0 ? col : 0);
}

std::string bl_node(const CrossbarSpec& s, size_t row, size_t col) {
  return fmt::format("b{}_{}", s.parasitics.r_wire_col_ohm > 0.0 ? row : s.n_rows - 1, col);
}

std::string sense_vector(size_t col) { return fmt::format("vs{}#branch", col); }
std::string row_source_vector(size_t row) { return fmt::format("vr{}#branch", row); }

double pulse_train_duration_s(const CrossbarSpec& s) {
  return static_cast<double>(s.n_pulses()) * (2.0 * s.t_edge_s + s.t_pulse_s + s.t_gap_s);
}

std::string crossbar_netlist(const CrossbarSpec& s) {
  s.validate();
  const size_t m = s.n_rows;
  const size_t n = s.n_cols;
  std::string out;
  auto line = [&out](const std::string& l) {
    out += l;
    out += '\n';
  };
  line(fmt::format("* pimtx crossbar {}x{} ({} cells, {} mode)", m, n, cell_type_name(s.cell), mode_name(s.mode)));
  line("* generator: pimtx::circuits::crossbar_netlist (src/circuits/crossbar.cpp); geometry: src/circuits/crossbar.h");
  line(fmt::format(
      "* parameters: n_rows={} n_cols={} cell={} r_wire_row_ohm={} r_wire_col_ohm={} r_driver_ohm={} "
      "r_sense_ohm={} sense={} mode={}",
      m, n, cell_type_name(s.cell), num(s.parasitics.r_wire_row_ohm), num(s.parasitics.r_wire_col_ohm),
      num(s.parasitics.r_driver_ohm), num(s.parasitics.r_sense_ohm),
      s.sense == SenseMode::virtual_ground ? "virtual_ground" : "load_resistor r_load_ohm=" + num(s.r_load_ohm),
      mode_name(s.mode)));
  if (s.mode == CrossbarMode::write_half || s.mode == CrossbarMode::write_third) {
    line(fmt::format("* write: sel_row={} sel_col={} v_write_v={}", s.sel_row, s.sel_col, num(s.v_write_v)));
  }
  if (s.mode == CrossbarMode::pulse_train) {
    line(fmt::format("* pulse train: n_pulses={} t_pulse_s={} t_edge_s={} t_gap_s={} duration_s={}", s.n_pulses(),
                     num(s.t_pulse_s), num(s.t_edge_s), num(s.t_gap_s), num(pulse_train_duration_s(s))));
  }
  line("* regenerate: " + (s.command.empty() ? std::string("(generated through the C++ API)") : s.command));
  line("* sense currents: i(vs{j}) = vector vs{j}#branch, positive from the bit line into the sense node");

  if (s.cell == CellType::metal_oxide) {
    line("* ---- circuits/metal_oxide.sub (embedded) ----");
    out += circuit_file("metal_oxide.sub");
  } else if (s.cell == CellType::vteam) {
    line("* ---- circuits/vteam.sub (embedded) ----");
    out += circuit_file("vteam.sub");
  }
  line("* ---- array ----");

  // Word-line drivers and segments.
  std::vector<double> rows;
  std::vector<double> cols;
  dc_levels(s, rows, cols);
  for (size_t i = 0; i < m; ++i) {
    const std::string w0 = wl_node(s, i, 0);
    const std::string src_node = s.parasitics.r_driver_ohm > 0.0 ? fmt::format("dr{}", i) : w0;
    const std::string value =
        s.mode == CrossbarMode::pulse_train ? pulse_waveform(s, s.pulse_rows_v, i, m) : "DC " + num(rows[i]);
    line(fmt::format("Vr{} {} 0 {}", i, src_node, value));
    if (s.parasitics.r_driver_ohm > 0.0) {
      line(fmt::format("Rdr{} {} {} {}", i, src_node, w0, num(s.parasitics.r_driver_ohm)));
    }
    if (s.parasitics.r_wire_row_ohm > 0.0) {
      for (size_t j = 0; j + 1 < n; ++j) {
        line(fmt::format("Rw{}_{} {} {} {}", i, j, wl_node(s, i, j), wl_node(s, i, j + 1),
                         num(s.parasitics.r_wire_row_ohm)));
      }
    }
  }
  // Bit-line segments and sense.
  for (size_t j = 0; j < n; ++j) {
    if (s.parasitics.r_wire_col_ohm > 0.0) {
      for (size_t i = 0; i + 1 < m; ++i) {
        line(fmt::format("Rb{}_{} {} {} {}", i, j, bl_node(s, i, j), bl_node(s, i + 1, j),
                         num(s.parasitics.r_wire_col_ohm)));
      }
    }
    const std::string end = bl_node(s, m - 1, j);
    const std::string sense_node = s.parasitics.r_sense_ohm > 0.0 ? fmt::format("s{}", j) : end;
    if (s.parasitics.r_sense_ohm > 0.0) {
      line(fmt::format("Rs{} {} {} {}", j, end, sense_node, num(s.parasitics.r_sense_ohm)));
    }
    const std::string value =
        s.mode == CrossbarMode::pulse_train ? pulse_waveform(s, s.pulse_cols_v, j, n) : "DC " + num(cols[j]);
    if (s.sense == SenseMode::virtual_ground) {
      line(fmt::format("Vs{} {} 0 {}", j, sense_node, value));
    } else {
      // 0-V probe in series with the load; a column bias (write modes) sits on the load's far end.
      line(fmt::format("Vs{} {} l{} DC 0", j, sense_node, j));
      line(fmt::format("Rl{} l{} lb{} {}", j, j, j, num(s.r_load_ohm)));
      line(fmt::format("Vlb{} lb{} 0 {}", j, j, value));
    }
  }
  // Cells.
  const auto& vt = s.vteam;
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const size_t k = i * n + j;
      const std::string w = wl_node(s, i, j);
      const std::string b = bl_node(s, i, j);
      const double g = s.g_s.empty() ? s.g_default_s : s.g_s[k];
      switch (s.cell) {
        case CellType::resistor:
          line(fmt::format("Rc{}_{} {} {} {}", i, j, w, b, num(1.0 / g)));
          break;
        case CellType::metal_oxide:
          line(fmt::format("Xc{}_{} {} {} mo_device_g0 g0={} temp_k={} xi={}", i, j, w, b, num(g), num(s.temperature_k),
                           num(s.xi.empty() ? 0.0 : s.xi[k])));
          break;
        case CellType::vteam:
          line(fmt::format("Xc{}_{} {} {} vteam ron={} roff={} von={} voff={} kon={} koff={} aon={} aoff={} x0={}", i,
                           j, w, b, num(vt.r_on_ohm), num(vt.r_off_ohm), num(vt.v_on_v), num(vt.v_off_v),
                           num(vt.k_on_per_s), num(vt.k_off_per_s), num(vt.alpha_on_ratio), num(vt.alpha_off_ratio),
                           num(s.x0.empty() ? s.x0_default : s.x0[k])));
          break;
      }
    }
  }
  if (!s.options.empty()) {
    line(s.options);
  }
  if (!s.analysis.empty()) {
    line(s.analysis);
  }
  line(".end");
  return out;
}

std::vector<std::string> crossbar_lines(const CrossbarSpec& spec) {
  auto lines = split_lines(crossbar_netlist(spec));
  return lines;
}

}  // namespace pimtx::circuits
