#include "devices/gain_cell.h"

#include <fmt/format.h>

#include <array>
#include <boost/numeric/odeint.hpp>
#include <cmath>

#include "core/errors.h"

namespace pimtx::devices {

namespace {
constexpr double k_boltzmann_j_per_k = 1.380649e-23;
constexpr double k_charge_c = 1.602176634e-19;
}  // namespace

std::vector<double> ReadPolynomial::basis(double vs, double vr) const {
  std::vector<double> b;
  b.reserve(n_terms(n_degree));
  const double x = vs - v_store_offset_v;
  double xi = 1.0;
  for (int i = 0; i <= n_degree; ++i) {
    double yj = 1.0;
    for (int j = 0; j <= n_degree - i; ++j) {
      b.push_back(xi * yj);
      yj *= vr;
    }
    xi *= x;
  }
  return b;
}

double ReadPolynomial::eval(double vs, double vr) const {
  if (coef_si.size() != n_terms(n_degree)) {
    throw ConfigError(
        fmt::format("gain cell read polynomial has {} coefficients, degree {} needs {} (calibrate "
                    "the cell or load a device card)",
                    coef_si.size(), n_degree, n_terms(n_degree)));
  }
  constexpr double slack = 1e-9;
  if (vs < v_store_min_v - slack || vs > v_store_max_v + slack || vr < v_read_min_v - slack ||
      vr > v_read_max_v + slack) {
    throw NumericError(
        fmt::format("gain cell read at V_store = {} V, V_read = {} V is outside the fitted range "
                    "[{}, {}] x [{}, {}] V",
                    vs, vr, v_store_min_v, v_store_max_v, v_read_min_v, v_read_max_v));
  }
  const auto b = basis(vs, vr);
  double s = 0.0;
  for (size_t k = 0; k < b.size(); ++k) {
    s += coef_si[k] * b[k];
  }
  return s;
}

double ReadPolynomial::eval_extended(double vs, double vr) const {
  // Slopes at the edges by one-sided differences over 1 mV (the polynomial is smooth there).
  const double h = 1e-3;
  if (vs < v_store_min_v) {
    const double i_lo = eval(v_store_min_v, vr);
    const double k = (eval(v_store_min_v + h, vr) - i_lo) / h / i_lo;
    return i_lo * std::exp(k * (vs - v_store_min_v));
  }
  if (vs > v_store_max_v) {
    const double i_hi = eval(v_store_max_v, vr);
    return i_hi + (i_hi - eval(v_store_max_v - h, vr)) / h * (vs - v_store_max_v);
  }
  return eval(vs, vr);
}

void GainCellParams::validate() const {
  auto fail = [](const std::string& what) { throw ConfigError("gain_cell parameters: " + what); };
  if (!(c_store_f > 0) || !(temperature_k > 0) || !(tau_ret_s > 0) || !(tau_ret_d2d_sigma_rel >= 0)) {
    fail(
        fmt::format("need c_store_f > 0 ({}), temperature_k > 0 ({}), tau_ret_s > 0 ({}), "
                    "tau_ret_d2d_sigma_rel >= 0 ({})",
                    c_store_f, temperature_k, tau_ret_s, tau_ret_d2d_sigma_rel));
  }
  if (retention != "exponential" && retention != "leakage_ode") {
    fail("retention must be 'exponential' or 'leakage_ode', got '" + retention + "'");
  }
  if (!(i0_a > 0) || !(n_ratio >= 1) || !(dibl_ratio >= 0)) {
    fail(fmt::format("need i0_a > 0 ({}), n_ratio >= 1 ({}), dibl_ratio >= 0 ({})", i0_a, n_ratio, dibl_ratio));
  }
  if (read.n_degree < 1 || read.n_degree > 6 || !(read.v_store_max_v > read.v_store_min_v) ||
      !(read.v_read_max_v > read.v_read_min_v)) {
    fail("read polynomial: degree must be 1..6 and validity ranges non-empty");
  }
  if (!read.coef_si.empty() && read.coef_si.size() != ReadPolynomial::n_terms(read.n_degree)) {
    fail(fmt::format("read polynomial degree {} needs {} coefficients, got {}", read.n_degree,
                     ReadPolynomial::n_terms(read.n_degree), read.coef_si.size()));
  }
  if (!(read.v_shift_d2d_sigma_v >= 0) || !(read.gain_d2d_sigma_rel >= 0)) {
    fail(fmt::format("need read.v_shift_d2d_sigma_v >= 0 ({}), read.gain_d2d_sigma_rel >= 0 ({})",
                     read.v_shift_d2d_sigma_v, read.gain_d2d_sigma_rel));
  }
  if (!(e_write_j >= 0) || !(e_read_j >= 0) || !(t_read_s >= 0)) {
    fail(fmt::format("need energy.e_write_j, e_read_j, t_read_s >= 0 ({}, {}, {})", e_write_j, e_read_j, t_read_s));
  }
}

GainCellParams GainCellParams::from_config(core::Section& s) {
  using core::Range;
  GainCellParams p;
  p.c_store_f = s.get_double("c_store_f", p.c_store_f, Range::positive());
  p.temperature_k = s.get_double("temperature_k", p.temperature_k, Range::positive());
  p.v_hold_v = s.get_double("v_hold_v", p.v_hold_v, Range::closed(-5, 5));
  p.write_noise = s.get_bool("write_noise", p.write_noise);
  auto ret = s.section("retention");
  p.retention = ret.get_string("type", p.retention, {"exponential", "leakage_ode"});
  p.tau_ret_s = ret.get_double("tau_ret_s", p.tau_ret_s, Range::positive());
  p.tau_ret_d2d_sigma_rel = ret.get_double("tau_ret_d2d_sigma_rel", p.tau_ret_d2d_sigma_rel, Range::closed(0, 5));
  p.i0_a = ret.get_double("i0_a", p.i0_a, Range::positive());
  p.v_t_v = ret.get_double("v_t_v", p.v_t_v, Range::closed(-2, 3));
  p.n_ratio = ret.get_double("n_ratio", p.n_ratio, Range::closed(1, 5));
  p.dibl_ratio = ret.get_double("dibl_ratio", p.dibl_ratio, Range::closed(0, 1));
  p.v_wwl_hold_v = ret.get_double("v_wwl_hold_v", p.v_wwl_hold_v, Range::closed(-5, 5));
  auto rd = s.section("read");
  p.read.n_degree = static_cast<int>(rd.get_int("n_degree", p.read.n_degree, Range::closed(1, 6)));
  p.read.v_store_offset_v = rd.get_double("v_store_offset_v", p.read.v_store_offset_v);
  p.read.coef_si = rd.get_double_array("coef_si", p.read.coef_si);
  p.read.v_store_min_v = rd.get_double("v_store_min_v", p.read.v_store_min_v);
  p.read.v_store_max_v = rd.get_double("v_store_max_v", p.read.v_store_max_v);
  p.read.v_read_min_v = rd.get_double("v_read_min_v", p.read.v_read_min_v);
  p.read.v_read_max_v = rd.get_double("v_read_max_v", p.read.v_read_max_v);
  p.read.v_shift_d2d_sigma_v = rd.get_double("v_shift_d2d_sigma_v", p.read.v_shift_d2d_sigma_v, Range::closed(0, 1));
  p.read.gain_d2d_sigma_rel = rd.get_double("gain_d2d_sigma_rel", p.read.gain_d2d_sigma_rel, Range::closed(0, 1));
  auto en = s.section("energy");
  p.e_write_j = en.get_double("e_write_j", p.e_write_j, Range::non_negative());
  p.e_read_j = en.get_double("e_read_j", p.e_read_j, Range::non_negative());
  p.t_read_s = en.get_double("t_read_s", p.t_read_s, Range::non_negative());
  p.validate();
  return p;
}

void GainCellParams::to_config(core::Section& s) const {
  s.set_double("c_store_f", c_store_f);
  s.set_double("temperature_k", temperature_k);
  s.set_double("v_hold_v", v_hold_v);
  s.set_bool("write_noise", write_noise);
  auto ret = s.section("retention");
  ret.set_string("type", retention);
  ret.set_double("tau_ret_s", tau_ret_s);
  ret.set_double("tau_ret_d2d_sigma_rel", tau_ret_d2d_sigma_rel);
  ret.set_double("i0_a", i0_a);
  ret.set_double("v_t_v", v_t_v);
  ret.set_double("n_ratio", n_ratio);
  ret.set_double("dibl_ratio", dibl_ratio);
  ret.set_double("v_wwl_hold_v", v_wwl_hold_v);
  auto rd = s.section("read");
  rd.set_int("n_degree", read.n_degree);
  rd.set_double("v_store_offset_v", read.v_store_offset_v);
  rd.set_double_array("coef_si", read.coef_si);
  rd.set_double("v_store_min_v", read.v_store_min_v);
  rd.set_double("v_store_max_v", read.v_store_max_v);
  rd.set_double("v_read_min_v", read.v_read_min_v);
  rd.set_double("v_read_max_v", read.v_read_max_v);
  rd.set_double("v_shift_d2d_sigma_v", read.v_shift_d2d_sigma_v);
  rd.set_double("gain_d2d_sigma_rel", read.gain_d2d_sigma_rel);
  auto en = s.section("energy");
  en.set_double("e_write_j", e_write_j);
  en.set_double("e_read_j", e_read_j);
  en.set_double("t_read_s", t_read_s);
}

GainCell::GainCell(GainCellParams p) : p_(std::move(p)) { p_.validate(); }

GainCellInstance GainCell::make_instance(core::Rng* d2d) const {
  GainCellInstance c;
  c.v_store_v = p_.v_hold_v;
  c.d2d = d2d != nullptr ? d2d->normal() : 0.0;
  c.d2d_shift = d2d != nullptr ? d2d->normal() : 0.0;
  c.d2d_gain = d2d != nullptr ? d2d->normal() : 0.0;
  return c;
}

double GainCell::write_noise_sigma_v() const {
  return p_.write_noise ? std::sqrt(k_boltzmann_j_per_k * p_.temperature_k / p_.c_store_f) : 0.0;
}

void GainCell::write(GainCellInstance& cell, double v_write_v, core::Rng* noise) const {
  cell.v_store_v = v_write_v + (noise != nullptr ? write_noise_sigma_v() * noise->normal() : 0.0);
}

double GainCell::tau_cell_s(const GainCellInstance& cell) const {
  return p_.tau_ret_s * std::exp(p_.tau_ret_d2d_sigma_rel * cell.d2d);
}

double GainCell::leakage_a(const GainCellInstance& cell, double v) const {
  const double vth = k_boltzmann_j_per_k * p_.temperature_k / k_charge_c;
  const double vds = v - p_.v_hold_v;
  const double i0 = p_.i0_a * std::exp(p_.tau_ret_d2d_sigma_rel * cell.d2d);
  return i0 * std::exp((p_.v_wwl_hold_v - p_.v_hold_v - p_.v_t_v + p_.dibl_ratio * vds) / (p_.n_ratio * vth)) *
         (-std::expm1(-vds / vth));
}

void GainCell::hold(GainCellInstance& cell, double t_hold_s) const {
  if (t_hold_s < 0) {
    throw NumericError(fmt::format("gain cell hold time {} s is negative", t_hold_s));
  }
  if (t_hold_s == 0) {
    return;
  }
  if (p_.retention == "exponential") {
    cell.v_store_v = p_.v_hold_v + (cell.v_store_v - p_.v_hold_v) * std::exp(-t_hold_s / tau_cell_s(cell));
    return;
  }
  // Leakage ODE: error-controlled Dormand–Prince 5(4). The slowest-to-fastest rate ratio over a hold is
  // modest (the fastest rate C·Vth/I_leak near V_hold is still ≫ the step needed for 1e-9 accuracy).
  namespace odeint = boost::numeric::odeint;
  using State = std::array<double, 1>;
  const double c = p_.c_store_f;
  auto sys = [&](const State& s, State& ds, double) { ds[0] = -leakage_a(cell, s[0]) / c; };
  State s{cell.v_store_v};
  auto stepper = odeint::make_controlled(1e-12, 1e-10, odeint::runge_kutta_dopri5<State>());
  odeint::integrate_adaptive(stepper, sys, s, 0.0, t_hold_s, t_hold_s * 1e-6);
  cell.v_store_v = s[0];
}

double GainCell::read_current_a(const GainCellInstance& cell, double v_read_v) const {
  return p_.read.eval(cell.v_store_v, v_read_v);
}

double GainCell::read_current_cell_a(const GainCellInstance& cell, double v_read_v) const {
  const double vs = cell.v_store_v - p_.read.v_shift_d2d_sigma_v * cell.d2d_shift;
  return (1.0 + p_.read.gain_d2d_sigma_rel * cell.d2d_gain) * p_.read.eval_extended(vs, v_read_v);
}

}  // namespace pimtx::devices
