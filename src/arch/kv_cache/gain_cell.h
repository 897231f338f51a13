// `gain_cell` KV cache: every key and value element is a gain-cell storage-node voltage (Leroux et al., Nature
// Computational Science 5, 813 (2025), papers.md §3), with the physics of a calibrated gain-cell device card
// (default data/devices/si_3t_gaincell.h5: BSIM4 3T cell, retention τ 135 µs, degree-4 read law, Pelgrom
// mismatch from a SPICE Monte Carlo; src/devices/gain_cell.h).
//
// Write: x (a K or V element of kv head h) -> v = v_min + (clip(x, lo_h, hi_h) − lo_h)/(hi_h − lo_h)·(v_max − v_min),
//   rounded to one of n_levels DAC levels on [v_min, v_max] (default: the card's fitted V_SN range), plus kT/C
//   noise (write_noise). level_spacing = "current" (default) places the levels where the nominal read law gives
//   evenly spaced currents, V_k = I⁻¹(I(v_min) + k/(n−1)·(I(v_max) − I(v_min))) (a write-side pre-distortion
//   that makes a fresh cell read linearly in x; decay and variation then bend it), "voltage" spaces them evenly in
//   V (the secant decode then sees the law's curvature). [lo_h, hi_h] is the per-head affine map (k_lo_rel/k_hi_rel,
//   v_lo_rel/v_hi_rel, one value per (layer, kv head), layer-major; calibrated on calibration stories by
//   gain_cell_calibration.h), else [−map_range_rel, map_range_rel].
// Hold: the key of position s is written at t = s·t_token_s and read by the query of position p at p·t_token_s:
//   V = v_hold + (v − v_hold)·exp(−age/τ_cell), τ_cell = τ·exp(σ_lnτ·ξ) (per cell, card spread; decay = false:
//   τ = ∞). With t_refresh_s > 0 every cell is rewritten to its DAC level at each multiple of t_refresh_s
//   (ideal level restore), so the age counts from the last refresh.
// Read: I = (1 + σ_g·ξ_g)·I_card(V − σ_v·ξ_v, v_read_v) (the card's extended read law, devices/gain_cell.h;
//   read_law = "linear": the secant of the card's law through (v_min, I(v_min)) and (v_max, I(v_max))).
//   Decoding uses the nominal secant: x̂ = lo + (I − I(v_min))/(I(v_max) − I(v_min))·(hi − lo), so the linear
//   law without decay, variation and noise gives back the DAC-quantised x exactly.
// Cells are physical slots: position p lives in slot p mod n_slots (n_slots = min(n_window, context)), so
// per-cell variation repeats with the window as in a circular gain-cell array; all positions stay addressable so
// attention masks remain exact (windowing is the attention unit's job).
// view() returns the decoded values as read at the time of the newest position (exact for a decode step; inside
// a prefill block the earlier queries would read younger keys: the `gain_cell` attention unit reads per query time
// through analog()). exact = true (calibration pass): stores and returns the float values and records per-head
// min/max of K and V.
//
// Contract (KvCache): append() counts events gain_cell.writes (one per K or V element, refresh rewrites included),
// dac.conversions (one per element written), gain_cell.refreshes (cells rewritten by refresh), plus
// kv_entries_stored and calls. Randomness: d2d from core::Rng(seed, "arch.kv_cache.gain_cell.d2d", layer) drawn at
// construction; write noise from core::Rng(seed, "arch.kv_cache.gain_cell.write_noise", layer), drawn in append
// order. Units: V, s, A.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "arch/kv_cache/kv_cache.h"
#include "core/rng.h"
#include "devices/gain_cell.h"

namespace pimtx::arch {

struct GainCellKvParams {
  // A gain_cell device card (relative to the config file; the default relative to the working directory).
  std::string device_card = "data/devices/si_3t_gaincell.h5";
  int64_t n_levels = 8;                             // DAC levels of a stored element (Leroux: 8 levels)
  double v_store_min_v = 0.0, v_store_max_v = 0.0;  // 0, 0 = the card's fitted V_SN range
  double v_read_v = 0.9;                            // read word-line level (Leroux: 0.9 V)
  double t_token_s = 65e-9;                         // time per generated token (Leroux: 65 ns per token)
  double tau_ret_s = 0.0;                           // 0 = the card's τ
  bool decay = true;
  bool variation = true;                  // per-cell τ spread and read spread from the card
  bool write_noise = true;                // kT/C
  double t_refresh_s = 0.0;               // 0 = no refresh
  std::string read_law = "card";          // "card" | "linear"
  std::string level_spacing = "current";  // "current" | "voltage"
  int64_t n_window = 1024;                // physical slots (capped at the context)
  double map_range_rel = 4.0;
  std::vector<double> k_lo_rel, k_hi_rel, v_lo_rel, v_hi_rel;  // (n_layers * n_kv_heads) or empty
  bool exact = false;

  void validate() const;
  static GainCellKvParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const GainCellKvParams&) const = default;
};

// A gain-cell device model from a card path (descriptive strings of the card are accepted and ignored).
devices::GainCellParams load_gain_cell_card(core::Section& s, const std::string& key, const std::string& path);

// The read law at a fixed read word-line level as a 1-D function of V_SN (Horner on the card polynomial, with the
// extension of devices::ReadPolynomial::eval_extended), or the secant when linear.
class GainCellReadLaw {
 public:
  GainCellReadLaw(const devices::GainCellParams& p, double v_read_v, double v_min_v, double v_max_v, bool linear);
  [[nodiscard]] double current_a(double v_sn_v) const;
  // Element-wise current_a (vectorised; same values up to rounding of exp).
  void currents_a(const Eigen::ArrayXd& v_sn_v, Eigen::ArrayXd& out) const;
  [[nodiscard]] double i_min_a() const { return i_min_; }  // at v_min (the decoding secant's ends)
  [[nodiscard]] double i_max_a() const { return i_max_; }
  // V in [v_min, v_max] with current_a(V) = i (bisection; the law increases there, checked at construction).
  [[nodiscard]] double inverse_v(double i_a) const;

 private:
  std::vector<double> a_;  // 1-D coefficients in (v − offset)^i
  double off_ = 0, v_lo_ = 0, v_hi_ = 0, k_lo_per_v_ = 0, i_lo_ = 0, i_hi_ = 0, slope_hi_ = 0;
  double v_min_ = 0, v_max_ = 0, i_min_ = 0, i_max_ = 0;
  bool linear_ = false;
  [[nodiscard]] double poly(double v) const;
};

class GainCellKvCache final : public KvCache {
 public:
  GainCellKvCache(core::Section& cfg, const KvCacheInit& init);
  void reset() override;
  void append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) override;
  [[nodiscard]] KvView view(int kv_head) const override;
  [[nodiscard]] int64_t n_positions() const override { return n_; }
  void write_stats(io::ResultFile& file, const std::string& group) const override;

  // ---- analog access for the gain_cell attention unit ----
  [[nodiscard]] const GainCellKvParams& params() const { return p_; }
  [[nodiscard]] bool exact() const { return p_.exact; }
  // Read currents (A) of the cells holding positions [s0, s1) of kv head h (which = 0: keys, 1: values) as read
  // by the query of position p_now: out (s1 − s0, head_dim).
  void read_currents(int kv_head, int which, int64_t s0, int64_t s1, int64_t p_now,
                     Eigen::Ref<Eigen::ArrayXXd> out) const;
  // Decoding x̂ = lo + (I − i_min)·scale: {lo, i_min, scale} for kv head h (which = 0 keys, 1 values).
  struct Decode {
    double lo = 0, i_min_a = 0, x_per_a = 0;
  };
  [[nodiscard]] Decode decode(int kv_head, int which) const;
  // Calibration statistics (exact mode), per kv head `index`: "key_range" / "value_range" = {min, max} of the K / V
  // elements written, "key_samples" / "value_samples" = a reservoir of up to 16384 of them (Algorithm R, stream
  // "arch.kv_cache.gain_cell.reservoir"), in reservoir order. Empty for other names or an index out of range.
  [[nodiscard]] std::vector<double> statistic(const std::string& name, int index) const override;

 private:
  [[nodiscard]] double age_s(int64_t s, int64_t p_now) const;
  void refresh_view();

  KvCacheInit init_;
  GainCellKvParams p_;
  devices::GainCellParams dev_;
  std::unique_ptr<GainCellReadLaw> law_;
  double v_min_ = 0, v_max_ = 0, tau_s_ = 0;
  std::vector<double> level_v_;  // (n_levels) DAC level voltages
  int64_t n_slots_ = 0;
  std::vector<std::array<double, 2>> lo_, hi_;  // (n_kv_heads) [K, V]
  // Per head and K/V: written voltages (max_seq_len, head_dim) and per-slot cell constants (n_slots, head_dim).
  std::vector<std::array<Eigen::ArrayXXd, 2>> v_written_;
  std::vector<std::array<Eigen::ArrayXXf, 2>> rate_per_s_, shift_v_, gain_;
  std::vector<Mat> keys_, values_;  // decoded view (max_seq_len, head_dim)
  std::vector<int64_t> positions_;
  std::vector<std::array<double, 4>> stats_;                // (n_kv_heads) K min, K max, V min, V max (exact mode)
  std::vector<std::array<std::vector<float>, 2>> samples_;  // (n_kv_heads) reservoir of K / V elements (exact mode)
  std::vector<std::array<int64_t, 2>> n_seen_;
  core::Rng noise_;
  core::Rng reservoir_;
  int64_t n_ = 0;
};

}  // namespace pimtx::arch
