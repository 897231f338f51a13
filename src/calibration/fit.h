// Least-squares fitting helpers (Eigen) with the quality figures every device card reports.
//
// Contract: fit_linear() solves min ‖W(A·p − y)‖² by column-pivoted QR; it returns the parameters, their
// standard errors (sqrt of diag(σ²·(AᵀWA)⁻¹) with σ² = weighted residual variance), R², and the RMS and max
// absolute residuals. CalibrationError if there are fewer points than parameters or the design is
// rank-deficient, naming `what`. Pure: nothing is mutated.
#pragma once

#include <string>
#include <vector>

namespace pimtx::calibration {

struct FitResult {
  std::vector<double> params;
  std::vector<double> std_err;
  double r2 = 0.0;
  double rms_residual = 0.0;
  double max_abs_residual = 0.0;
  double max_rel_residual = 0.0;  // max |residual / y| over points with y != 0
  size_t n_points = 0;
};

// design: (n_points, n_params) row-major; weights empty = all 1.
FitResult fit_linear(const std::vector<double>& design, size_t n_params, const std::vector<double>& y,
                     const std::vector<double>& weights, const std::string& what);

// Sample mean and (n−1) standard deviation.
double mean(const std::vector<double>& v);
double stddev(const std::vector<double>& v);

}  // namespace pimtx::calibration
