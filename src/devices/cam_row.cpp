#include "devices/cam_row.h"

#include <fmt/format.h>

#include <cmath>

namespace pimtx::devices {

namespace {

double poly(const std::vector<double>& c, double x) {
  double y = 0.0;
  for (size_t i = c.size(); i-- > 0;) {
    y = y * x + c[i];
  }
  return y;
}

}  // namespace

CamRowParams CamRowParams::from_config(core::Section& s) {
  CamRowParams p;
  p.n_bits_row = static_cast<int>(s.get_int("n_bits_row", p.n_bits_row, core::Range::closed(1, 4096)));
  p.vdd_v = s.get_double("vdd_v", p.vdd_v, core::Range::closed(0.1, 5.0));
  p.v_law_coef_v = s.get_double_array("v_law_coef_v", p.v_law_coef_v);
  p.sigma_law_coef_v = s.get_double_array("sigma_law_coef_v", p.sigma_law_coef_v);
  p.e_search_row_j = s.get_double("e_search_row_j", p.e_search_row_j, core::Range::non_negative());
  p.t_settle_s = s.get_double("t_settle_s", p.t_settle_s, core::Range::non_negative());
  p.validate(s);
  return p;
}

void CamRowParams::to_config(core::Section& s) const {
  s.set_int("n_bits_row", n_bits_row);
  s.set_double("vdd_v", vdd_v);
  s.set_double_array("v_law_coef_v", v_law_coef_v);
  s.set_double_array("sigma_law_coef_v", sigma_law_coef_v);
  s.set_double("e_search_row_j", e_search_row_j);
  s.set_double("t_settle_s", t_settle_s);
}

void CamRowParams::validate(const core::Section& s) const {
  if (v_law_coef_v.empty() || v_law_coef_v.size() > 8) {
    s.fail("v_law_coef_v", fmt::format("has {} coefficients; need 1..8", v_law_coef_v.size()));
  }
  if (sigma_law_coef_v.empty() || sigma_law_coef_v.size() > 8) {
    s.fail("sigma_law_coef_v", fmt::format("has {} coefficients; need 1..8", sigma_law_coef_v.size()));
  }
  // The law must increase with the match fraction, or the ADC code would not rank the rows.
  double last = poly(v_law_coef_v, 0.0);
  for (int i = 1; i <= 64; ++i) {
    const double v = poly(v_law_coef_v, i / 64.0);
    if (!(v > last)) {
      s.fail("v_law_coef_v",
             fmt::format("the law V(m) does not increase at m = {} ({} V after {} V)", i / 64.0, v, last));
    }
    last = v;
  }
  for (int i = 0; i <= 64; ++i) {
    if (poly(sigma_law_coef_v, i / 64.0) < 0.0) {
      s.fail("sigma_law_coef_v", fmt::format("the spread is negative at m = {}", i / 64.0));
    }
  }
}

double CamRow::voltage(double m) const { return poly(p_.v_law_coef_v, m); }

double CamRow::sigma(double m, int n_cells) const {
  return std::max(0.0, poly(p_.sigma_law_coef_v, m)) * std::sqrt(static_cast<double>(p_.n_bits_row) / n_cells);
}

bool CamRow::noiseless() const {
  for (double c : p_.sigma_law_coef_v) {
    if (c != 0.0) {
      return false;
    }
  }
  return true;
}

}  // namespace pimtx::devices
