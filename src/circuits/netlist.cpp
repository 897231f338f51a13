#include "circuits/netlist.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "pimtx/circuit_files.h"

namespace pimtx::circuits {

std::string num(double v) { return fmt::format("{:.17g}", v); }

const char* circuit_file(std::string_view name) {
  for (const auto& [n, text] : embedded::k_files) {
    if (name == n) {
      return text;
    }
  }
  throw ConfigError(
      fmt::format("unknown circuit file '{}'; valid names: {}", name, fmt::join(circuit_file_names(), ", ")));
}

std::vector<std::string> circuit_file_names() {
  std::vector<std::string> out;
  for (const auto& [n, text] : embedded::k_files) {
    out.emplace_back(n);
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) {
      e = text.size();
    }
    std::string line = text.substr(b, e - b);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    out.push_back(std::move(line));
    b = e + 1;
  }
  return out;
}

std::string pwl(const std::vector<std::pair<double, double>>& points) {
  std::string s = "PWL(";
  for (size_t k = 0; k < points.size(); ++k) {
    if (k > 0 && !(points[k].first > points[k - 1].first)) {
      throw NumericError(fmt::format("PWL times must increase: point {} at t = {} s after t = {} s", k, points[k].first,
                                     points[k - 1].first));
    }
    s += (k == 0 ? "" : " ") + num(points[k].first) + " " + num(points[k].second);
  }
  return s + ")";
}

}  // namespace pimtx::circuits
