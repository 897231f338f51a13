#include "devices/metal_oxide.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace pimtx::devices {

std::vector<PulseBand> MetalOxideParams::default_bands() {
  // caixunshiren/pytorch-metal-oxide-memristor-crossbar memristor/dynamic_params.txt: per band (µS),
  // SET c0..c4, d0..d4, RESET c0..c4, d0..d4.
  struct Row {
    double lo_us, hi_us;
    std::array<double, 20> v;
  };
  static const Row rows[] = {
      {3.16, 5.62, {1.55e-4,  -0.47, -3.851, 9.369, 10.4,   -1.26, -0.02, 0.82, -0.57, 0.94,
                    -0.89e-4, 0.89,  8.96,   6.2,   -10.90, 0.04,  2e-4,  0.02, 5e-3,  0.03}},
      {5.62, 10, {1.55e-4,  -0.47, -3.769, 7.512, 8.419, -1.22, -0.02, 0.84,  -0.57, 0.81,
                  -0.89e-4, 0.51,  6.88,   6.2,   -8.61, -5e-3, -4e-4, -2e-3, -0.01, 0.02}},
      {10, 17.8, {1.55e-4,  -0.47, -3.729, 6.801, 7.582, -1.03, -0.02, 0.72,  -0.47, 0.63,
                  -0.89e-4, 0.34,  4.93,   6.2,   -8.14, -0.07, -3e-3, -0.07, -0.05, -0.02}},
      {17.8, 31.6, {1.55e-4,  -0.47, -3.517, 6.180, 6.851, -0.78, -0.01, 0.53,  -0.33, 0.45,
                    -0.89e-4, 0.25,  3.63,   6.2,   -7.77, -0.11, -4e-3, -0.11, -0.09, -0.03}},
      {31.6, 56.2, {1.55e-4,  -0.47, -3.426, 5.946, 6.558, -0.37, 5e-3,  0.15,  -0.01, 0.11,
                    -0.89e-4, 0.23,  2.91,   6.2,   -7.42, -0.15, -6e-3, -0.17, -0.13, -0.06}},
      {56.2, 100, {1.55e-4,  -0.47, -3.373, 5.005, 5.792, 0.14,  0.01,  -0.29, 0.31,  -0.21,
                   -0.89e-4, 0.21,  2.33,   6.2,   -7.30, -0.12, -5e-3, -0.16, -0.13, -0.06}},
      {100, 178, {1.55e-4,  -0.47, -3.422, 4.936, 5.840, 0.34,  0.01,  -0.41, 0.37,  -0.29,
                  -0.89e-4, 0.22,  1.93,   6.2,   -7.10, -0.04, -2e-3, -0.10, -0.11, -0.04}},
      {178, 316, {1.55e-4,  -0.47, -3.572, 4.864, 5.785, 0.26, 0.01, -0.29, 0.25,  -0.20,
                  -0.89e-4, 0.28,  1.68,   6.2,   -7.00, 0.10, 3e-3, 0.02,  -0.05, -4e-3}},
  };
  std::vector<PulseBand> out;
  for (const auto& r : rows) {
    PulseBand b;
    b.g_lo_s = r.lo_us * 1e-6;
    b.g_hi_s = r.hi_us * 1e-6;
    for (size_t k = 0; k < 5; ++k) {
      b.c_set[k] = r.v[k];
      b.d_set[k] = r.v[5 + k];
      b.c_reset[k] = r.v[10 + k];
      b.d_reset[k] = r.v[15 + k];
    }
    out.push_back(b);
  }
  return out;
}

void MetalOxideParams::validate() const {
  auto fail = [](const std::string& what) { throw ConfigError("metal_oxide parameters: " + what); };
  if (!(temperature_k > 200 && temperature_k < 500)) {
    fail(fmt::format("temperature_k = {} outside the model's range (200, 500) K", temperature_k));
  }
  if (!(g_min_s > 0) || !(g_max_s > g_min_s)) {
    fail(fmt::format("need 0 < g_min_s ({}) < g_max_s ({})", g_min_s, g_max_s));
  }
  if (!(v_read_max_v > 0)) {
    fail("v_read_max_v must be > 0");
  }
  if (!(iv_d2d_scale_rel >= 0) || !(update_d2d_scale_rel >= 0) || !(update_c2c_sigma_rel >= 0)) {
    fail("scales and spreads must be >= 0");
  }
  if (bands.empty()) {
    fail("no pulse-law bands");
  }
  for (size_t i = 0; i < bands.size(); ++i) {
    if (!(bands[i].g_hi_s > bands[i].g_lo_s) || (i > 0 && bands[i].g_lo_s < bands[i - 1].g_hi_s * (1 - 1e-9))) {
      fail(fmt::format("pulse band {} [{}, {}] S is empty or overlaps the previous band", i, bands[i].g_lo_s,
                       bands[i].g_hi_s));
    }
  }
  switching.validate();
}

MetalOxideParams MetalOxideParams::from_config(core::Section& s) {
  using core::Range;
  MetalOxideParams p;
  p.temperature_k = s.get_double("temperature_k", p.temperature_k, Range{200, 500, false, false});
  p.g_min_s = s.get_double("g_min_s", p.g_min_s, Range::positive());
  p.g_max_s = s.get_double("g_max_s", p.g_max_s, Range::positive());
  p.v_read_max_v = s.get_double("v_read_max_v", p.v_read_max_v, Range::closed(0.01, 2.0));
  auto arr = [&](const char* key, auto& a) {
    const std::vector<double> def(a.begin(), a.end());
    const auto v = s.get_double_array(key, def);
    if (v.size() != a.size()) {
      s.fail(key, fmt::format("needs {} values, got {}", a.size(), v.size()));
    }
    std::copy(v.begin(), v.end(), a.begin());
  };
  arr("a1_law_si", p.a1_law_si);
  arr("a3_law_si", p.a3_law_si);
  arr("sigma_a1_law_si", p.sigma_a1_law_si);
  arr("sigma_a3_law_si", p.sigma_a3_law_si);
  p.iv_d2d_scale_rel = s.get_double("iv_d2d_scale_rel", p.iv_d2d_scale_rel, Range::closed(0, 10));
  p.update_d2d_scale_rel = s.get_double("update_d2d_scale_rel", p.update_d2d_scale_rel, Range::closed(0, 10));
  p.update_c2c_sigma_rel = s.get_double("update_c2c_sigma_rel", p.update_c2c_sigma_rel, Range::closed(0, 1));
  // Pulse-law bands as written by `pimtx calibrate`: (n_bands, 22) = g_lo_s, g_hi_s, c_set[5], d_set[5],
  // c_reset[5], d_reset[5].
  const auto pb = s.get_double_array("pulse_bands_si", {});
  if (!pb.empty()) {
    if (pb.size() % 22 != 0) {
      s.fail("pulse_bands_si", fmt::format("needs a multiple of 22 values, got {}", pb.size()));
    }
    p.bands.clear();
    for (size_t r = 0; r < pb.size() / 22; ++r) {
      PulseBand b;
      b.g_lo_s = pb[22 * r];
      b.g_hi_s = pb[22 * r + 1];
      for (size_t k = 0; k < 5; ++k) {
        b.c_set[k] = pb[22 * r + 2 + k];
        b.d_set[k] = pb[22 * r + 7 + k];
        b.c_reset[k] = pb[22 * r + 12 + k];
        b.d_reset[k] = pb[22 * r + 17 + k];
      }
      p.bands.push_back(b);
    }
  }
  auto sw = s.section("switching");
  p.switching = SwitchingParams::from_config(sw);
  if (!(p.g_max_s > p.g_min_s)) {
    s.fail("g_max_s", fmt::format("must be > g_min_s ({}), got {}", p.g_min_s, p.g_max_s));
  }
  p.validate();
  return p;
}

void MetalOxideParams::to_config(core::Section& s) const {
  s.set_string("type", "metal_oxide");
  s.set_double("temperature_k", temperature_k);
  s.set_double("g_min_s", g_min_s);
  s.set_double("g_max_s", g_max_s);
  s.set_double("v_read_max_v", v_read_max_v);
  s.set_double_array("a1_law_si", {a1_law_si.begin(), a1_law_si.end()});
  s.set_double_array("a3_law_si", {a3_law_si.begin(), a3_law_si.end()});
  s.set_double_array("sigma_a1_law_si", {sigma_a1_law_si.begin(), sigma_a1_law_si.end()});
  s.set_double_array("sigma_a3_law_si", {sigma_a3_law_si.begin(), sigma_a3_law_si.end()});
  s.set_double("iv_d2d_scale_rel", iv_d2d_scale_rel);
  s.set_double("update_d2d_scale_rel", update_d2d_scale_rel);
  s.set_double("update_c2c_sigma_rel", update_c2c_sigma_rel);
  std::vector<double> pb;  // (n_bands, 22), the layout from_config() reads
  for (const auto& b : bands) {
    pb.push_back(b.g_lo_s);
    pb.push_back(b.g_hi_s);
    for (const auto* a : {&b.c_set, &b.d_set, &b.c_reset, &b.d_reset}) {
      pb.insert(pb.end(), a->begin(), a->end());
    }
  }
  s.set_double_array("pulse_bands_si", pb);
  auto sw = s.section("switching");
  switching.to_config(sw);
}

MetalOxide::MetalOxide(MetalOxideParams p) : p_(std::move(p)) { p_.validate(); }

std::array<double, 4> MetalOxide::iv_coefficients(double g0) const {
  const double tc = p_.temperature_k - 273.15;  // the fitted law uses °C (see header)
  const auto& a = p_.a1_law_si;
  const auto& b = p_.a3_law_si;
  const auto& sp = p_.sigma_a1_law_si;
  const auto& sq = p_.sigma_a3_law_si;
  const double a1 = a[0] + a[1] * g0 + a[2] * tc;
  const double a3 = b[0] * g0 + b[1] * g0 * g0 + b[2] * std::pow(tc, b[3]);
  const double s1 = sp[0] + sp[1] * g0 + sp[2] * tc + sp[3] * g0 * g0;
  const double s3 = sq[0] + sq[1] * g0 + sq[2] * tc + sq[3] * g0 * g0 + sq[4] * g0 * tc;
  return {a1, a3, s1, s3};
}

MemristorInstance MetalOxide::make_instance(double g_init_s, core::Rng* d2d) const {
  MemristorInstance dev = draw_instance(d2d);
  set_conductance(dev, g_init_s);
  return dev;
}

double MetalOxide::current_a(const MemristorInstance& dev, double v) const {
  if (std::fabs(v) > p_.v_read_max_v * (1 + 1e-12)) {
    throw NumericError(
        fmt::format("metal_oxide read at {} V is outside the model's validity |V| <= {} V", v, p_.v_read_max_v));
  }
  const auto c = iv_coefficients(dev.state);
  const double v3 = v * v * v;
  return c[0] * v + c[1] * v3 + p_.iv_d2d_scale_rel * dev.d2d[0] * (c[2] * v + c[3] * v3);
}

std::array<double, 2> MetalOxide::read_law(const MemristorInstance& dev, double /*v_fit_v*/) const {
  const std::array<double, 4> c = iv_coefficients(dev.state);
  const double s = p_.iv_d2d_scale_rel * dev.d2d[0];
  return {c[0] + s * c[2], c[1] + s * c[3]};
}

void MetalOxide::set_conductance(MemristorInstance& dev, double g_s) const {
  dev.state = std::clamp(g_s, p_.g_min_s, p_.g_max_s);
}

const PulseBand& MetalOxide::band(double g0) const {
  for (const auto& b : p_.bands) {
    if (g0 < b.g_hi_s) {
      return b;
    }
  }
  return p_.bands.back();
}

double MetalOxide::delta_g_nominal_s(double g0, double vp, double tp) const {
  const PulseBand& b = band(g0);
  const double lt = std::log(tp);
  if (vp > 0) {
    const auto& c = b.c_set;
    return c[0] * (1 - std::tanh(c[1] * (lt - c[2]))) * (std::tanh(c[3] * vp - c[4]) + 1);
  }
  if (vp < 0) {
    const auto& c = b.c_reset;
    return c[0] * (-1 - std::tanh(c[1] * (lt - c[2]))) * (std::tanh(c[3] * vp - c[4]) - 1);
  }
  return 0.0;
}

double MetalOxide::delta_g_d2d_rel(double g0, double vp, double tp) const {
  if (vp == 0) {
    return 0.0;
  }
  const PulseBand& b = band(g0);
  const auto& d = vp > 0 ? b.d_set : b.d_reset;
  const double lt = std::log(tp);
  return d[0] + d[1] * lt * lt + d[2] * vp * lt + d[3] * vp * vp * lt + d[4] * vp * vp * vp;
}

void MetalOxide::program_pulse(MemristorInstance& dev, double vp, double tp, core::Rng* c2c) const {
  if (vp == 0 || tp <= 0) {
    return;
  }
  if (std::fabs(vp) > 2.0) {
    throw NumericError(fmt::format("metal_oxide pulse of {} V is outside the model's range |V| <= 2 V", vp));
  }
  // Draw order is fixed (hazard uniform, then c2c normal) so a given stream gives reproducible results.
  if (p_.switching.enabled()) {
    const double u = c2c != nullptr ? c2c->uniform() : 0.5;
    if (u >= switch_probability(p_.switching, vp, tp)) {
      return;
    }
  }
  double dg = delta_g_nominal_s(dev.state, vp, tp);
  dg *= 1 + p_.update_d2d_scale_rel * dev.d2d[1] * delta_g_d2d_rel(dev.state, vp, tp);
  if (c2c != nullptr && p_.update_c2c_sigma_rel > 0) {
    dg *= 1 + p_.update_c2c_sigma_rel * c2c->normal();
  }
  dev.state = std::clamp(dev.state + dg, p_.g_min_s, p_.g_max_s);
}

void MetalOxide::program(MemristorInstance& dev, const Waveform& w, core::Rng* c2c) const {
  w.validate();
  size_t i = 0;
  const size_t n = w.t_s.size();
  while (i + 1 < n) {
    if (w.v_v[i] == 0 && w.v_v[i + 1] == 0) {
      ++i;
      continue;
    }
    // A pulse: segments from i until the voltage returns to 0 (or the waveform ends).
    double area = 0.0;  // ∫|V|dt (exact for linear segments that do not change sign)
    double peak = 0.0;
    size_t j = i;
    for (; j + 1 < n; ++j) {
      const double va = w.v_v[j];
      const double vb = w.v_v[j + 1];
      area += 0.5 * (std::fabs(va) + std::fabs(vb)) * (w.t_s[j + 1] - w.t_s[j]);
      for (double v : {va, vb}) {
        if (std::fabs(v) > std::fabs(peak)) {
          peak = v;
        }
      }
      if (vb == 0) {
        ++j;
        break;
      }
    }
    program_pulse(dev, peak, area / std::fabs(peak), c2c);
    i = j;
  }
}

}  // namespace pimtx::devices
