// adc_flash: a flash converter, 2^b − 1 comparators fire per conversion plus a thermometer encoder:
// E = (2^b − 1) · e_comparator_j + e_encoder_j, t = 1 / f_sample_hz, area = (2^b − 1) · comparator_area_m2.
// b = the unit's n_adc_bits when its config names one, else the table's n_bits. Flash trades energy and area
// (exponential in b) for one-cycle conversion; adc_sar is the other end.
#include <fmt/format.h>

#include <cmath>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class AdcFlash final : public Component {
 public:
  AdcFlash(core::Section& s, const ComponentInit& init) {
    const auto table_bits = static_cast<int>(s.get_int("n_bits", 4, core::Range::closed(1, 12)));
    bits_ = init.n_bits > 0 ? init.n_bits : table_bits;
    e_cmp_ = param(s, "e_comparator_j");
    e_enc_ = param_or(s, "e_encoder_j", 0.0);
    f_ = param(s, "f_sample_hz", core::Range::positive());
    a_cmp_ = param_or(s, "comparator_area_m2", 0.0);
    basis_ = fmt::format("flash {} bits: (2^b-1) x {}", bits_, cited(s, "e_comparator_j", e_cmp_));
  }
  [[nodiscard]] double n_comparators() const { return std::exp2(bits_) - 1.0; }
  [[nodiscard]] double energy_j() const override { return n_comparators() * e_cmp_ + e_enc_; }
  [[nodiscard]] double time_s() const override { return 1.0 / f_; }
  [[nodiscard]] double area_m2() const override { return n_comparators() * a_cmp_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  int bits_ = 4;
  double e_cmp_ = 0, e_enc_ = 0, f_ = 1, a_cmp_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_adc_flash(core::Section& s, const ComponentInit& init) {
  return std::make_unique<AdcFlash>(s, init);
}

}  // namespace pimtx::cost
