#include "io/csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace pimtx::io {

namespace {
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// A field as shown in an error: bytes outside printable ASCII as \xNN, so nothing invisible hides in it.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream is(line);
  while (std::getline(is, field, ',')) {
    out.push_back(trim(field));
  }
  if (!line.empty() && line.back() == ',') {
    out.emplace_back();
  }
  return out;
}
}  // namespace

size_t CsvTable::n_cols() const { return header.empty() ? (rows.empty() ? 0 : rows.front().size()) : header.size(); }

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) {
      return i;
    }
  }
  throw ConfigError(fmt::format(
      "{}: missing column '{}' (columns present: {})", path, name,
      header.empty() ? std::string("none, file has no header") : fmt::format("{}", fmt::join(header, ", "))));
}

void CsvTable::require_columns(const std::vector<std::string>& names) const {
  for (const auto& n : names) {
    (void)column(n);
  }
}

void CsvTable::fail(size_t row, size_t col, const std::string& message) const {
  const std::string name = col < header.size() ? fmt::format(" ('{}')", header[col]) : std::string();
  throw ConfigError(fmt::format("{}:{}: column {}{}: value {}: {}", path, line_of_row.at(row), col + 1, name,
                                rows.at(row).at(col), message));
}

CsvTable read_numeric_csv(const std::string& path, bool has_header) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) &&
      !std::filesystem::is_regular_file(path, ec)) {  // a directory, /dev/zero, a fifo: never a table
    throw ConfigError(fmt::format("CSV file {} is not a regular file", path));
  }
  std::ifstream in(path);
  if (!in) {
    throw IoError(fmt::format("cannot open CSV file {}", path));
  }
  CsvTable t;
  t.path = path;
  std::string line;
  size_t lineno = 0;
  size_t expected = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1 && line.rfind(k_utf8_bom, 0) == 0) {
      line.erase(0, k_utf8_bom.size());  // spreadsheet exports start with a BOM; it is not part of the data
    }
    const std::string s = trim(line);
    if (s.empty() || s[0] == '#') {
      continue;
    }
    auto fields = split_fields(s);
    if (has_header && t.header.empty()) {
      t.header = fields;
      expected = fields.size();
      continue;
    }
    if (expected == 0) {
      expected = fields.size();
    }
    if (fields.size() != expected) {
      throw ConfigError(fmt::format("{}:{}: expected {} fields, found {}", path, lineno, expected, fields.size()));
    }
    std::vector<double> row;
    row.reserve(fields.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      const std::string& f = fields[c];
      const std::string name = c < t.header.size() ? fmt::format(" ('{}')", t.header[c]) : std::string();
      if (f.empty()) {
        throw ConfigError(fmt::format("{}:{}: column {}{}: empty value", path, lineno, c + 1, name));
      }
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(f.c_str(), &end);
      if (end == f.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
        throw ConfigError(
            fmt::format("{}:{}: column {}{}: '{}' is not a finite number", path, lineno, c + 1, name, printable(f)));
      }
      row.push_back(v);
    }
    t.rows.push_back(std::move(row));
    t.line_of_row.push_back(lineno);
  }
  if (has_header && t.header.empty()) {
    throw ConfigError(fmt::format("{}: empty file (expected a header line)", path));
  }
  if (t.rows.empty()) {
    throw ConfigError(fmt::format("{}: no data rows", path));
  }
  return t;
}

}  // namespace pimtx::io
