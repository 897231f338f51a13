// Stochastic VMM for hashing (sign random projections, the building block of LSH attention).
//
// A crossbar of n_inputs word lines and 2·n_bits bit lines holds n_bits random hyperplanes as differential
// column pairs (G+ − G−). Each input vector is scaled to the read voltage, applied to the word lines, the
// array is solved (full nodal solve with the configured parasitics), and a comparator per column pair
// outputs bit k = [I+ − I− + offset_k + noise > 0].
// Plane realisation (`planes`):
//   "gaussian"  ideal Gaussian planes: w ~ N(0,1) per cell pair (stream "xbar.hash.planes"), mapped to
//               G± = g_mid ± w·g_spread_s/2 (clamped to the model range) and programmed through the
//               programming model (its programming error applies);
//   "pulses"    stochastic programming: both devices of a pair are reset and receive n_pulses random
//               programming pulses (ProgrammingModel::random_pulses); G+ − G− is then a symmetric,
//               zero-mean random plane whose law is set by the device statistics. With the programming
//               unit "device" (device_programming.h) these are the device model's pulses from its reset
//               state (metal_oxide: random amplitudes through the per-band pulse law, d2d, c2c).
// Cells read with the programming model's read law (ProgrammingModel::read_law: metal_oxide devices give
// A1·V + A3·V³ with their d2d, solved by Newton), so nonlinear devices are in the read path.
// For sign-random-projection hashing with Gaussian planes, P[bit(x) = bit(y)] = 1 − θ(x, y)/π.
//
// Contract: d2d draws (plane values, device programming spread, comparator offsets) depend only on
// (seed, instance) and are fixed per instance; reprogram() redraws the c2c programming events (new
// cycle, same devices). Run-time comparator noise comes from the stream ("xbar.hash.noise", instance),
// advanced per call, so a fixed call sequence is bit-identical for a fixed seed. Arch code uses this
// through HashPlanes and must not depend on spice.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/rng.h"
#include "devices/read_noise.h"
#include "xbar/nodal_solver.h"
#include "xbar/peripherals.h"
#include "xbar/programming.h"

namespace pimtx::xbar {

struct StochasticVmmParams {
  int64_t n_inputs = 64;
  int64_t n_bits = 16;
  std::string planes = "gaussian";  // or "pulses"
  double g_spread_s = 60e-6;        // gaussian: 1 sigma of G+ − G−
  int64_t n_pulses = 20;            // pulses: per device after reset
  double v_read_v = 0.2;            // max |V| of a scaled input vector
  Parasitics parasitics{1.0, 1.0, 0.0, 0.0};
  double comparator_offset_sigma_a = 0.0;  // fixed per comparator (d2d)
  double comparator_noise_sigma_a = 0.0;   // per decision (run time)
  // Per-cell device read noise (devices::read_noise_registry() unit, config sub-table [read_noise] with
  // `type` and t_read_s); null = none. Applied in sign_bits() when a noise stream is given, never in
  // differential_currents().
  std::shared_ptr<const devices::ReadNoise> read_noise;
  double t_read_s = 1e-6;
  void validate() const;
  static StochasticVmmParams from_config(core::Section& s);
  void to_config(core::Section& s) const;               // the keys from_config() reads, [read_noise] included
  bool operator==(const StochasticVmmParams& o) const;  // field by field; read noise by its written keys
};

// Interface that arch's LSH attention uses: rows of `x` are vectors; result (n_vec, n_bits) of 0/1.
class HashPlanes {
 public:
  virtual ~HashPlanes() = default;
  [[nodiscard]] virtual int64_t n_inputs() const = 0;
  [[nodiscard]] virtual int64_t n_bits() const = 0;
  virtual std::vector<uint8_t> sign_bits(const Eigen::MatrixXd& x) = 0;  // x: (n_vec, n_inputs)
};

class StochasticVmm final : public HashPlanes {
 public:
  StochasticVmm(StochasticVmmParams p, std::shared_ptr<const ProgrammingModel> model, uint64_t seed,
                uint64_t instance = 0);
  [[nodiscard]] int64_t n_inputs() const override { return p_.n_inputs; }
  [[nodiscard]] int64_t n_bits() const override { return p_.n_bits; }
  std::vector<uint8_t> sign_bits(const Eigen::MatrixXd& x) override;  // noise from the instance stream
  // Same, with comparator noise drawn from `noise` (null: noiseless comparators), for callers that own the
  // run-time stream (arch's Hasher passes its own).
  std::vector<uint8_t> sign_bits(const Eigen::MatrixXd& x, core::Rng* noise);
  // Analog comparator inputs I+ − I− (A), (n_bits, n_vec) for x (n_vec, n_inputs), before offset/noise.
  Eigen::MatrixXd differential_currents(const Eigen::MatrixXd& x);
  // New programming cycle (c2c): same devices, new programming events. Increments cycle().
  void reprogram();
  [[nodiscard]] int64_t cycle() const { return cycle_; }
  [[nodiscard]] const Eigen::MatrixXd& conductances_s() const { return g_; }  // (n_inputs, 2·n_bits)
  // The cells as read (a1, and a3 when the read law is nonlinear), (n_inputs, 2·n_bits).
  [[nodiscard]] const CellArray& cells() const { return cells_; }

 private:
  void program();
  Drive scaled_drive(const Eigen::MatrixXd& x) const;
  StochasticVmmParams p_;
  std::shared_ptr<const ProgrammingModel> model_;
  uint64_t seed_;
  uint64_t instance_;
  int64_t cycle_ = 0;
  Eigen::MatrixXd g_;
  CellArray cells_;
  std::optional<CellReadNoise> read_noise_;
  Eigen::VectorXd offset_a_;  // (n_bits)
  std::unique_ptr<NodalSolver> solver_;
  core::Rng noise_;
};

// n_pairs pairs of unit vectors at angle theta_rad in `dim` dimensions (rows 2p and 2p+1; the second is
// cos θ·a + sin θ·b with b ⟂ a), drawn from rng: inputs for measuring the collision law
// P[bit(x) = bit(y)] = 1 − θ/π of sign-bit hashing.
Eigen::MatrixXd unit_pairs_at_angle(int n_pairs, int dim, double theta_rad, core::Rng& rng);

}  // namespace pimtx::xbar
