// Binary-attention CAM row (BA-CAM, CAMformer: Molom-Ochir et al., arXiv 2511.19740; ../shared/reference/papers.md
// §1c): a row of n_bits cells stores a binary key; a search drives the binary query on the search lines, each cell's
// XNOR(query bit, stored bit) charges its unit capacitor to VDD (match) or leaves it at 0 (mismatch), then the cells
// share their charge on the match line, whose voltage is a linear function of the number of matches h.
//
// Model (what `pimtx calibrate` fits from the SPICE row of src/circuits/cam.h, or the ideal row by default):
//   V_ml(m) = Σ_i v_law_coef_v[i] · m^i,     m = h / n_bits in [0, 1] (match fraction)
//   σ(m)    = Σ_i sigma_law_coef_v[i] · m^i  (mismatch Monte Carlo spread of V_ml between rows, at the nominal corner),
//             for a row of n_bits_row cells; a row of n cells gets σ·sqrt(n_bits_row / n) (charge sharing averages
//             independent per-cell errors, so the spread of the mean scales as 1/sqrt(cells); an assumption when the
//             row used differs from the calibrated one)
//   e_search_row_j: energy of one search of one row (from the SPICE transient: all sources' ∫V·I dt);
//   t_settle_s: match-line settling time to 0.5 % of full scale after the share phase starts.
// The ADC converts V_ml over the full scale [V_ml(0), V_ml(1)] of the nominal law to n_adc_bits.
// Default (no card): the ideal row, V_ml = m · 1 V, σ = 0, no energy, no settling time.
// Config keys are the card's params/arrays (device card model "cam"). Validity: m in [0, 1].
// Contract: immutable after construction; pure functions. Units: V, J, s.
#pragma once

#include <vector>

#include "core/config.h"

namespace pimtx::devices {

struct CamRowParams {
  int n_bits_row = 64;                         // cells of the calibrated row
  double vdd_v = 1.0;                          // supply of the calibrated row (nominal corner)
  std::vector<double> v_law_coef_v{0.0, 1.0};  // polynomial in m (V)
  std::vector<double> sigma_law_coef_v{0.0};   // polynomial in m (V)
  double e_search_row_j = 0.0;
  double t_settle_s = 0.0;

  static CamRowParams from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  void validate(const core::Section& s) const;
  bool operator==(const CamRowParams&) const = default;
};

class CamRow {
 public:
  explicit CamRow(CamRowParams p) : p_(std::move(p)) {}
  [[nodiscard]] const CamRowParams& params() const { return p_; }
  // Match-line voltage at match fraction m (V).
  [[nodiscard]] double voltage(double match_frac) const;
  // Spread of the match-line voltage for a row of n_cells cells at match fraction m (V).
  [[nodiscard]] double sigma(double match_frac, int n_cells) const;
  // Full scale of the ADC: V(0), V(1).
  [[nodiscard]] double v_zero() const { return voltage(0.0); }
  [[nodiscard]] double v_full() const { return voltage(1.0); }
  [[nodiscard]] bool noiseless() const;  // σ(m) = 0 everywhere

 private:
  CamRowParams p_;
};

}  // namespace pimtx::devices
