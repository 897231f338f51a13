// per_event: a fixed energy and time per event, as published (Horowitz ISSCC 2014 digital ops, a paper's per-op
// figure). E = e_event_j, t = t_event_s, area = area_m2 per instance.
#include "cost/components.h"

namespace pimtx::cost {
namespace {

class PerEvent final : public Component {
 public:
  PerEvent(core::Section& s) {
    e_ = param(s, "e_event_j");
    t_ = param_or(s, "t_event_s", 0.0);
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = cited(s, "e_event_j", e_);
  }
  [[nodiscard]] double energy_j() const override { return e_; }
  [[nodiscard]] double time_s() const override { return t_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double e_ = 0, t_ = 0, a_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_per_event(core::Section& s, const ComponentInit&) {
  return std::make_unique<PerEvent>(s);
}

}  // namespace pimtx::cost
