// Fits of device-model parameters to (SPICE or measured) data. Each returns parameters plus devices::FitQuality.
//
// Contract: inputs are plain vectors in SI units; nothing is mutated; CalibrationError when the data cannot
// determine the parameters (too few points, degenerate design), naming the fit.
//
//  - fit_metal_oxide_iv: per nominal conductance G0, I = A1·V + A3·V³ by least squares; then, across G0,
//    A1 = a0 + a1·G0 + a2·T and A3 = b0·G0 + b1·G0² + b2·T^e with a2, b2, e kept from `base` (one temperature
//    cannot separate the T terms from the constants) — fitted: a0, a1, b0, b1.
//  - fit_metal_oxide_pulses: ΔG_measured = s·ΔG_model(base) per polarity (least squares scale s on c0), and
//    the relative spread std(ΔG_meas/(s·ΔG_model) − 1) as update_c2c_sigma_rel (pulses with |ΔG_model| below
//    1e-3 of the largest are left out of the spread).
//  - fit_retention: per cell, ln(V − V_hold) = ln(V0 − V_hold) − t/τ by least squares (points with V − V_hold
//    <= 1e-3·(V0 − V_hold) are dropped); returns the median τ (exp of mean ln τ) and σ of ln τ.
//  - fit_read_polynomial: I_read(V_s, V_r) polynomial of total degree n, least squares weighted by 1/|I|
//    (relative error), as in Leroux et al. Eq. 4 (devices.md §3.4).
#pragma once

#include <optional>
#include <vector>

#include "calibration/fit.h"
#include "calibration/measured_data.h"
#include "devices/card.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"

namespace pimtx::calibration {

struct IvFit {
  std::array<double, 3> a1_law_si{};
  std::array<double, 4> a3_law_si{};
  FitResult a1_fit, a3_fit;
  double max_rel_current_error = 0;  // of the final law against the data, |I| > 1e-3·max|I|
};
IvFit fit_metal_oxide_iv(const IvData& d, const devices::MetalOxideParams& base);

struct PulseFit {
  double set_scale_rel = 1, reset_scale_rel = 1;
  double set_scale_std_err = 0, reset_scale_std_err = 0;
  double c2c_sigma_rel = 0;
  FitResult set_fit, reset_fit;
};
PulseFit fit_metal_oxide_pulses(const PulseData& d, const devices::MetalOxideParams& base);

struct RetentionFit {
  double tau_median_s = 0;
  double ln_tau_sigma = 0;
  std::vector<double> tau_cell_s;
  devices::FitQuality quality;  // worst cell R², pooled residuals (in ln V)
};
RetentionFit fit_retention(const RetentionData& d, double v_hold_v);

struct ReadFit {
  devices::ReadPolynomial poly;
  FitResult fit;
};
ReadFit fit_read_polynomial(const std::vector<double>& v_store_v, const std::vector<double>& v_read_v,
                            const std::vector<double>& i_read_a, int degree, double v_store_offset_v);

devices::FitQuality quality_of(const FitResult& f);

}  // namespace pimtx::calibration

namespace pimtx::calibration {

// Metal-oxide I–V population (SPICE Monte Carlo over the d2d draw ξ): per device I = A1·V + A3·V³, then per G0
// the mean and standard deviation of A1, A3 across devices, then the four laws of metal_oxide.h across G0 at
// the one calibration temperature. Because T is fixed, each law's T term is merged into a fitted constant:
// a0 (A1), b2 (A3, the T^e term is a constant), p0 (σ_A1), q0 (σ_A3); a2, e, p2, q2 and q4 keep `base`.
// i_a: (n_g0 × n_devices) row-major, nullopt = failed (skipped). iv_d2d_scale_rel of the result is 1.
struct IvPopulationFit {
  std::array<double, 3> a1_law_si{};
  std::array<double, 4> a3_law_si{};
  std::array<double, 4> sigma_a1_law_si{};
  std::array<double, 5> sigma_a3_law_si{};
  FitResult a1_fit, a3_fit, sigma_a1_fit, sigma_a3_fit;
  double max_rel_mean_error = 0;  // card's mean A1, A3 against the SPICE population means
  size_t n_devices_used = 0;
};
IvPopulationFit fit_metal_oxide_iv_population(const std::vector<double>& g0_s, const std::vector<double>& v_v,
                                              const std::vector<std::optional<std::vector<double>>>& i_a,
                                              size_t n_devices, const devices::MetalOxideParams& base);

}  // namespace pimtx::calibration
