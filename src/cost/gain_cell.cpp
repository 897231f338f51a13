// gain_cell_write / gain_cell_read: energy of one gain-cell access. Order of precedence (the basis string says
// which was used):
//   1. the gain-cell card's own figure, measured from the ngspice transients' integrated supply current
//      (issue 13 adds it: a params/derived key ending in e_write_j / e_read_j), unless use_card = false;
//   2. the table's e_write_j / e_read_j with its source (a paper value);
//   3. an estimate from the card's circuit values:
//        write: E = (c_store_f of the card + c_line_f) · v_write_v²  (storage node and write bit line charged
//               from the supply through the write transistor)
//        read:  E = I_read(v_store_v, v_read_v) · v_rbl_v · t_read_s  (the card's fitted read law: the read
//               current flows from the read bit line held at v_rbl_v for the read time)
// time: t_write_s / t_read_s from the table (0 when absent).
#include "devices/gain_cell.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"
#include "cost/components.h"

namespace pimtx::cost {
namespace {

class GainCellAccess final : public Component {
 public:
  GainCellAccess(core::Section& s, const ComponentInit& init, bool write) {
    const std::string ekey = write ? "e_write_j" : "e_read_j";
    const std::string tkey = write ? "t_write_s" : "t_read_s";
    const bool use_card = s.get_bool("use_card", true);
    t_ = param_or(s, tkey, 0.0);
    // Every key of the table is read whichever figure wins, so a table stays valid when a card adds its own.
    const double e_table = param_or(s, ekey, -1.0);
    const double c_line = write ? param_or(s, "c_line_f", -1.0) : 0.0;
    const double v_write = write ? param_or(s, "v_write_v", -1.0) : 0.0;
    const double vs = write ? 0.0 : param_or(s, "v_store_v", -1.0);
    const double vr = write ? 0.0 : param_or(s, "v_read_v", -1.0);
    const double v_rbl = write ? 0.0 : param_or(s, "v_rbl_v", -1.0);
    const devices::DeviceCard* card =
        init.cards != nullptr && init.cards->gain_cell ? &*init.cards->gain_cell : nullptr;
    const std::string card_path = init.cards != nullptr ? init.cards->gain_cell_path : "";
    if (use_card && card != nullptr) {
      if (auto f = card_field(*card, {ekey, write ? "write_energy_j" : "read_energy_j"})) {
        e_ = f->second;
        basis_ = fmt::format("card {} field {} = {:.4g} J (ngspice transient)", card_path, f->first, e_);
        return;
      }
    }
    if (e_table >= 0) {
      e_ = e_table;
      basis_ = cited(s, ekey, e_) + (card != nullptr ? fmt::format(" (card {} has no {})", card_path, ekey) : "");
      return;
    }
    if (card == nullptr) {
      s.fail(ekey, "is not set and the catalog names no gain-cell card ([cards] gain_cell)");
    }
    core::Config cc = core::Config::from_string(card->to_toml(), card_path);
    auto cs = cc.root();
    const devices::GainCellParams gp = devices::GainCellParams::from_config(cs);
    if (write) {
      if (c_line < 0 || v_write <= 0) {
        s.fail(ekey, "is not set, the card has none, and the estimate needs c_line_f and v_write_v");
      }
      e_ = (gp.c_store_f + c_line) * v_write * v_write;
      basis_ = fmt::format("(card {} c_store_f {:.3g} F + {}) x {}^2 (card has no e_write_j)", card_path, gp.c_store_f,
                           cited(s, "c_line_f", c_line), v_write);
    } else {
      if (vs < 0 || vr < 0 || v_rbl <= 0 || t_ <= 0) {
        s.fail(ekey,
               "is not set, the card has none, and the estimate needs v_store_v, v_read_v, v_rbl_v, t_read_s > 0");
      }
      const double i = std::abs(gp.read.eval(vs, vr));
      e_ = i * v_rbl * t_;
      basis_ = fmt::format("card {} read law I({} V, {} V) = {:.4g} A x {} V x {} s (card has no e_read_j)", card_path,
                           vs, vr, i, v_rbl, t_);
    }
  }
  [[nodiscard]] double energy_j() const override { return e_; }
  [[nodiscard]] double time_s() const override { return t_; }
  [[nodiscard]] double area_m2() const override { return a_; }
  [[nodiscard]] std::string basis() const override { return basis_; }
  void set_area(double a) { a_ = a; }

 private:
  double e_ = 0, t_ = 0, a_ = 0;
  std::string basis_;
};

std::unique_ptr<Component> make(core::Section& s, const ComponentInit& init, bool write) {
  const double a = param_or(s, "cell_area_m2", 0.0);
  auto c = std::make_unique<GainCellAccess>(s, init, write);
  c->set_area(a);
  return c;
}

}  // namespace

std::unique_ptr<Component> make_gain_cell_write(core::Section& s, const ComponentInit& init) {
  return make(s, init, true);
}
std::unique_ptr<Component> make_gain_cell_read(core::Section& s, const ComponentInit& init) {
  return make(s, init, false);
}

}  // namespace pimtx::cost
