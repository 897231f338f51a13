// Netlist text helpers shared by the generators.
//
// Contract: pure text functions, no I/O. Numbers are written with 17 significant digits ("%.17g") so a
// netlist carries every double exactly; ngspice parses them back to the same value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pimtx::circuits {

// Exact decimal text of a double (17 significant digits).
std::string num(double v);

// Text of a hand-written file in circuits/ ("vteam.sub", "metal_oxide.sub", "gc_nmos.mod",
// "gaincell_3t.sub", "gaincell_2t.sub"), embedded at build time. ConfigError for an unknown name.
const char* circuit_file(std::string_view name);
std::vector<std::string> circuit_file_names();

// Split text into lines (no trailing '\r'/'\n'), for spice::Job::netlist.
std::vector<std::string> split_lines(const std::string& text);

// "PWL(t0 v0 t1 v1 ...)" from (time, value) pairs; times must be strictly increasing.
std::string pwl(const std::vector<std::pair<double, double>>& points);

}  // namespace pimtx::circuits
