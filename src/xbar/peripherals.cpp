#include "xbar/peripherals.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"

namespace pimtx::xbar {

void DacParams::validate() const {
  if (n_bits < 0 || n_bits > 30 || !(v_max_v > 0.0) || !(x_max >= 0.0) || n_slices < 1 ||
      (n_slices > 1 && n_bits < n_slices)) {
    throw ConfigError(
        fmt::format("dac: need 0 <= n_bits <= 30, v_max_v > 0, x_max >= 0, 1 <= n_slices <= n_bits "
                    "(got n_bits = {}, v_max_v = {}, x_max = {}, n_slices = {})",
                    n_bits, v_max_v, x_max, n_slices));
  }
}

DacParams DacParams::from_config(core::Section& s) {
  DacParams p;
  p.n_bits = s.get_int("n_bits", p.n_bits, core::Range::closed(0, 30));
  p.v_max_v = s.get_double("v_max_v", p.v_max_v, core::Range::positive());
  p.x_max = s.get_double("x_max", p.x_max, core::Range::non_negative());
  p.n_slices = s.get_int("n_slices", p.n_slices, core::Range::closed(1, 30));
  if (p.n_slices > 1 && p.n_bits < p.n_slices) {
    s.fail("n_slices", fmt::format("bit-slicing needs n_bits >= n_slices (n_bits = {})", p.n_bits));
  }
  return p;
}

void DacParams::to_config(core::Section& s) const {
  s.set_int("n_bits", n_bits);
  s.set_double("v_max_v", v_max_v);
  s.set_double("x_max", x_max);
  s.set_int("n_slices", n_slices);
}

Dac::Dac(DacParams p) : p_(p) { p_.validate(); }

std::vector<Eigen::MatrixXd> Dac::slices(const Eigen::MatrixXd& x, double& x_scale) const {
  x_scale = p_.x_max > 0.0 ? p_.x_max : x.cwiseAbs().maxCoeff();
  if (x_scale == 0.0) {
    x_scale = 1.0;
  }
  const Eigen::MatrixXd xc = x.cwiseMax(-x_scale).cwiseMin(x_scale) / x_scale;  // in [-1, 1]
  if (p_.n_bits == 0) {
    return {xc * p_.v_max_v};
  }
  const double q_max = std::ldexp(1.0, static_cast<int>(p_.n_bits)) - 1.0;
  const Eigen::MatrixXd q = (xc * q_max).array().round().matrix();
  if (p_.n_slices == 1) {
    return {q / q_max * p_.v_max_v};
  }
  const int b = static_cast<int>((p_.n_bits + p_.n_slices - 1) / p_.n_slices);
  const double base = std::ldexp(1.0, b);
  std::vector<Eigen::MatrixXd> out;
  Eigen::MatrixXd mag = q.cwiseAbs();
  const Eigen::MatrixXd sgn = q.array().sign().matrix();
  for (int64_t s = 0; s < p_.n_slices; ++s) {
    const Eigen::MatrixXd digit = (mag.array() - (mag.array() / base).floor() * base).matrix();
    mag = (mag.array() / base).floor().matrix();
    out.push_back(sgn.cwiseProduct(digit) / (base - 1.0) * p_.v_max_v);
  }
  return out;
}

double Dac::slice_weight(int64_t s, double x_scale) const {
  // Volts -> input units: unsliced V = x/x_scale · v_max; slice s carries digit·2^(b·s) of the code.
  if (p_.n_bits == 0 || p_.n_slices == 1) {
    return x_scale / p_.v_max_v;
  }
  const int b = static_cast<int>((p_.n_bits + p_.n_slices - 1) / p_.n_slices);
  const double q_max = std::ldexp(1.0, static_cast<int>(p_.n_bits)) - 1.0;
  return x_scale / p_.v_max_v * std::ldexp(1.0, b * static_cast<int>(s)) * (std::ldexp(1.0, b) - 1.0) / q_max;
}

void TiaParams::validate() const {
  if (!(r_tia_ohm > 0.0) || !(v_sat_v >= 0.0)) {
    throw ConfigError(fmt::format("tia: need r_tia_ohm > 0 and v_sat_v >= 0 (got {}, {})", r_tia_ohm, v_sat_v));
  }
}

TiaParams TiaParams::from_config(core::Section& s) {
  TiaParams p;
  p.r_tia_ohm = s.get_double("r_tia_ohm", p.r_tia_ohm, core::Range::positive());
  p.v_sat_v = s.get_double("v_sat_v", p.v_sat_v, core::Range::non_negative());
  return p;
}

void TiaParams::to_config(core::Section& s) const {
  s.set_double("r_tia_ohm", r_tia_ohm);
  s.set_double("v_sat_v", v_sat_v);
}

Eigen::MatrixXd add_read_noise(const Eigen::MatrixXd& currents_a, const CellArray& cells, const Drive& drive,
                               double sigma_rel, core::Rng& rng) {
  if (sigma_rel <= 0.0) {
    return currents_a;
  }
  Eigen::MatrixXd out = currents_a;
  for (Eigen::Index k = 0; k < out.cols(); ++k) {
    for (Eigen::Index j = 0; j < out.rows(); ++j) {
      double var = 0.0;
      for (Eigen::Index i = 0; i < cells.rows(); ++i) {
        const double c = cells.a1_s(i, j) * (drive.word_v(i, k) - drive.bit_voltage(j, k));
        var += c * c;
      }
      out(j, k) += sigma_rel * std::sqrt(var) * rng.normal();
    }
  }
  return out;
}

CellReadNoise::CellReadNoise(std::shared_ptr<const devices::ReadNoise> unit, Eigen::Index rows, Eigen::Index cols,
                             double t_read_s)
    : unit_(std::move(unit)), states_(static_cast<size_t>(rows * cols)), cols_(cols), t_read_s_(t_read_s) {
  if (!unit_) {
    throw ConfigError("read noise: no unit");
  }
  if (!(t_read_s > 0.0)) {
    throw ConfigError(fmt::format("read noise: t_read_s must be > 0, got {}", t_read_s));
  }
}

Eigen::MatrixXd CellReadNoise::apply(const Eigen::MatrixXd& currents_a, const CellArray& cells, const Drive& drive,
                                     core::Rng& rng) {
  if (cells.rows() * cells.cols() != static_cast<Eigen::Index>(states_.size()) || cells.cols() != cols_) {
    throw NumericError("read noise: built for another array shape");
  }
  Eigen::MatrixXd out = currents_a;
  const bool nl = cells.nonlinear();
  for (Eigen::Index k = 0; k < out.cols(); ++k) {
    const double t = t_now_s_ + static_cast<double>(k) * t_read_s_;
    for (Eigen::Index i = 0; i < cells.rows(); ++i) {
      for (Eigen::Index j = 0; j < cells.cols(); ++j) {
        const double v = drive.word_v(i, k) - drive.bit_voltage(j, k);
        const double c = cells.a1_s(i, j) * v + (nl ? cells.a3_s_per_v2(i, j) * v * v * v : 0.0);
        out(j, k) += unit_->apply(c, v, t, states_[static_cast<size_t>(i * cols_ + j)], rng) - c;
      }
    }
  }
  t_now_s_ += static_cast<double>(out.cols()) * t_read_s_;
  return out;
}

UniformAdcParams UniformAdcParams::from_config(core::Section& s) {
  UniformAdcParams p;
  p.n_bits = s.get_int("n_bits", p.n_bits, core::Range::closed(2, 24));
  p.v_range_v = s.get_double("v_range_v", p.v_range_v, core::Range::non_negative());
  p.calibration_margin_rel = s.get_double("calibration_margin_rel", p.calibration_margin_rel, core::Range::positive());
  p.offset_sigma_v = s.get_double("offset_sigma_v", p.offset_sigma_v, core::Range::non_negative());
  p.noise_sigma_v = s.get_double("noise_sigma_v", p.noise_sigma_v, core::Range::non_negative());
  return p;
}

void UniformAdcParams::to_config(core::Section& s) const {
  s.set_int("n_bits", n_bits);
  s.set_double("v_range_v", v_range_v);
  s.set_double("calibration_margin_rel", calibration_margin_rel);
  s.set_double("offset_sigma_v", offset_sigma_v);
  s.set_double("noise_sigma_v", noise_sigma_v);
}

UniformAdc::UniformAdc(UniformAdcParams p, Eigen::Index n_cols, core::Rng& d2d)
    : p_(p), offset_v_(n_cols), range_v_(p.v_range_v) {
  for (Eigen::Index j = 0; j < n_cols; ++j) {
    offset_v_(j) = p_.offset_sigma_v * d2d.normal();
  }
}

void UniformAdc::calibrate(const Eigen::MatrixXd& v) {
  if (p_.v_range_v == 0.0) {
    range_v_ = p_.calibration_margin_rel * v.cwiseAbs().maxCoeff();
  }
}

Eigen::MatrixXd UniformAdc::convert(const Eigen::MatrixXd& v, core::Rng& noise) const {
  if (!(range_v_ > 0.0)) {
    throw NumericError("uniform ADC: range is 0 (set v_range_v or calibrate on non-zero data first)");
  }
  if (v.rows() != offset_v_.size()) {
    throw NumericError(fmt::format("uniform ADC built for {} columns got {}", offset_v_.size(), v.rows()));
  }
  // 2^n − 1 levels, symmetric, 0 is a level: lsb = range / (2^(n−1) − 1).
  const double lsb = range_v_ / (std::ldexp(1.0, static_cast<int>(p_.n_bits) - 1) - 1.0);
  Eigen::MatrixXd out(v.rows(), v.cols());
  for (Eigen::Index k = 0; k < v.cols(); ++k) {
    for (Eigen::Index j = 0; j < v.rows(); ++j) {
      double x = v(j, k) + offset_v_(j);
      if (p_.noise_sigma_v > 0.0) {
        x += p_.noise_sigma_v * noise.normal();
      }
      x = std::clamp(x, -range_v_, range_v_);
      out(j, k) = std::round(x / lsb) * lsb;
    }
  }
  return out;
}

}  // namespace pimtx::xbar
