// CAM card calibration (issue 14): the binary-attention CAM row of src/circuits/cam.h simulated in ngspice (through
// the worker pool) over Hamming counts, supply and temperature corners and transistor/capacitor mismatch Monte
// Carlo, fitted to the CamRow model of src/devices/cam_row.h and written as a device card of model "cam".
//
// What is measured (every figure from the SPICE transients; nothing hand-entered but the mismatch inputs):
//   nominal sweep   V_ml at the end of the share window for h in `hamming` (vdd_v, temp 27 C, no mismatch) ->
//                   law V(m) = polynomial of degree law_degree in m = h / n_bits (least squares), its residuals as
//                   a fraction of full scale FS = V(1) − V(0) (derived/law_max_abs_residual_fs);
//                   search energy per row = Σ_sources ∫ −v·i dt over the transient (params/e_search_row_j = mean
//                   over h; derived/e_search_row_{min,max}_j); settling time = last time after the share starts at
//                   which V_ml is more than 0.5 % FS from its final value (params/t_settle_s = max over h)
//   corners         V_ml at `corner_hamming` for every (vdd_rel, temp_c) pair, no mismatch: deviation from the
//                   nominal law in % FS, max and mean (derived/pvt_max_abs_dev_fs, pvt_mean_abs_dev_fs), for an ADC
//                   whose references stay at the nominal full scale
//   Monte Carlo     n_mc rows with per-transistor delvto ~ N(0, a_vt_v_m / sqrt(W L)) (Pelgrom) and per-cell
//                   capacitor multipliers 1 + N(0, c_mismatch_sigma_rel), stored/query bits redrawn per row, at
//                   `mc_hamming` (nominal corner): σ of V_ml across rows at each h -> sigma law (degree
//                   sigma_degree in m, arrays/sigma_law_coef_v); mean |V − law| / FS (derived/mc_mean_abs_err_fs)
// Draws: core::Rng(seed, "calibrate.spice.cam.d2d", row) for mismatch, (seed, "calibrate.spice.cam.bits", point) for
// the stored/query bits of each point.
// Config ([calibrate], model = "cam", source = "spice"): n_bits (64), hamming, corner_hamming, vdd_rel, temp_c, n_mc,
// mc_hamming, a_vt_v_m, c_mismatch_sigma_rel, law_degree, sigma_degree, c_unit_f, c_ml_f, vdd_v, v_boost_v, w_m,
// l_m, t_step_s, t_max_step_s, spice_workers (cam_calibration.cpp).
// Contract: build_cam_calibration() reads every key (unknown keys are rejected before any work); run() returns the
// card. A failed SPICE point is recorded in the card's failed_points and left out of the fits.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "calibration/calibrate.h"
#include "calibration/spice_runner.h"
#include "circuits/cam.h"

namespace pimtx::calibration {

std::unique_ptr<Calibration> build_cam_calibration(core::Section& cal, const std::string& source, uint64_t seed);

// One SPICE search of a CAM row (for tests): the match-line voltage at the end of the share window (V), the search
// energy (J) and the settling time to `settle_tol_v` of the final value after the share starts (s).
struct CamSearch {
  double v_ml_v = 0, energy_j = 0;
  std::vector<double> t_s, v_ml_trace_v;  // the match line from the share start to the end
};
// Runs each spec (its `analysis` is ignored; the transient uses t_step_s / t_max_step_s) through the pool; a failed
// point is nullopt and recorded in `prov`.
std::vector<std::optional<CamSearch>> run_cam_searches(spice::WorkerPool& pool,
                                                       const std::vector<circuits::CamRowSpec>& specs, double t_step_s,
                                                       double t_max_step_s, SpiceRun& prov, const std::string& label);
// The stored/query bits of a search with h matches out of n: stored bits uniform, the n − h mismatching cells chosen
// at random (stream "calibrate.spice.cam.bits", point).
void draw_cam_bits(circuits::CamRowSpec& spec, size_t h, uint64_t seed, uint64_t point);

}  // namespace pimtx::calibration
