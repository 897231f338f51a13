// Gain-cell array netlist generator; geometry and phases documented in gaincell.h.
#include "circuits/gaincell.h"

#include <fmt/format.h>

#include <cmath>

#include "circuits/netlist.h"
#include "core/errors.h"

namespace pimtx::circuits {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& value, const std::string& why) {
  throw ConfigError(fmt::format("gain-cell spec: {} = {}: {}", field, value, why));
}

double slot_s(const GainCellSpec& s) { return 4.0 * s.t_edge_s + s.t_write_s; }

// Appends (t, v) keeping times strictly increasing (a ramp starting where the last one ended is merged).
void add(std::vector<std::pair<double, double>>& pts, double t, double v) {
  if (!pts.empty() && !(t > pts.back().first)) {
    pts.back().second = v;
    return;
  }
  pts.emplace_back(t, v);
}

}  // namespace

void GainCellSpec::validate() const {
  if (n_rows < 1 || n_rows > 1024) {
    bad("n_rows", std::to_string(n_rows), "must be in [1, 1024]");
  }
  if (n_cols < 1 || n_cols > 1024) {
    bad("n_cols", std::to_string(n_cols), "must be in [1, 1024]");
  }
  if (!v_store_v.empty() && v_store_v.size() != n_rows * n_cols) {
    bad("v_store_v", fmt::format("({} values)", v_store_v.size()), fmt::format("must hold {} values", n_rows * n_cols));
  }
  if (!v_read_v.empty() && v_read_v.size() != n_rows) {
    bad("v_read_v", fmt::format("({} values)", v_read_v.size()), fmt::format("must hold {} values", n_rows));
  }
  if (!t_read_row_s.empty()) {
    if (t_read_row_s.size() != n_rows) {
      bad("t_read_row_s", fmt::format("({} values)", t_read_row_s.size()), fmt::format("must hold {} values", n_rows));
    }
    for (double t : t_read_row_s) {
      if (!(t >= 0.0) || t > t_read_s) {
        bad("t_read_row_s", num(t), fmt::format("each pulse must be in [0, t_read_s = {}] s", num(t_read_s)));
      }
    }
  }
  if (!dvt_v.empty()) {
    if (dvt_v.size() != 3 * n_rows * n_cols) {
      bad("dvt_v", fmt::format("({} values)", dvt_v.size()), fmt::format("must hold {} values", 3 * n_rows * n_cols));
    }
    if (type != GainCellType::t3) {
      bad("dvt_v", "(set)", "V_T offsets are only wired into the 3T cell");
    }
    for (double d : dvt_v) {
      if (!std::isfinite(d) || std::abs(d) > 0.5) {
        bad("dvt_v", num(d), "each offset must be in [-0.5, 0.5] V");
      }
    }
  }
  for (const auto& [name, v] : {std::pair<const char*, double>{"w_m", w_m},
                                {"l_m", l_m},
                                {"c_sn_f", c_sn_f},
                                {"t_edge_s", t_edge_s},
                                {"t_write_s", t_write_s},
                                {"t_read_s", t_read_s}}) {
    if (!(v > 0.0) || !std::isfinite(v)) {
      bad(name, num(v), "must be > 0");
    }
  }
  if (!(t_hold_s >= 0.0) || !std::isfinite(t_hold_s)) {
    bad("t_hold_s", num(t_hold_s), "must be >= 0");
  }
  for (const auto& [name, v] : {std::pair<const char*, double>{"v_wwl_on_v", v_wwl_on_v},
                                {"v_wwl_off_v", v_wwl_off_v},
                                {"v_wbl_hold_v", v_wbl_hold_v},
                                {"v_rbl_v", v_rbl_v}}) {
    if (!std::isfinite(v) || std::abs(v) > 5.0) {
      bad(name, num(v), "must be in [-5, 5] V");
    }
  }
}

std::string rbl_vector(size_t col) { return fmt::format("vrbl{}#branch", col); }
std::string storage_vector(size_t row, size_t col) { return fmt::format("v(xc{}_{}.sn)", row, col); }
double write_end_s(const GainCellSpec& s) { return static_cast<double>(s.n_rows) * slot_s(s); }

std::pair<double, double> read_window(const GainCellSpec& s) {
  const double start = write_end_s(s) + s.t_edge_s + s.t_hold_s + s.t_edge_s;
  return {start, start + s.t_read_s};
}

double total_duration_s(const GainCellSpec& s) { return read_window(s).second + s.t_edge_s; }

std::string gaincell_netlist(const GainCellSpec& s) {
  s.validate();
  const bool t3 = s.type == GainCellType::t3;
  const double te = s.t_edge_s;
  const double ts = slot_s(s);
  const double t_wend = write_end_s(s);
  const auto [t_read0, t_read1] = read_window(s);
  auto store = [&](size_t r, size_t c) { return s.v_store_v.empty() ? 0.9 : s.v_store_v[r * s.n_cols + c]; };
  auto read_level = [&](size_t r) { return s.v_read_v.empty() ? (t3 ? 0.9 : 0.45) : s.v_read_v[r]; };

  std::string out;
  auto line = [&out](const std::string& l) {
    out += l;
    out += '\n';
  };
  line(fmt::format("* pimtx gain-cell array {}x{} ({})", s.n_rows, s.n_cols, t3 ? "3T" : "2T"));
  line("* generator: pimtx::circuits::gaincell_netlist (src/circuits/gaincell.cpp); geometry: src/circuits/gaincell.h");
  line(fmt::format("* parameters: w_m={} l_m={} c_sn_f={} v_wwl_on_v={} v_wwl_off_v={} v_wbl_hold_v={} v_rbl_v={}",
                   num(s.w_m), num(s.l_m), num(s.c_sn_f), num(s.v_wwl_on_v), num(s.v_wwl_off_v), num(s.v_wbl_hold_v),
                   num(s.v_rbl_v)));
  line(fmt::format(
      "* timing: t_edge_s={} t_write_s={} t_hold_s={} t_read_s={}; write ends {} s, read window [{}, {}] s, "
      "end {} s",
      num(te), num(s.t_write_s), num(s.t_hold_s), num(s.t_read_s), num(t_wend), num(t_read0), num(t_read1),
      num(total_duration_s(s))));
  line("* regenerate: " + (s.command.empty() ? std::string("(generated through the C++ API)") : s.command));
  line("* read current of column c = -i(vrbl{c}); storage node of cell (r,c) = v(xc{r}_{c}.sn)");
  if (!s.t_read_row_s.empty()) {
    std::string w;
    for (double t : s.t_read_row_s) {
      w += (w.empty() ? "" : " ") + num(t);
    }
    line("* dot product: row r's read pulse lasts t_read_row_s[r] = " + w +
         " s; column c's result is its charge Q_c = integral of -i(vrbl{c}) over the read phase");
  }
  line("* ---- circuits/gc_nmos.mod (embedded) ----");
  out += circuit_file("gc_nmos.mod");
  line(t3 ? "* ---- circuits/gaincell_3t.sub (embedded) ----" : "* ---- circuits/gaincell_2t.sub (embedded) ----");
  out += circuit_file(t3 ? "gaincell_3t.sub" : "gaincell_2t.sub");
  line("* ---- array ----");

  for (size_t r = 0; r < s.n_rows; ++r) {
    const double t0 = static_cast<double>(r) * ts;
    std::vector<std::pair<double, double>> wwl;
    add(wwl, 0.0, s.v_wwl_off_v);
    add(wwl, t0 + te, s.v_wwl_off_v);
    add(wwl, t0 + 2 * te, s.v_wwl_on_v);
    add(wwl, t0 + 2 * te + s.t_write_s, s.v_wwl_on_v);
    add(wwl, t0 + 3 * te + s.t_write_s, s.v_wwl_off_v);
    line(fmt::format("Vwwl{} wwl{} 0 {}", r, r, pwl(wwl)));
    std::vector<std::pair<double, double>> rd;
    const double idle = t3 ? 0.0 : s.v_rbl_v;
    const double active = t3 ? read_level(r) : s.v_rbl_v - read_level(r);
    add(rd, 0.0, idle);
    add(rd, t_read0 - te, idle);
    if (s.t_read_row_s.empty()) {
      add(rd, t_read0, active);
      add(rd, t_read1, active);
      add(rd, t_read1 + te, idle);
    } else if (s.t_read_row_s[r] > 0.0) {
      add(rd, t_read0, active);
      add(rd, t_read0 + s.t_read_row_s[r], active);
      add(rd, t_read0 + s.t_read_row_s[r] + te, idle);
    }
    line(fmt::format("V{}{} {}{} 0 {}", t3 ? "rwl" : "rsl", r, t3 ? "rwl" : "rsl", r, pwl(rd)));
  }
  for (size_t c = 0; c < s.n_cols; ++c) {
    std::vector<std::pair<double, double>> wbl;
    add(wbl, 0.0, 0.0);
    for (size_t r = 0; r < s.n_rows; ++r) {
      const double t0 = static_cast<double>(r) * ts;
      add(wbl, t0, r == 0 ? 0.0 : store(r - 1, c));
      add(wbl, t0 + te, store(r, c));
    }
    add(wbl, t_wend, store(s.n_rows - 1, c));
    add(wbl, t_wend + te, s.v_wbl_hold_v);
    line(fmt::format("Vwbl{} wbl{} 0 {}", c, c, pwl(wbl)));
    line(fmt::format("Vrbl{} rbl{} 0 DC {}", c, c, num(s.v_rbl_v)));
  }
  for (size_t r = 0; r < s.n_rows; ++r) {
    for (size_t c = 0; c < s.n_cols; ++c) {
      std::string dvt;
      if (!s.dvt_v.empty()) {
        const size_t k = 3 * (r * s.n_cols + c);
        dvt = fmt::format(" dvt_w={} dvt_s={} dvt_r={}", num(s.dvt_v[k]), num(s.dvt_v[k + 1]), num(s.dvt_v[k + 2]));
      }
      line(fmt::format("Xc{}_{} wwl{} wbl{} {}{} rbl{} {} w={} l={} c_sn={}{}", r, c, r, c, t3 ? "rwl" : "rsl", r, c,
                       t3 ? "gc3t" : "gc2t", num(s.w_m), num(s.l_m), num(s.c_sn_f), dvt));
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

std::vector<std::string> gaincell_lines(const GainCellSpec& spec) { return split_lines(gaincell_netlist(spec)); }

}  // namespace pimtx::circuits
