// What a netlist handed to ngspice may contain (README.md, "Netlist policy").
//
// Contract: apply_netlist_policy() checks the lines of a netlist (netlist[0] = title) before ngspice sees
// them and returns the lines to load: the same lines, except that every .include/.inc/.lib path is replaced
// by the absolute path of the file that was checked (so ngspice loads exactly what was scanned). It throws
// ConfigError naming the source, the line number and the line text for:
//   - a `.control` block (ngspice runs its commands while loading: shell, write, source, cd, ...) and a
//     title starting with `*ng_script` (ngspice then runs the whole file as commands), unless
//     policy.allow_control;
//   - a binary line (NUL or other control bytes): the file is not a netlist;
//   - an empty netlist (no line after the title that is not blank or a comment);
//   - an .include/.lib file that is missing, not a regular file or larger than k_max_include_bytes; included
//     files are checked by the same rules, recursively (depth <= 16).
// Relative include paths resolve against the including file's directory (policy.base_dir for the top
// level, when set), then the current directory.
// check_commands() refuses, unless policy.allow_control, interactive commands other than analyses and
// circuit edits (alter, altermod, alterparam, set/option without file effects, save, reset) and any command
// with shell-style redirection (`>`, `<`, `|`): `shell`, `write`, `wrdata`, `source`, `cd`, `set sourcepath`,
// `quit`, `codemodel`, `osdi`, ... reach outside the simulation.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pimtx::spice {

inline constexpr size_t k_max_include_bytes = size_t{256} << 20;

struct NetlistPolicy {
  bool allow_control = false;  // the user trusts the file: .control blocks and any command run
  std::string source;          // where the lines came from, for messages ("x.cir"); "" = "netlist"
  std::string base_dir;        // directory for relative .include paths of the top level ("" = cwd)
};

std::vector<std::string> apply_netlist_policy(const std::vector<std::string>& netlist, const NetlistPolicy& policy);

// ConfigError naming the command if one is refused by the policy (see above).
void check_commands(const std::vector<std::string>& commands, const NetlistPolicy& policy);

}  // namespace pimtx::spice
