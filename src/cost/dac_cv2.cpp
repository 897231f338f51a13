// dac_cv2: an input driver / DAC charging its line: E = activity_rel · c_load_f · v_swing_v² per conversion
// (arch_costs.md §5.2: E ≈ α·C_line·V²), plus e_static_j (reference, decoder) per conversion; t = t_settle_s;
// area_m2 per DAC. A PWM input costs one line charge per pulse whatever its width, so bits do not enter.
#include <fmt/format.h>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class DacCv2 final : public Component {
 public:
  DacCv2(core::Section& s, const ComponentInit&) {
    c_ = param(s, "c_load_f");
    v_ = param(s, "v_swing_v");
    act_ = param_or(s, "activity_rel", 1.0, core::Range::closed(0, 1));
    e_static_ = param_or(s, "e_static_j", 0.0);
    t_ = param_or(s, "t_settle_s", 0.0);
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = fmt::format("{} x {} x {}^2 + {}", act_, cited(s, "c_load_f", c_), v_, e_static_);
  }
  [[nodiscard]] double energy_j() const override { return act_ * c_ * v_ * v_ + e_static_; }
  [[nodiscard]] double time_s() const override { return t_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double c_ = 0, v_ = 0, act_ = 1, e_static_ = 0, t_ = 0, a_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_dac_cv2(core::Section& s, const ComponentInit& init) {
  return std::make_unique<DacCv2>(s, init);
}

}  // namespace pimtx::cost
