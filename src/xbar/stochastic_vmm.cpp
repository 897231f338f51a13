#include "xbar/stochastic_vmm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "devices/registry.h"

namespace pimtx::xbar {

void StochasticVmmParams::validate() const {
  if (n_inputs < 1 || n_bits < 1 || (planes != "gaussian" && planes != "pulses") || !(g_spread_s > 0.0) ||
      n_pulses < 0 || !(v_read_v > 0.0) || comparator_offset_sigma_a < 0.0 || comparator_noise_sigma_a < 0.0) {
    throw ConfigError(
        fmt::format("stochastic VMM: need n_inputs, n_bits >= 1, planes in {{gaussian, pulses}}, "
                    "g_spread_s > 0, n_pulses >= 0, v_read_v > 0, sigmas >= 0 (planes = '{}')",
                    planes));
  }
  parasitics.validate("xbar.hash");
  if (!(t_read_s > 0.0)) {
    throw ConfigError(fmt::format("stochastic VMM: t_read_s must be > 0, got {}", t_read_s));
  }
}

StochasticVmmParams StochasticVmmParams::from_config(core::Section& s) {
  StochasticVmmParams p;
  p.n_inputs = s.get_int("n_inputs", p.n_inputs, core::Range::closed(1, 1 << 20));
  p.n_bits = s.get_int("n_bits", p.n_bits, core::Range::closed(1, 1 << 20));
  p.planes = s.get_string("planes", p.planes, {"gaussian", "pulses"});
  p.g_spread_s = s.get_double("g_spread_s", p.g_spread_s, core::Range::positive());
  p.n_pulses = s.get_int("n_pulses", p.n_pulses, core::Range::closed(0, 1 << 20));
  p.v_read_v = s.get_double("v_read_v", p.v_read_v, core::Range::positive());
  p.parasitics = Parasitics::from_config(s, p.parasitics);
  p.comparator_offset_sigma_a =
      s.get_double("comparator_offset_sigma_a", p.comparator_offset_sigma_a, core::Range::non_negative());
  p.comparator_noise_sigma_a =
      s.get_double("comparator_noise_sigma_a", p.comparator_noise_sigma_a, core::Range::non_negative());
  auto rn = s.section("read_noise");
  p.t_read_s = rn.get_double("t_read_s", p.t_read_s, core::Range::positive());
  std::shared_ptr<const devices::ReadNoise> unit = devices::read_noise_registry().create(rn, "none");
  if (unit->type() != "none") {
    p.read_noise = std::move(unit);
  }
  return p;
}

void StochasticVmmParams::to_config(core::Section& s) const {
  s.set_int("n_inputs", n_inputs);
  s.set_int("n_bits", n_bits);
  s.set_string("planes", planes);
  s.set_double("g_spread_s", g_spread_s);
  s.set_int("n_pulses", n_pulses);
  s.set_double("v_read_v", v_read_v);
  parasitics.to_config(s);
  s.set_double("comparator_offset_sigma_a", comparator_offset_sigma_a);
  s.set_double("comparator_noise_sigma_a", comparator_noise_sigma_a);
  auto rn = s.section("read_noise");
  rn.set_double("t_read_s", t_read_s);
  if (read_noise) {
    read_noise->to_config(rn);
  } else {
    rn.set_string("type", "none");  // the registry's default, as from_config() reads it
  }
}

bool StochasticVmmParams::operator==(const StochasticVmmParams& o) const {
  return n_inputs == o.n_inputs && n_bits == o.n_bits && planes == o.planes && g_spread_s == o.g_spread_s &&
         n_pulses == o.n_pulses && v_read_v == o.v_read_v && parasitics == o.parasitics &&
         comparator_offset_sigma_a == o.comparator_offset_sigma_a &&
         comparator_noise_sigma_a == o.comparator_noise_sigma_a && t_read_s == o.t_read_s &&
         devices::same_read_noise(read_noise.get(), o.read_noise.get());
}

StochasticVmm::StochasticVmm(StochasticVmmParams p, std::shared_ptr<const ProgrammingModel> model, uint64_t seed,
                             uint64_t instance)
    : p_(std::move(p)),
      model_(std::move(model)),
      seed_(seed),
      instance_(instance),
      noise_(seed, "xbar.hash.noise", instance) {
  p_.validate();
  if (!model_) {
    throw ConfigError("stochastic VMM: no programming model");
  }
  core::Rng off(seed, "xbar.hash.comparator_d2d", instance);
  offset_a_.resize(p_.n_bits);
  for (Eigen::Index k = 0; k < offset_a_.size(); ++k) {
    offset_a_(k) = p_.comparator_offset_sigma_a * off.normal();
  }
  program();
  if (p_.read_noise) {
    read_noise_.emplace(p_.read_noise, p_.n_inputs, 2 * p_.n_bits, p_.t_read_s);
  }
}

void StochasticVmm::program() {
  const Eigen::Index R = p_.n_inputs, C = 2 * p_.n_bits;
  g_.resize(R, C);
  const double g_lo = model_->g_min_s(), g_hi = model_->g_max_s(), g_mid = 0.5 * (g_lo + g_hi);
  core::Rng planes(seed_, "xbar.hash.planes", instance_);  // d2d: plane values fixed per instance
  core::Rng c2c = core::Rng(seed_, "xbar.hash.program", instance_).child("cycle", static_cast<uint64_t>(cycle_));
  const std::string d2d_stream = fmt::format("xbar.hash.d2d{}", instance_);
  cells_.a1_s.resize(R, C);
  Eigen::MatrixXd a3(R, C);
  bool nonlinear = false;
  for (Eigen::Index i = 0; i < R; ++i) {
    for (Eigen::Index k = 0; k < p_.n_bits; ++k) {
      const double w = planes.normal();
      for (int side = 0; side < 2; ++side) {
        const Eigen::Index j = 2 * k + side;
        const uint64_t cell = (static_cast<uint64_t>(i) << 32) | static_cast<uint64_t>(j);
        const core::Rng d2d0(seed_, d2d_stream, cell);
        core::Rng d2d = d2d0;
        if (p_.planes == "gaussian") {
          const double target = std::clamp(g_mid + (side == 0 ? 0.5 : -0.5) * w * p_.g_spread_s, g_lo, g_hi);
          g_(i, j) = model_->program(g_lo, target, d2d, c2c);
        } else {
          g_(i, j) = model_->random_pulses(static_cast<int>(p_.n_pulses), d2d, c2c);
        }
        d2d = d2d0;  // the same device for its read law
        const auto law = model_->read_law(g_(i, j), d2d);
        cells_.a1_s(i, j) = law[0];
        a3(i, j) = law[1];
        nonlinear = nonlinear || law[1] != 0.0;
      }
    }
  }
  cells_.a3_s_per_v2 = nonlinear ? a3 : Eigen::MatrixXd();
  solver_ = std::make_unique<NodalSolver>(cells_, p_.parasitics);
}

void StochasticVmm::reprogram() {
  ++cycle_;
  program();
}

Eigen::MatrixXd StochasticVmm::differential_currents(const Eigen::MatrixXd& x) {
  const Drive d = scaled_drive(x);
  const Eigen::MatrixXd i = solver_->solve(d).bit_currents_a;  // (2 n_bits, n_vec)
  Eigen::MatrixXd diff(p_.n_bits, i.cols());
  for (Eigen::Index k = 0; k < p_.n_bits; ++k) {
    diff.row(k) = i.row(2 * k) - i.row(2 * k + 1);
  }
  return diff;
}

Drive StochasticVmm::scaled_drive(const Eigen::MatrixXd& x) const {
  if (x.cols() != p_.n_inputs) {
    throw ConfigError(
        fmt::format("hash input vectors have length {} but the array has {} inputs", x.cols(), p_.n_inputs));
  }
  Drive d;
  d.word_v = x.transpose();  // (n_inputs, n_vec)
  for (Eigen::Index k = 0; k < d.word_v.cols(); ++k) {
    const double m = d.word_v.col(k).cwiseAbs().maxCoeff();
    if (m > 0.0) {
      d.word_v.col(k) *= p_.v_read_v / m;  // a positive scale: the sign of each projection is unchanged
    }
  }
  return d;
}

std::vector<uint8_t> StochasticVmm::sign_bits(const Eigen::MatrixXd& x) { return sign_bits(x, &noise_); }

std::vector<uint8_t> StochasticVmm::sign_bits(const Eigen::MatrixXd& x, core::Rng* noise) {
  Eigen::MatrixXd diff;
  if (read_noise_ && noise != nullptr) {
    const Drive d = scaled_drive(x);
    const Eigen::MatrixXd i = read_noise_->apply(solver_->solve(d).bit_currents_a, cells_, d, *noise);
    diff.resize(p_.n_bits, i.cols());
    for (Eigen::Index k = 0; k < p_.n_bits; ++k) {
      diff.row(k) = i.row(2 * k) - i.row(2 * k + 1);
    }
  } else {
    diff = differential_currents(x);
  }
  std::vector<uint8_t> bits(static_cast<size_t>(diff.cols() * diff.rows()));  // (n_vec, n_bits)
  for (Eigen::Index v = 0; v < diff.cols(); ++v) {
    for (Eigen::Index k = 0; k < diff.rows(); ++k) {
      double s = diff(k, v) + offset_a_(k);
      if (p_.comparator_noise_sigma_a > 0.0 && noise != nullptr) {
        s += p_.comparator_noise_sigma_a * noise->normal();
      }
      bits[static_cast<size_t>(v * diff.rows() + k)] = s > 0.0 ? 1 : 0;
    }
  }
  return bits;
}

Eigen::MatrixXd unit_pairs_at_angle(int n_pairs, int dim, double theta_rad, core::Rng& rng) {
  Eigen::MatrixXd x(2 * n_pairs, dim);
  for (int p = 0; p < n_pairs; ++p) {
    Eigen::VectorXd a(dim), b(dim);
    for (int i = 0; i < dim; ++i) {
      a(i) = rng.normal();
      b(i) = rng.normal();
    }
    a.normalize();
    b -= b.dot(a) * a;
    b.normalize();
    x.row(2 * p) = a.transpose();
    x.row(2 * p + 1) = (std::cos(theta_rad) * a + std::sin(theta_rad) * b).transpose();
  }
  return x;
}

}  // namespace pimtx::xbar
