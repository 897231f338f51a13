// `crossbar` linear unit: weight-stationary processing in memory (ReTransformer-style; Yang et al. 2025) — every
// selected weight matrix is programmed into passive memristor crossbar tiles and each token's product is read
// through DAC -> array (IR drop, sneak paths) -> TIA -> ADC -> digital decode and shift-add.
//
// Mapping: Wᵀ (in, out) is cut into tiles of n_tile_rows word lines × n_tile_cols bit lines; a tile holds as many
// outputs as fit (n_out·cols_per_output + extra columns of the signed encoding, xbar/signed_encoding.h:
// "differential" pairs or "offset" + reference column, n_levels per cell, n_slices digit columns); row tiles'
// partial sums are added digitally. Weights are normalised per tile or per output column (weight_scale) to
// [−1, 1]; the level of each cell sets its target conductance in the window [g_lo_s, g_hi_s] (0 = the
// programming model's range; targets outside the model's range are clipped and counted). Cells are programmed
// through the programming slot ([programming]: "ideal", "gaussian", "device" with a device card, with
// write-verify and stuck-at cells from [mapping]).
// Array: for linear cells each tile is reduced once, after programming, to its exact transfer matrices
// (xbar::NodalSolver::transfer_matrix: column currents M·v, power vᵀ·W·v), so every read is a small dense
// product; cells with a cubic read law (programming "device" with read_law "full") are solved per read
// (Newton), and the error of the linear (A1-only) law on the same reads is reported in write_stats.
// Inputs: DAC of n_dac_bits over [−x_max, x_max] -> ±v_read_v, as one analog read ("amplitude") or one read per
// magnitude bit ("bit_serial", sign-magnitude drive); x_max from the calibration pass (dac_margin_rel × max |x|)
// or fixed (dac_x_max). Outputs: per column TIA (r_tia_ohm) and an ADC of the xbar ADC registry ([adc], default
// "uniform" 8 bits, range per tile from the calibration pass unless v_range_v is set); n_cols_per_adc columns
// share one ADC (the tile is activated once per column group). Read noise: relative per cell and read
// (read_noise_sigma_rel, column-equivalent Gaussian). output_gain_calibration: in calibration pass 2 each
// output's analog result (ideal ADC) is fitted to the exact product, y_exact ≈ g_j·y_analog (least squares), and
// g_j is applied digitally afterwards — the usual per-column gain trim that absorbs the mean IR-drop attenuation.
//
// Contract (linear.h): roles not in `roles` run the exact digital product. Calibration: 2 passes (input range,
// then ADC range with the calibrated DAC and an ideal ADC); during them forward() returns the exact product.
// An on-array unit whose ranges are neither calibrated nor fixed throws NumericError in forward().
// Streams: per matrix seed = Rng(seed, "arch.linear.<role>", layer); programming streams of xbar::program_cells
// with tile index; "xbar.adc.d2d" (tile); run-time noise "arch.linear.noise" (tile) in call order.
// Counts (events, per forward call; programming events once, at the first forward() after calibration):
//   xbar.array_reads     tokens × reads per token (1, or n_dac_bits bit-serial) × tiles × n_cols_per_adc
//   xbar.cells_read      tokens × reads × Σ_tiles rows·physical cols
//   dac.conversions      tokens × reads × Σ_tiles rows
//   adc.conversions      tokens × reads × Σ_tiles physical cols
//   digital.adds         tokens × (Σ_tiles [reads·(phys cols − outputs (+ outputs for offset's input sum)) +
//                        (reads − 1)·outputs] + (row tiles − 1)·out)
//   xbar.program_pulses, xbar.cells_programmed (programming; pulses as reported by the programming model)
//   sums xbar.read_power_w: Σ over array activations of Σ_i V_i·I_i (solved, IR drop included)
// macs = tokens·in·out (the multiply-accumulates the arrays perform in analog; the events say how);
// bytes_read / bytes_written count the float32 activations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "arch/linear/linear.h"
#include "core/rng.h"
#include "xbar/array.h"
#include "xbar/mapping.h"
#include "xbar/nodal_solver.h"
#include "xbar/peripherals.h"
#include "xbar/programming.h"
#include "xbar/signed_encoding.h"

namespace pimtx::arch {

struct CrossbarLinearParams {
  std::vector<std::string> roles = {"w1", "w2", "w3", "wq", "wk", "wv", "wqkv", "wo"};
  int64_t n_tile_rows = 128;
  int64_t n_tile_cols = 128;
  std::string mapping = "differential";  // [mapping] type (xbar::signed_encoding_registry)
  xbar::CellQuantization quant;          // [mapping] n_levels, n_slices
  std::string weight_scale = "column";   // [mapping] "tile" or "column"
  xbar::MappingParams program;           // [mapping] n_write_verify, verify_tol_rel, p_stuck_on_rel, p_stuck_off_rel
  double g_lo_s = 0.0;                   // mapping window; 0 = programming model's g_min_s / g_max_s
  double g_hi_s = 0.0;
  std::string input = "amplitude";  // or "bit_serial"
  int64_t n_dac_bits = 8;           // 0 = unquantised amplitude
  double v_read_v = 0.2;            // full-scale word-line voltage
  double dac_x_max = 0.0;           // 0 = calibrate
  double dac_margin_rel = 1.0;
  double r_tia_ohm = 1000.0;
  int64_t n_cols_per_adc = 1;
  xbar::Parasitics parasitics{2.5, 2.5, 2.5, 2.5};  // devices.md §1.2 setup
  double read_noise_sigma_rel = 0.0;
  bool count_read_power = true;
  bool output_gain_calibration = false;  // per-output digital gain fitted in calibration pass 1 (least squares)
  int64_t n_threads = 0;                 // tile characterisation and large forwards; 0 = hardware threads

  void validate() const;
  // Reads [arch.linear] (this section) with its [mapping] sub-table; [programming] and [adc] are read by the unit.
  static CrossbarLinearParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads, [mapping] included
  bool operator==(const CrossbarLinearParams&) const = default;
};

class CrossbarLinear final : public Linear {
 public:
  CrossbarLinear(core::Section& cfg, const LinearInit& init);
  ~CrossbarLinear() override;
  [[nodiscard]] int64_t in_features() const override { return n_in_; }
  [[nodiscard]] int64_t out_features() const override { return n_out_; }
  void forward(const ConstMatRef& x, MatRef y, OpCounts& counts) override;
  void write_stats(io::ResultFile& file, const std::string& group) const override;
  [[nodiscard]] int n_calibration_passes() const override;
  void begin_calibration_pass(int pass) override;
  void end_calibration_pass(int pass) override;

  [[nodiscard]] bool on_array() const { return on_array_; }
  [[nodiscard]] size_t n_tiles() const { return tiles_.size(); }
  // Σ of the programmed read conductances a1 over all cells (S); identical for identical programming.
  [[nodiscard]] double conductance_sum_s() const;
  [[nodiscard]] double characterisation_s() const { return t_characterise_s_; }

 private:
  struct Tile;
  void run_tiles(const Eigen::MatrixXd& xt, Eigen::MatrixXd& yt, bool ideal_adc, OpCounts* counts);
  void run_tile(Tile& t, const std::vector<Eigen::MatrixXd>& slices, double x_scale, bool ideal_adc,
                Eigen::MatrixXd& yt, double& power_w);

  CrossbarLinearParams p_;
  std::string role_;
  int layer_ = 0;
  int64_t n_in_ = 0, n_out_ = 0;
  bool on_array_ = false;
  Mat w_;  // (out, in) exact weights: digital roles, and the exact product during calibration
  std::unique_ptr<xbar::SignedEncoding> enc_;
  std::unique_ptr<xbar::Dac> dac_;
  std::vector<std::unique_ptr<Tile>> tiles_;
  int64_t n_row_blocks_ = 0, outs_per_tile_ = 0;
  double g_lo_s_ = 0.0, dg_s_ = 0.0;
  int calib_pass_ = -1;  // pass in progress, -1 = none
  bool dac_ready_ = false, adc_ready_ = false, programming_counted_ = false;
  double x_abs_max_ = 0.0;
  int64_t n_pulses_ = 0, n_cells_ = 0, n_clipped_ = 0, n_stuck_ = 0;
  double t_characterise_s_ = 0.0;
  Eigen::VectorXd gain_, gain_num_, gain_den_;  // (out) output gain correction and its least-squares sums
};

}  // namespace pimtx::arch
