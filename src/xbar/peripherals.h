// Array peripherals: DAC with input bit-slicing, sense / transimpedance amplifier, ADC, read noise.
//
// Contract: each stage maps a batch (one column per vector) to a batch and mutates only its own
// calibration (Adc::calibrate) — never its inputs. Units: inputs are dimensionless numbers, DAC output
// volts, bit-line currents amperes, TIA output volts, ADC output volts (quantised). Run-time randomness
// (ADC noise, read noise) comes from the Rng passed in; fixed per-instance draws (ADC column offsets)
// from the instance's d2d stream at construction.
// ADC units (registry.cpp, config `[...adc] type = ...`):
//   "ideal"    passes the TIA voltage through.
//   "uniform"  n_bits levels over [−v_range_v, v_range_v] (clipped); v_range_v = 0 means calibrate: the
//              range is set to calibration_margin_rel × max |v| seen by calibrate(); a per-column offset
//              N(0, offset_sigma_v) fixed per instance and N(0, noise_sigma_v) per conversion are added
//              before quantisation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/rng.h"
#include "devices/read_noise.h"
#include "xbar/array.h"

namespace pimtx::xbar {

// Signed inputs x -> word-line volts: code q = round(x / x_max · (2^n_bits − 1)) (n_bits = 0: no
// quantisation), V = q/(2^n_bits − 1) · v_max_v. With n_slices > 1 the code's magnitude is cut into
// n_slices digits of ceil(n_bits / n_slices) bits (least significant first), each applied as its own read;
// slice_weight(s) recombines them (sum_s weight_s · y_s == y of the unsliced code for a linear array).
struct DacParams {
  int64_t n_bits = 0;
  double v_max_v = 0.2;  // read voltage of full-scale input (metal-oxide read range |V| <= 0.4 V)
  double x_max = 0.0;    // input mapped to v_max_v; 0 = max |x| of each batch
  int64_t n_slices = 1;
  void validate() const;
  static DacParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const DacParams&) const = default;
};

class Dac {
 public:
  explicit Dac(DacParams p);
  // Slices of one batch: (n_slices) matrices of volts (n_in, n_vec); x_scale receives the x_max used.
  std::vector<Eigen::MatrixXd> slices(const Eigen::MatrixXd& x, double& x_scale) const;
  // Weight of slice s in input units per volt: y = sum_s slice_weight(s, x_scale) · (W^T V_s).
  [[nodiscard]] double slice_weight(int64_t s, double x_scale) const;
  [[nodiscard]] const DacParams& params() const { return p_; }

 private:
  DacParams p_;
};

struct TiaParams {
  double r_tia_ohm = 1000.0;  // transimpedance gain
  double v_sat_v = 0.0;       // output clips at ±v_sat_v; 0 = no clipping
  void validate() const;
  static TiaParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const TiaParams&) const = default;
};

// Column-equivalent read noise: each cell current gets relative noise sigma_rel per operation, so column
// j gets N(0, sigma_rel² · sum_i (a1_ij · V_ij)²) with V_ij ≈ V_i − Vbit_j (first order in the noise).
Eigen::MatrixXd add_read_noise(const Eigen::MatrixXd& currents_a, const CellArray& cells, const Drive& drive,
                               double sigma_rel, core::Rng& rng);

// Per-cell read noise from a devices::ReadNoise unit (read_noise.h: "none", "white_rtn" — white relative,
// thermal, random telegraph with per-device state), config slot `[...read_noise] type = ...`. Each cell's
// noise-free current I_ij = a1·V + a3·V³ at V = V_i − Vbit_j (driver voltages: the noise amplitude is taken
// to first order in IR drop, as in add_read_noise) goes through ReadNoise::apply(); the difference joins its
// bit line. Vector k of a batch is read at t_now + k·t_read_s (RTN dwell times are in seconds); the clock
// advances by n_vec·t_read_s per call. Mutates only the per-cell RTN states and the clock; draws from `rng`.
class CellReadNoise {
 public:
  CellReadNoise(std::shared_ptr<const devices::ReadNoise> unit, Eigen::Index rows, Eigen::Index cols, double t_read_s);
  // currents_a: (cols, n_vec) -> (cols, n_vec).
  Eigen::MatrixXd apply(const Eigen::MatrixXd& currents_a, const CellArray& cells, const Drive& drive, core::Rng& rng);
  [[nodiscard]] const devices::ReadNoise& unit() const { return *unit_; }

 private:
  std::shared_ptr<const devices::ReadNoise> unit_;
  std::vector<devices::ReadNoiseState> states_;  // (rows·cols), row-major
  Eigen::Index cols_;
  double t_read_s_;
  double t_now_s_ = 0.0;
};

class Adc {
 public:
  virtual ~Adc() = default;
  [[nodiscard]] virtual std::string type() const = 0;
  virtual void calibrate(const Eigen::MatrixXd& v) = 0;  // (cols, n_vec) volts
  virtual Eigen::MatrixXd convert(const Eigen::MatrixXd& v, core::Rng& noise) const = 0;
  // Full-scale input range (V) of a quantising ADC: converts [−range, range]; 0 while a range still has to come
  // from calibrate(). nullopt for an ADC without a range (ideal), which needs no calibration.
  [[nodiscard]] virtual std::optional<double> range_v() const { return std::nullopt; }
};

class IdealAdc final : public Adc {
 public:
  [[nodiscard]] std::string type() const override { return "ideal"; }
  void calibrate(const Eigen::MatrixXd&) override {}
  Eigen::MatrixXd convert(const Eigen::MatrixXd& v, core::Rng&) const override { return v; }
};

struct UniformAdcParams {
  int64_t n_bits = 8;
  double v_range_v = 0.0;
  double calibration_margin_rel = 1.0;
  double offset_sigma_v = 0.0;
  double noise_sigma_v = 0.0;
  static UniformAdcParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads (not `type`: adc_registry() reads it)
  bool operator==(const UniformAdcParams&) const = default;
};

class UniformAdc final : public Adc {
 public:
  UniformAdc(UniformAdcParams p, Eigen::Index n_cols, core::Rng& d2d);
  [[nodiscard]] std::string type() const override { return "uniform"; }
  void calibrate(const Eigen::MatrixXd& v) override;
  Eigen::MatrixXd convert(const Eigen::MatrixXd& v, core::Rng& noise) const override;
  [[nodiscard]] std::optional<double> range_v() const override { return range_v_; }

 private:
  UniformAdcParams p_;
  Eigen::VectorXd offset_v_;  // (cols)
  double range_v_;
};

}  // namespace pimtx::xbar
