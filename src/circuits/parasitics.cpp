#include "circuits/parasitics.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "core/errors.h"

namespace pimtx::circuits {

void Parasitics::validate(const std::string& where) const {
  const std::pair<const char*, double> items[] = {{"r_wire_row_ohm", r_wire_row_ohm},
                                                  {"r_wire_col_ohm", r_wire_col_ohm},
                                                  {"r_driver_ohm", r_driver_ohm},
                                                  {"r_sense_ohm", r_sense_ohm}};
  for (const auto& [key, v] : items) {
    if (!std::isfinite(v) || v < 0.0) {
      throw ConfigError(
          fmt::format("{}.{} = {}: a resistance must be finite and >= 0 (0 merges the nodes)", where, key, v));
    }
  }
}

Parasitics Parasitics::from_config(core::Section& s, const Parasitics& defaults) {
  const core::Range ohm = core::Range::non_negative();  // 0 merges the nodes (exact limit)
  Parasitics p;
  p.r_wire_row_ohm = s.get_double("r_wire_row_ohm", defaults.r_wire_row_ohm, ohm);
  p.r_wire_col_ohm = s.get_double("r_wire_col_ohm", defaults.r_wire_col_ohm, ohm);
  p.r_driver_ohm = s.get_double("r_driver_ohm", defaults.r_driver_ohm, ohm);
  p.r_sense_ohm = s.get_double("r_sense_ohm", defaults.r_sense_ohm, ohm);
  p.validate(s.path());
  return p;
}

void Parasitics::to_config(core::Section& s) const {
  s.set_double("r_wire_row_ohm", r_wire_row_ohm);
  s.set_double("r_wire_col_ohm", r_wire_col_ohm);
  s.set_double("r_driver_ohm", r_driver_ohm);
  s.set_double("r_sense_ohm", r_sense_ohm);
}

}  // namespace pimtx::circuits
