// block_power: a synthesised block given as power × busy cycles, the way CAMformer (tmo324/CAMformerV1
// paper_hardware.py: E = P · instances · delay · uses) and Titanus (constants.yaml) state their modules.
// One event = one use of one instance: E = power_w · n_cycles / f_clock_hz, t = n_cycles / f_clock_hz.
// f_clock_hz defaults to the catalog's clock. area_m2 is per instance.
#include <fmt/format.h>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class BlockPower final : public Component {
 public:
  BlockPower(core::Section& s, const ComponentInit& init) {
    p_ = param(s, "power_w");
    n_ = param(s, "n_cycles", core::Range::positive());
    f_ = param_or(s, "f_clock_hz", init.f_clock_hz, core::Range::positive());
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = fmt::format("{}; {} cycles at {:.4g} Hz", cited(s, "power_w", p_), n_, f_);
  }
  [[nodiscard]] double energy_j() const override { return p_ * n_ / f_; }
  [[nodiscard]] double time_s() const override { return n_ / f_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double p_ = 0, n_ = 1, f_ = 1e9, a_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_block_power(core::Section& s, const ComponentInit& init) {
  return std::make_unique<BlockPower>(s, init);
}

}  // namespace pimtx::cost
