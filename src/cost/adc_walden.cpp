// adc_walden: energy per conversion from the Walden figure of merit, E = FOM_W · 2^ENOB (arch_costs.md §5.1;
// Murmann ADC survey, bmurmann/ADC-survey). ENOB = the unit's n_adc_bits when its config names one, else
// the table's n_bits, minus enob_loss_bits (default 0). t = 1 / f_sample_hz. area_m2 per ADC.
#include <fmt/format.h>

#include <cmath>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class AdcWalden final : public Component {
 public:
  AdcWalden(core::Section& s, const ComponentInit& init) {
    fom_ = param(s, "fom_j_per_step", core::Range::positive());
    const auto table_bits = static_cast<int>(s.get_int("n_bits", 8, core::Range::closed(1, 24)));
    bits_ = init.n_bits > 0 ? init.n_bits : table_bits;
    loss_ = param_or(s, "enob_loss_bits", 0.0, core::Range::closed(0, 8));
    f_ = param(s, "f_sample_hz", core::Range::positive());
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = fmt::format("Walden: {} x 2^({} bits - {})", cited(s, "fom_j_per_step", fom_), bits_, loss_);
  }
  [[nodiscard]] double energy_j() const override { return fom_ * std::exp2(bits_ - loss_); }
  [[nodiscard]] double time_s() const override { return 1.0 / f_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double fom_ = 0, loss_ = 0, f_ = 1, a_ = 0;
  int bits_ = 8;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_adc_walden(core::Section& s, const ComponentInit& init) {
  return std::make_unique<AdcWalden>(s, init);
}

}  // namespace pimtx::cost
