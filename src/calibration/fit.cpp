#include "calibration/fit.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>

#include "core/errors.h"

namespace pimtx::calibration {

FitResult fit_linear(const std::vector<double>& design, size_t n_params, const std::vector<double>& y,
                     const std::vector<double>& weights, const std::string& what) {
  const size_t n = y.size();
  if (n_params == 0 || design.size() != n * n_params || (!weights.empty() && weights.size() != n)) {
    throw CalibrationError(fmt::format("{}: inconsistent fit inputs ({} values for {} points x {} parameters)", what,
                                       design.size(), n, n_params));
  }
  if (n < n_params) {
    throw CalibrationError(fmt::format("{}: {} usable points for {} parameters", what, n, n_params));
  }
  const auto np = static_cast<Eigen::Index>(n_params);
  const auto nn = static_cast<Eigen::Index>(n);
  Eigen::MatrixXd a(nn, np);
  Eigen::VectorXd b(nn);
  for (Eigen::Index i = 0; i < nn; ++i) {
    const double w = weights.empty() ? 1.0 : weights[static_cast<size_t>(i)];
    for (Eigen::Index j = 0; j < np; ++j) {
      a(i, j) = w * design[static_cast<size_t>(i) * n_params + static_cast<size_t>(j)];
    }
    b(i) = w * y[static_cast<size_t>(i)];
  }
  // Column scaling keeps the QR rank test meaningful when columns differ by many decades (G0 vs G0²).
  Eigen::VectorXd scale = a.colwise().norm().transpose();
  for (Eigen::Index j = 0; j < np; ++j) {
    if (scale(j) == 0) {
      throw CalibrationError(fmt::format("{}: parameter {} has an all-zero design column", what, j));
    }
    a.col(j) /= scale(j);
  }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  if (qr.rank() < np) {
    throw CalibrationError(
        fmt::format("{}: design matrix is rank-deficient (rank {} < {} parameters)", what, qr.rank(), np));
  }
  const Eigen::VectorXd ps = qr.solve(b);
  const Eigen::VectorXd res_w = a * ps - b;
  FitResult r;
  r.n_points = n;
  const double dof = n > n_params ? static_cast<double>(n - n_params) : 1.0;
  const double sigma2 = res_w.squaredNorm() / dof;
  // Covariance of the scaled parameters: σ²·(AᵀA)⁻¹, via R from the QR (AP = QR).
  const Eigen::MatrixXd ata_inv = (a.transpose() * a).inverse();
  for (Eigen::Index j = 0; j < np; ++j) {
    r.params.push_back(ps(j) / scale(j));
    r.std_err.push_back(std::sqrt(std::max(0.0, sigma2 * ata_inv(j, j))) / scale(j));
  }
  // Unweighted residuals for the quality figures.
  double ss_res = 0, ss_tot = 0, ym = 0;
  for (size_t i = 0; i < n; ++i) {
    ym += y[i];
  }
  ym /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    double pred = 0;
    for (size_t j = 0; j < n_params; ++j) {
      pred += design[i * n_params + j] * r.params[j];
    }
    const double e = pred - y[i];
    ss_res += e * e;
    ss_tot += (y[i] - ym) * (y[i] - ym);
    r.max_abs_residual = std::max(r.max_abs_residual, std::fabs(e));
    if (y[i] != 0) {
      r.max_rel_residual = std::max(r.max_rel_residual, std::fabs(e / y[i]));
    }
  }
  r.rms_residual = std::sqrt(ss_res / static_cast<double>(n));
  r.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1.0;
  return r;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) {
    s += x;
  }
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) {
    return 0.0;
  }
  const double m = mean(v);
  double s = 0;
  for (double x : v) {
    s += (x - m) * (x - m);
  }
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace pimtx::calibration
