#include "calibration/measured_data.h"

#include <fmt/format.h>

#include <fstream>
#include <functional>

#include "core/errors.h"
#include "io/csv.h"

namespace pimtx::calibration {

namespace {

// 1-based line number of the header (first non-blank, non-comment line), for "missing column" messages.
size_t header_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto b = line.find_first_not_of(" \t\r");
    if (b != std::string::npos && line[b] != '#') {
      return n;
    }
  }
  return 1;
}

// Column indices of `names`, in order; ConfigError "file:line: missing column 'x' (columns present: ...)".
std::vector<size_t> columns(const io::CsvTable& t, const std::vector<std::string>& names) {
  std::vector<size_t> out;
  for (const auto& n : names) {
    bool found = false;
    for (size_t i = 0; i < t.header.size(); ++i) {
      if (t.header[i] == n) {
        out.push_back(i);
        found = true;
        break;
      }
    }
    if (!found) {
      std::string present;
      for (const auto& h : t.header) {
        present += (present.empty() ? "" : ", ") + h;
      }
      throw ConfigError(
          fmt::format("{}:{}: missing column '{}' (header has: {})", t.path, header_line(t.path), n, present));
    }
  }
  return out;
}

using Check = std::function<const char*(double)>;  // nullptr if fine, else the reason

std::vector<std::vector<double>> extract(const io::CsvTable& t, const std::vector<std::string>& names,
                                         const std::vector<Check>& checks) {
  const auto cols = columns(t, names);
  if (t.rows.empty()) {
    throw ConfigError(fmt::format("{}: no data rows", t.path));
  }
  std::vector<std::vector<double>> out(names.size());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    for (size_t k = 0; k < cols.size(); ++k) {
      const double v = t.rows[r][cols[k]];
      if (checks[k]) {
        if (const char* why = checks[k](v)) {
          t.fail(r, cols[k], why);
        }
      }
      out[k].push_back(v);
    }
  }
  return out;
}

const char* positive_width(double v) { return v > 0 ? nullptr : "pulse width must be > 0"; }
const char* positive_g(double v) { return v > 0 ? nullptr : "conductance must be > 0"; }
const char* non_negative_t(double v) { return v >= 0 ? nullptr : "time must be >= 0"; }

}  // namespace

PulseData read_pulse_csv(const std::string& path) {
  const auto t = io::read_numeric_csv(path, true);
  auto c = extract(t, {"v_pulse_v", "t_pulse_s", "g_before_s", "g_after_s"},
                   {nullptr, positive_width, positive_g, positive_g});
  return {c[0], c[1], c[2], c[3]};
}

IvData read_iv_csv(const std::string& path) {
  const auto t = io::read_numeric_csv(path, true);
  auto c = extract(t, {"g0_s", "v_v", "i_a"}, {positive_g, nullptr, nullptr});
  return {c[0], c[1], c[2]};
}

RetentionData read_retention_csv(const std::string& path) {
  const auto t = io::read_numeric_csv(path, true);
  auto c = extract(t, {"cell", "t_s", "v_store_v"}, {nullptr, non_negative_t, nullptr});
  return {c[0], c[1], c[2]};
}

ReadData read_gain_read_csv(const std::string& path) {
  const auto t = io::read_numeric_csv(path, true);
  auto c = extract(t, {"v_store_v", "v_read_v", "i_read_a"}, {nullptr, nullptr, nullptr});
  return {c[0], c[1], c[2]};
}

}  // namespace pimtx::calibration
