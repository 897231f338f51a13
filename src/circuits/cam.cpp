// CAM row netlist generator; cell, phases and mismatch inputs documented in cam.h.
#include "circuits/cam.h"

#include <fmt/format.h>

#include <cmath>

#include "circuits/netlist.h"
#include "core/errors.h"

namespace pimtx::circuits {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& value, const std::string& why) {
  throw ConfigError(fmt::format("CAM row spec: {} = {}: {}", field, value, why));
}

int stored_bit(const CamRowSpec& s, size_t i) { return s.stored.empty() ? static_cast<int>(i % 2 == 0) : s.stored[i]; }
int query_bit(const CamRowSpec& s, size_t i) { return s.query.empty() ? stored_bit(s, i) : s.query[i]; }

struct Times {
  double sh_off, rst_off, q_on, ev_on, ev_off, sh_on, end;
};

Times times(const CamRowSpec& s) {
  const double te = s.t_edge_s;
  Times t{};
  t.sh_off = s.t_reset_s;
  t.rst_off = t.sh_off + 2 * te;
  t.q_on = s.t_reset_s + 4 * te;
  t.ev_on = t.q_on + 2 * te;
  t.ev_off = t.ev_on + te + s.t_eval_s;
  t.sh_on = t.ev_off + 2 * te;
  t.end = t.sh_on + te + s.t_share_s;
  return t;
}

}  // namespace

void CamRowSpec::validate() const {
  if (n_bits < 1 || n_bits > 1024) {
    bad("n_bits", std::to_string(n_bits), "must be in [1, 1024]");
  }
  for (const auto& [name, v] :
       {std::pair<const char*, const std::vector<int>*>{"stored", &stored}, {"query", &query}}) {
    if (!v->empty() && v->size() != n_bits) {
      bad(name, fmt::format("({} values)", v->size()), fmt::format("must hold n_bits = {} values", n_bits));
    }
    for (int b : *v) {
      if (b != 0 && b != 1) {
        bad(name, std::to_string(b), "bits must be 0 or 1");
      }
    }
  }
  if (!delvto_v.empty() && delvto_v.size() != 4 * n_bits + 1) {
    bad("delvto_v", fmt::format("({} values)", delvto_v.size()),
        fmt::format("must hold 4 n_bits + 1 = {}", 4 * n_bits + 1));
  }
  if (!c_unit_rel.empty() && c_unit_rel.size() != n_bits) {
    bad("c_unit_rel", fmt::format("({} values)", c_unit_rel.size()), fmt::format("must hold n_bits = {}", n_bits));
  }
  for (double c : c_unit_rel) {
    if (!(c > 0.0) || !std::isfinite(c)) {
      bad("c_unit_rel", num(c), "must be > 0");
    }
  }
  for (const auto& [name, v] : {std::pair<const char*, double>{"w_m", w_m},
                                {"l_m", l_m},
                                {"c_unit_f", c_unit_f},
                                {"vdd_v", vdd_v},
                                {"v_boost_v", v_boost_v},
                                {"t_edge_s", t_edge_s},
                                {"t_reset_s", t_reset_s},
                                {"t_eval_s", t_eval_s},
                                {"t_share_s", t_share_s}}) {
    if (!(v > 0.0) || !std::isfinite(v)) {
      bad(name, num(v), "must be > 0");
    }
  }
  if (!(c_ml_f >= 0.0) || !std::isfinite(c_ml_f)) {
    bad("c_ml_f", num(c_ml_f), "must be >= 0");
  }
  if (vdd_v > 5.0 || v_boost_v > 5.0) {
    bad(vdd_v > 5.0 ? "vdd_v" : "v_boost_v", num(std::max(vdd_v, v_boost_v)), "must be <= 5 V");
  }
  if (!(temp_c >= -55.0 && temp_c <= 150.0)) {
    bad("temp_c", num(temp_c), "must be in [-55, 150] C");
  }
}

std::pair<double, double> cam_share_window(const CamRowSpec& s) {
  const Times t = times(s);
  return {t.sh_on, t.end};
}

double cam_total_duration_s(const CamRowSpec& s) { return times(s).end; }

size_t cam_matches(const CamRowSpec& s) {
  size_t h = 0;
  for (size_t i = 0; i < s.n_bits; ++i) {
    h += stored_bit(s, i) == query_bit(s, i) ? 1 : 0;
  }
  return h;
}

std::vector<std::string> cam_sources(const CamRowSpec& s) {
  std::vector<std::string> v = {"vrst", "vsh", "vev"};
  for (size_t i = 0; i < s.n_bits; ++i) {
    for (const char* p : {"vs", "vsb", "vq", "vqb"}) {
      v.push_back(fmt::format("{}{}", p, i));
    }
  }
  return v;
}

std::string cam_row_netlist(const CamRowSpec& s) {
  s.validate();
  const Times t = times(s);
  const double te = s.t_edge_s;
  const double vb = s.v_boost_v;
  std::string out;
  auto line = [&out](const std::string& l) {
    out += l;
    out += '\n';
  };
  line(fmt::format("* pimtx binary-attention CAM row, {} bits, {} matching", s.n_bits, cam_matches(s)));
  line("* generator: pimtx::circuits::cam_row_netlist (src/circuits/cam.cpp); cell and phases: src/circuits/cam.h");
  line(fmt::format("* parameters: w_m={} l_m={} c_unit_f={} c_ml_f={} vdd_v={} v_boost_v={} temp_c={} mismatch={}",
                   num(s.w_m), num(s.l_m), num(s.c_unit_f), num(s.c_ml_f), num(s.vdd_v), num(vb), num(s.temp_c),
                   s.delvto_v.empty() && s.c_unit_rel.empty() ? "none" : "per-instance delvto / C multipliers"));
  line(fmt::format("* timing: t_edge_s={} t_reset_s={} t_eval_s={} t_share_s={}; share window [{}, {}] s", num(te),
                   num(s.t_reset_s), num(s.t_eval_s), num(s.t_share_s), num(t.sh_on), num(t.end)));
  line("* regenerate: " + (s.command.empty() ? std::string("(generated through the C++ API)") : s.command));
  line("* match-line voltage = v(ml) at the end of the share window; search energy = sum over sources of -v*i");
  line("* ---- circuits/gc_nmos.mod (embedded) ----");
  out += circuit_file("gc_nmos.mod");
  line("* ---- controls ----");
  line(fmt::format(".options temp={}", num(s.temp_c)));
  line(fmt::format("Vrst rst 0 {}", pwl({{0.0, vb}, {t.rst_off, vb}, {t.rst_off + te, 0.0}})));
  line(fmt::format("Vsh sh 0 {}",
                   pwl({{0.0, vb}, {t.sh_off, vb}, {t.sh_off + te, 0.0}, {t.sh_on, 0.0}, {t.sh_on + te, vb}})));
  line(fmt::format("Vev ev 0 {}",
                   pwl({{0.0, 0.0}, {t.ev_on, 0.0}, {t.ev_on + te, vb}, {t.ev_off, vb}, {t.ev_off + te, 0.0}})));
  line("* ---- cells ----");
  const double q_off = t.sh_on + te;  // search lines return to 0 once the share has started
  auto dv = [&](size_t k) { return s.delvto_v.empty() ? std::string() : " delvto=" + num(s.delvto_v[k]); };
  for (size_t i = 0; i < s.n_bits; ++i) {
    const int sb = stored_bit(s, i), qb = query_bit(s, i);
    line(fmt::format("Vs{} s{} 0 DC {}", i, i, num(sb ? vb : 0.0)));
    line(fmt::format("Vsb{} sb{} 0 DC {}", i, i, num(sb ? 0.0 : vb)));
    const double vq = qb ? s.vdd_v : 0.0, vqb = qb ? 0.0 : s.vdd_v;
    line(fmt::format("Vq{} q{} 0 {}", i, i,
                     pwl({{0.0, 0.0}, {t.q_on, 0.0}, {t.q_on + te, vq}, {q_off, vq}, {q_off + te, 0.0}})));
    line(fmt::format("Vqb{} qb{} 0 {}", i, i,
                     pwl({{0.0, 0.0}, {t.q_on, 0.0}, {t.q_on + te, vqb}, {q_off, vqb}, {q_off + te, 0.0}})));
    const std::string wl = fmt::format("W={} L={}", num(s.w_m), num(s.l_m));
    line(fmt::format("M1_{} a{} s{} q{} 0 gc_nmos {}{}", i, i, i, i, wl, dv(4 * i)));
    line(fmt::format("M2_{} a{} sb{} qb{} 0 gc_nmos {}{}", i, i, i, i, wl, dv(4 * i + 1)));
    line(fmt::format("M3_{} x{} ev a{} 0 gc_nmos {}{}", i, i, i, wl, dv(4 * i + 2)));
    line(fmt::format("M4_{} ml sh x{} 0 gc_nmos {}{}", i, i, wl, dv(4 * i + 3)));
    line(fmt::format("C{} x{} 0 {}", i, i, num(s.c_unit_f * (s.c_unit_rel.empty() ? 1.0 : s.c_unit_rel[i]))));
  }
  line("* ---- match line ----");
  if (s.c_ml_f > 0.0) {
    line(fmt::format("Cml ml 0 {}", num(s.c_ml_f)));
  }
  line(fmt::format("Mrst ml rst 0 0 gc_nmos W={} L={}{}", num(2 * s.w_m), num(s.l_m), dv(4 * s.n_bits)));
  if (!s.options.empty()) {
    line(s.options);
  }
  if (!s.analysis.empty()) {
    line(s.analysis);
  }
  line(".end");
  return out;
}

}  // namespace pimtx::circuits
