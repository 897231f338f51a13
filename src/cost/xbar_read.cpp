// xbar_read: one read of a passive crossbar, priced from the solved array (issue 15):
//   resistive part  E = Σ_reads Σ_i V_i·I_i · t_read_s   (the unit sums Σ V·I of each solved read into the
//                   OpCounts sum "xbar.read_power_w"; energy_of_sum_j multiplies by t_read_s)
//   line charging   E = c_wire_segment_f · v_read_v² per cell read (each cell's word-line segment is charged to
//                   the read voltage once per read; bit lines sit at the virtual ground and do not swing)
// energy_j() is the line-charging energy per cell read (event "xbar.cells_read"); time_s() is t_read_s per
// array read; area_m2() is cell_area_m2 per cell (arrays multiply it by rows × cols).
#include <fmt/format.h>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class XbarRead final : public Component {
 public:
  XbarRead(core::Section& s, const ComponentInit&) {
    t_read_ = param(s, "t_read_s", core::Range::positive());
    c_seg_ = param(s, "c_wire_segment_f");
    v_read_ = param(s, "v_read_v", core::Range::positive());
    a_cell_ = param_or(s, "cell_area_m2", 0.0);
    basis_ = fmt::format("sum(V*I) x {}; line {} x {}^2 per cell", cited(s, "t_read_s", t_read_),
                         cited(s, "c_wire_segment_f", c_seg_), v_read_);
  }
  [[nodiscard]] double energy_j() const override { return c_seg_ * v_read_ * v_read_; }
  [[nodiscard]] double time_s() const override { return t_read_; }
  [[nodiscard]] double area_m2() const override { return a_cell_; }
  [[nodiscard]] std::string basis() const override { return basis_; }
  [[nodiscard]] double energy_of_sum_j(const std::string& sum_name, double value) const override {
    if (sum_name != "xbar.read_power_w") {
      return Component::energy_of_sum_j(sum_name, value);
    }
    return value * t_read_;
  }

 private:
  double t_read_ = 0, c_seg_ = 0, v_read_ = 0, a_cell_ = 0;
  std::string basis_;
};

}  // namespace

std::unique_ptr<Component> make_xbar_read(core::Section& s, const ComponentInit& init) {
  return std::make_unique<XbarRead>(s, init);
}

}  // namespace pimtx::cost
