// memory: SRAM / DRAM / HBM access per byte (arch_costs.md §5.3–5.4: Horowitz ISSCC 2014, HBM per-bit figures):
// E = e_per_byte_j per byte moved, t = 1 / bandwidth_b_per_s per byte, area_m2 per instance.
// interconnect: on-chip wires per byte and mm: E = e_per_byte_mm_j · distance_mm per byte, t = 0 (pipelined).
#include <fmt/format.h>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class Memory final : public Component {
 public:
  Memory(core::Section& s) {
    e_ = param(s, "e_per_byte_j");
    bw_ = param(s, "bandwidth_b_per_s", core::Range::positive());
    a_ = param_or(s, "area_m2", 0.0);
    basis_ = cited(s, "e_per_byte_j", e_);
  }
  [[nodiscard]] double energy_j() const override { return e_; }
  [[nodiscard]] double time_s() const override { return 1.0 / bw_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double e_ = 0, bw_ = 1, a_ = 0;
  std::string basis_;
};

class Interconnect final : public Component {
 public:
  Interconnect(core::Section& s) {
    e_ = param(s, "e_per_byte_mm_j");
    d_ = param(s, "distance_mm");
    basis_ = fmt::format("{} x {} mm", cited(s, "e_per_byte_mm_j", e_), d_);
  }
  [[nodiscard]] double energy_j() const override { return e_ * d_; }
  [[nodiscard]] double time_s() const override { return 0.0; }
  [[nodiscard]] double area_m2() const override { return 0.0; }
  [[nodiscard]] std::string basis() const override { return basis_; }

 private:
  double e_ = 0, d_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_memory(core::Section& s, const ComponentInit&) { return std::make_unique<Memory>(s); }
std::unique_ptr<Component> make_interconnect(core::Section& s, const ComponentInit&) {
  return std::make_unique<Interconnect>(s);
}

}  // namespace pimtx::cost
