// adc_sar: a successive-approximation converter: b comparator decisions and the capacitive DAC switched
// once over its full array (the conventional-switching upper bound, 2^b unit capacitors to v_ref):
// E = b · e_comparator_j + 2^b · c_unit_f · v_ref_v², t = (b + 1) / f_bit_clock_hz (b decisions + sampling),
// area = area_m2. b = the unit's n_adc_bits when its config names one, else the table's n_bits.
#include <fmt/format.h>

#include <cmath>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class AdcSar final : public Component {
 public:
  AdcSar(core::Section& s, const ComponentInit& init) {
    const auto table_bits = static_cast<int>(s.get_int("n_bits", 8, core::Range::closed(1, 16)));
    bits_ = init.n_bits > 0 ? init.n_bits : table_bits;
    e_cmp_ = param(s, "e_comparator_j");
    c_u_ = param(s, "c_unit_f");
    v_ref_ = param(s, "v_ref_v", core::Range::positive());
    f_bit_ = param(s, "f_bit_clock_hz", core::Range::positive());
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = fmt::format("SAR {} bits: b x {} + 2^b x {} x {}^2", bits_, cited(s, "e_comparator_j", e_cmp_),
                         cited(s, "c_unit_f", c_u_), v_ref_);
  }
  [[nodiscard]] double energy_j() const override { return bits_ * e_cmp_ + std::exp2(bits_) * c_u_ * v_ref_ * v_ref_; }
  [[nodiscard]] double time_s() const override { return (bits_ + 1.0) / f_bit_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  int bits_ = 8;
  double e_cmp_ = 0, c_u_ = 0, v_ref_ = 1, f_bit_ = 1, a_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_adc_sar(core::Section& s, const ComponentInit& init) {
  return std::make_unique<AdcSar>(s, init);
}

}  // namespace pimtx::cost
