// Wire, driver and sense resistances of a passive (0T1R) crossbar: the one struct that the netlist generator
// (crossbar.h), the array solvers (src/xbar) and everything that configures them share, read from a config
// table in one place (from_config).
//
// Geometry (crossbar.h is the single source of truth; src/xbar/array.h follows it): M word lines i, N bit lines
// j. Word line i is driven at its column-0 end through r_driver_ohm from an ideal source (no wire segment
// between driver and cell (i,0)); r_wire_row_ohm joins word-line nodes (i,j) and (i,j+1) (N-1 segments per
// row); cell (i,j) joins word node (i,j) to bit node (i,j); r_wire_col_ohm joins bit-line nodes (i,j) and
// (i+1,j) (M-1 segments per column); bit line j is sensed at its last-row end through r_sense_ohm. A
// resistance of exactly 0 Ω merges its two nodes (the exact limit, no element).
//
// Contract: plain data. validate() throws ConfigError naming `<where>.<key>` and the value for a negative or
// non-finite resistance. from_config() reads the four keys (ohm, >= 0) from a table with the caller's
// defaults (each configuration documents its own: 0 for the ideal xbar array, crossbar.h's 2.5/2.5/10/10
// for SPICE-facing configs) and validates them; to_config() writes the same keys.
#pragma once

#include <string>

#include "core/config.h"

namespace pimtx::circuits {

struct Parasitics {
  double r_wire_row_ohm = 0.0;  // per word-line segment between adjacent cells
  double r_wire_col_ohm = 0.0;  // per bit-line segment between adjacent cells
  double r_driver_ohm = 0.0;    // ideal source -> word node (i, 0)
  double r_sense_ohm = 0.0;     // bit node (M-1, j) -> sense terminal (virtual ground)

  void validate(const std::string& where = "xbar.array") const;
  static Parasitics from_config(core::Section& s, const Parasitics& defaults);
  void to_config(core::Section& s) const;
  bool operator==(const Parasitics&) const = default;
};

}  // namespace pimtx::circuits
