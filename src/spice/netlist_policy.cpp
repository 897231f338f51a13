// Netlist policy: refuse what ngspice would execute outside the simulation; see netlist_policy.h.
#include "spice/netlist_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "core/errors.h"

namespace pimtx::spice {

namespace fs = std::filesystem;

namespace {

constexpr int k_max_include_depth = 16;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

std::string first_word(std::string_view line) {
  const std::string_view t = trim(line);
  return lower(t.substr(0, std::min(t.size(), t.find_first_of(" \t=("))));
}

// The line as it may be printed: control bytes and bytes >= 0x7f as \xNN, at most 120 characters.
std::string printable(std::string_view line) {
  std::string out;
  for (unsigned char c : line) {
    if (out.size() >= 120) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Index of the first byte that cannot appear in a text netlist (NUL and C0 controls other than
// tab, CR, form feed), or npos.
size_t binary_byte(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\f') {
      return i;
    }
  }
  return std::string_view::npos;
}

struct Scanner {
  const NetlistPolicy& policy;

  [[noreturn]] void refuse(const std::string& source, size_t line_no, std::string_view line,
                           const std::string& why) const {
    throw ConfigError(fmt::format("{} line {}: {}: {}", source, line_no, printable(trim(line)), why));
  }

  // The file an include path names: relative paths against `dir`, then the current directory.
  fs::path resolve(const std::string& raw, const fs::path& dir) const {
    const fs::path p(raw);
    if (p.is_absolute()) {
      return p;
    }
    std::error_code ec;
    if (!dir.empty() && fs::exists(dir / p, ec)) {
      return fs::absolute(dir / p, ec).lexically_normal();
    }
    return fs::absolute(p, ec).lexically_normal();
  }

  // Split ".include path" / ".lib path section" into (path, rest); quotes around the path are removed.
  static std::pair<std::string, std::string> include_operands(std::string_view line) {
    std::string_view t = trim(line);
    t = trim(t.substr(t.find_first_of(" \t") == std::string_view::npos ? t.size() : t.find_first_of(" \t")));
    std::string path;
    std::string_view rest;
    if (!t.empty() && (t.front() == '"' || t.front() == '\'')) {
      const size_t close = t.find(t.front(), 1);
      path = std::string(t.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      rest = close == std::string_view::npos ? std::string_view() : t.substr(close + 1);
    } else {
      const size_t sp = t.find_first_of(" \t");
      path = std::string(t.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view() : t.substr(sp);
    }
    return {path, std::string(trim(rest))};
  }

  std::vector<std::string> read_included(const fs::path& file, const std::string& source, size_t line_no,
                                         std::string_view line) const {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      refuse(source, line_no, line, fmt::format("included file '{}' not found", file.string()));
    }
    if (!fs::is_regular_file(file, ec)) {
      refuse(source, line_no, line, fmt::format("included file '{}' is not a regular file", file.string()));
    }
    const auto size = fs::file_size(file, ec);
    if (ec || size > k_max_include_bytes) {
      refuse(source, line_no, line,
             fmt::format("included file '{}' is larger than {} MiB", file.string(), k_max_include_bytes >> 20));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      refuse(source, line_no, line, fmt::format("included file '{}' cannot be read", file.string()));
    }
    std::vector<std::string> lines;
    std::string l;
    while (std::getline(in, l)) {
      lines.push_back(l);
    }
    return lines;
  }

  // Checks `lines` (a netlist when top, else an included file, which has no title line); returns them with
  // include paths made absolute.
  std::vector<std::string> scan(const std::vector<std::string>& lines, const std::string& source, const fs::path& dir,
                                bool top, int depth) const {
    std::vector<std::string> out;
    out.reserve(lines.size());
    bool in_control = false;
    for (size_t k = 0; k < lines.size(); ++k) {
      const std::string& line = lines[k];
      const size_t line_no = k + 1;
      const size_t bad = binary_byte(line);
      if (bad != std::string_view::npos) {
        refuse(source, line_no, line,
               fmt::format("byte 0x{:02x} at column {}: this is not a text netlist",
                           static_cast<unsigned char>(line[bad]), bad + 1));
      }
      const std::string word = first_word(line);
      if (top && k == 0) {
        if (!policy.allow_control && lower(trim(line)).rfind("*ng_script", 0) == 0) {
          refuse(source, line_no, line,
                 "a title starting with *ng_script makes ngspice run the file as commands; refused (pass "
                 "--allow-control to run a file you trust)");
        }
        out.push_back(line);
        continue;
      }
      if (word == ".control") {
        if (!policy.allow_control) {
          refuse(source, line_no, line,
                 ".control blocks run interactive ngspice commands (shell, write, source, cd, ...) when the netlist "
                 "is loaded; refused (pass --allow-control to run a file you trust)");
        }
        in_control = true;
      } else if (word == ".endc") {
        in_control = false;
      } else if (!in_control && (word == ".include" || word == ".inc" || word == ".lib")) {
        auto [raw, rest] = include_operands(line);
        if (word == ".lib" && rest.empty() && !top) {
          out.push_back(line);  // ".lib name" inside a library file opens a section
          continue;
        }
        if (raw.empty()) {
          refuse(source, line_no, line, "no file name");
        }
        if (depth >= k_max_include_depth) {
          refuse(source, line_no, line, fmt::format("includes nested deeper than {}", k_max_include_depth));
        }
        const fs::path file = resolve(raw, dir);
        const std::vector<std::string> inner = read_included(file, source, line_no, line);
        scan(inner, file.string(), file.parent_path(), false, depth + 1);
        out.push_back(fmt::format("{} \"{}\"{}{}", word, file.string(), rest.empty() ? "" : " ", rest));
        continue;
      }
      out.push_back(line);
    }
    return out;
  }
};

bool has_content(const std::vector<std::string>& netlist) {
  for (size_t k = 1; k < netlist.size(); ++k) {
    const std::string_view t = trim(netlist[k]);
    if (!t.empty() && t.front() != '*' && lower(t) != ".end") {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> apply_netlist_policy(const std::vector<std::string>& netlist, const NetlistPolicy& policy) {
  const std::string source = policy.source.empty() ? std::string("netlist") : policy.source;
  if (!has_content(netlist)) {
    throw ConfigError(fmt::format("{}: empty netlist ({} lines; a title line and at least one element are needed)",
                                  source, netlist.size()));
  }
  const Scanner s{policy};
  return s.scan(netlist, source, policy.base_dir, true, 0);
}

void check_commands(const std::vector<std::string>& commands, const NetlistPolicy& policy) {
  if (policy.allow_control) {
    return;
  }
  static const char* const k_allowed[] = {
      "op",      "dc",    "tran",  "ac",       "noise",      "run",     "tf",      "sens",
      "pz",      "disto", "alter", "altermod", "alterparam", "reset",   "save",    "option",
      "options", "set",   "unset", "let",      "unlet",      "destroy", "remcirc", "print",
      "display", "echo",  "meas",  "measure",  "show",       "showmod", "status",  "version"};
  for (const auto& c : commands) {
    const std::string word = first_word(c);
    const bool allowed = std::find(std::begin(k_allowed), std::end(k_allowed), word) != std::end(k_allowed);
    const bool redirect = c.find_first_of("><|") != std::string::npos;
    const bool sourcepath = word == "set" && lower(c).find("sourcepath") != std::string::npos;
    if (!allowed || redirect || sourcepath) {
      throw ConfigError(fmt::format(
          "ngspice command '{}' is refused: only analyses and circuit edits may run ({}); commands that reach "
          "outside the simulation (shell, write, wrdata, source, cd, set sourcepath, quit, redirection) need "
          "--allow-control",
          printable(c), redirect ? "it redirects input/output" : "'" + word + "' is not one of them"));
    }
  }
}

}  // namespace pimtx::spice
