// xbar_program: energy of one programming pulse from the device card: E = v_pulse_v² · G · t_pulse_s, G the
// cell conductance during the pulse. G = g_pulse_s from the table when given, else the geometric mean of the
// crossbar card's conductance range (g_min_s, g_max_s; the card's pulse law acts inside it). Ohmic at the pulse
// voltage: the metal-oxide read law is only calibrated to ±0.4 V (devices.md §2.7), so the cubic term is not
// extrapolated to programming voltages. t = t_pulse_s per pulse.
#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"
#include "cost/components.h"

namespace pimtx::cost {
namespace {

class XbarProgram final : public Component {
 public:
  XbarProgram(core::Section& s, const ComponentInit& init) {
    v_ = param(s, "v_pulse_v", core::Range::positive());
    t_ = param(s, "t_pulse_s", core::Range::positive());
    if (s.has("g_pulse_s")) {
      g_ = param(s, "g_pulse_s", core::Range::positive());
      basis_ = fmt::format("{}^2 x {} x {}", v_, cited(s, "g_pulse_s", g_), t_);
    } else {
      if (init.cards == nullptr || !init.cards->xbar) {
        s.fail("g_pulse_s", "is not set and the catalog names no crossbar card ([cards] xbar) to take G from");
      }
      const auto& p = init.cards->xbar->params;
      if (p.count("g_min_s") == 0 || p.count("g_max_s") == 0) {
        s.fail("g_pulse_s", fmt::format("is not set and card '{}' has no g_min_s/g_max_s", init.cards->xbar_path));
      }
      g_ = std::sqrt(p.at("g_min_s") * p.at("g_max_s"));
      basis_ = fmt::format("{}^2 x G {:.4g} S (card {} geometric mean of g_min_s, g_max_s) x {}", v_, g_,
                           init.cards->xbar_path, t_);
    }
  }
  [[nodiscard]] double energy_j() const override { return v_ * v_ * g_ * t_; }
  [[nodiscard]] double time_s() const override { return t_; }
  [[nodiscard]] double area_m2() const override { return 0.0; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double v_ = 0, t_ = 0, g_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_xbar_program(core::Section& s, const ComponentInit& init) {
  return std::make_unique<XbarProgram>(s, init);
}

}  // namespace pimtx::cost
