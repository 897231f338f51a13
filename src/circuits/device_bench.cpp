// Device-bench netlist generator; geometry documented in device_bench.h.
#include "circuits/device_bench.h"

#include <fmt/format.h>

#include <cmath>

#include "circuits/netlist.h"
#include "core/errors.h"

namespace pimtx::circuits {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& value, const std::string& why) {
  throw ConfigError(fmt::format("device bench spec: {} = {}: {}", field, value, why));
}

}  // namespace

size_t DeviceBenchSpec::n_cells() const { return cell == CellType::vteam ? vteam.size() : g0_s.size(); }

void DeviceBenchSpec::validate() const {
  if (cell == CellType::resistor) {
    bad("cell", "resistor", "the device bench takes vteam or metal_oxide cells");
  }
  if (n_cells() == 0) {
    bad(cell == CellType::vteam ? "vteam" : "g0_s", "(0 values)", "need at least one cell");
  }
  if (cell == CellType::vteam) {
    if (x0.size() != vteam.size()) {
      bad("x0", fmt::format("({} values)", x0.size()), fmt::format("must hold one value per cell ({})", vteam.size()));
    }
    for (size_t k = 0; k < vteam.size(); ++k) {
      const auto& p = vteam[k];
      if (!(p.r_on_ohm > 0) || !(p.r_off_ohm > p.r_on_ohm) || !(p.v_on_v < 0) || !(p.v_off_v > 0) ||
          !(p.k_on_per_s < 0) || !(p.k_off_per_s > 0) || !(p.alpha_on_ratio >= 1) || !(p.alpha_off_ratio >= 1)) {
        bad(fmt::format("vteam[{}]", k),
            fmt::format("ron {} roff {} von {} voff {} kon {} koff {}", p.r_on_ohm, p.r_off_ohm, p.v_on_v, p.v_off_v,
                        p.k_on_per_s, p.k_off_per_s),
            "need 0 < ron < roff, von < 0 < voff, kon < 0 < koff, alpha >= 1 (circuits/vteam.sub)");
      }
      if (!(x0[k] >= 0 && x0[k] <= 1)) {
        bad(fmt::format("x0[{}]", k), num(x0[k]), "must be in [0, 1]");
      }
    }
  } else {
    if (xi.size() != g0_s.size()) {
      bad("xi", fmt::format("({} values)", xi.size()), fmt::format("must hold one value per cell ({})", g0_s.size()));
    }
    for (size_t k = 0; k < g0_s.size(); ++k) {
      if (!(g0_s[k] > 0) || !std::isfinite(g0_s[k])) {
        bad(fmt::format("g0_s[{}]", k), num(g0_s[k]), "must be > 0");
      }
      if (!std::isfinite(xi[k])) {
        bad(fmt::format("xi[{}]", k), num(xi[k]), "must be finite");
      }
    }
    if (!(temperature_k > 0)) {
      bad("temperature_k", num(temperature_k), "must be > 0");
    }
  }
  for (size_t k = 1; k < drive_pwl.size(); ++k) {
    if (!(drive_pwl[k].first > drive_pwl[k - 1].first)) {
      bad(fmt::format("drive_pwl[{}].t", k), num(drive_pwl[k].first), "PWL times must increase strictly");
    }
  }
}

std::string device_bench_netlist(const DeviceBenchSpec& s) {
  s.validate();
  const size_t n = s.n_cells();
  std::string out =
      fmt::format("* pimtx device bench: {} independent {} cells driven by Vd\n", n, cell_type_name(s.cell));
  out += "* generator: src/circuits/device_bench.cpp (device_bench_netlist)";
  out += s.command.empty() ? "\n" : "; regenerate with: " + s.command + "\n";
  out += s.cell == CellType::vteam ? circuit_file("vteam.sub") : circuit_file("metal_oxide.sub");
  out += "\n";
  if (!s.options.empty()) {
    out += s.options + "\n";
  }
  out += s.drive_pwl.empty() ? "Vd d 0 DC 0\n" : "Vd d 0 " + pwl(s.drive_pwl) + "\n";
  for (size_t k = 0; k < n; ++k) {
    out += fmt::format("Vs{} d a{} DC 0\n", k, k);
    if (s.cell == CellType::vteam) {
      const auto& p = s.vteam[k];
      out += fmt::format("Xc{} a{} 0 vteam ron={} roff={} von={} voff={} kon={} koff={} aon={} aoff={} x0={}\n", k, k,
                         num(p.r_on_ohm), num(p.r_off_ohm), num(p.v_on_v), num(p.v_off_v), num(p.k_on_per_s),
                         num(p.k_off_per_s), num(p.alpha_on_ratio), num(p.alpha_off_ratio), num(s.x0[k]));
    } else {
      out += fmt::format("Xc{} a{} 0 mo_device_g0 g0={} temp_k={} xi={}\n", k, k, num(s.g0_s[k]), num(s.temperature_k),
                         num(s.xi[k]));
    }
  }
  if (!s.analysis.empty()) {
    out += s.analysis + "\n";
  }
  out += ".end\n";
  return out;
}

std::vector<std::string> device_bench_lines(const DeviceBenchSpec& s) { return split_lines(device_bench_netlist(s)); }

std::string cell_current_vector(size_t k) { return fmt::format("vs{}#branch", k); }
std::string vteam_state_vector(size_t k) { return fmt::format("v(xc{}.x)", k); }
std::string drive_vector() { return "v(d)"; }

}  // namespace pimtx::circuits
