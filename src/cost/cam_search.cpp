// cam_search: energy of searching one CAM row (one stored key compared with the query on all its bits, then
// the match line shared and sensed). Precedence: the CAM card's figure from its ngspice transient (issue 14:
// a params/derived key ending in e_search_row_j), unless use_card = false; else the table's e_search_row_j with
// its source (e.g. CAMformer's BA-CAM HSPICE figure). time: the card's settling time (t_settle_s) or the
// table's t_search_s. area: cell_area_m2 per bit cell.
#include <fmt/format.h>

#include "cost/components.h"

namespace pimtx::cost {
namespace {

class CamSearch final : public Component {
 public:
  CamSearch(core::Section& s, const ComponentInit& init) {
    const bool use_card = s.get_bool("use_card", true);
    a_ = param_or(s, "cell_area_m2", 0.0);
    t_ = param_or(s, "t_search_s", 0.0);
    const double e_table = param_or(s, "e_search_row_j", -1.0);
    const devices::DeviceCard* card = init.cards != nullptr && init.cards->cam ? &*init.cards->cam : nullptr;
    if (use_card && card != nullptr) {
      if (auto f = card_field(*card, {"e_search_row_j", "search_energy_j"})) {
        e_ = f->second;
        basis_ = fmt::format("card {} field {} = {:.4g} J (ngspice transient)", init.cards->cam_path, f->first, e_);
        if (auto t = card_field(*card, {"t_settle_s", "t_search_s"})) {
          t_ = t->second;
        }
        return;
      }
    }
    if (e_table < 0) {
      s.fail("e_search_row_j", "is not set and no CAM card with e_search_row_j is named ([cards] cam)");
    }
    e_ = e_table;
    basis_ =
        cited(s, "e_search_row_j", e_) + (card == nullptr ? " (no CAM card)" : " (CAM card has no e_search_row_j)");
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

std::unique_ptr<Component> make_cam_search(core::Section& s, const ComponentInit& init) {
  return std::make_unique<CamSearch>(s, init);
}

}  // namespace pimtx::cost
