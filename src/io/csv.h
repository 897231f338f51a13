// Numeric CSV reading with precise errors (file, line, column, bad value).
//
// Contract: read_numeric_csv() parses a comma-separated file of numbers. With a header, columns are
// named and require_columns() checks that the needed ones are present. Blank lines and lines starting
// with '#' are skipped. Every row must have the same number of fields. Errors are ConfigError (the data
// is user input) naming the file, 1-based line and column, e.g.
//   data.csv:7: column 3 ('width_s'): 'abc' is not a number
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pimtx::io {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;        // empty if the file has no header
  std::vector<std::vector<double>> rows;  // rows[i][j]
  std::vector<size_t> line_of_row;        // 1-based file line of each row, for error messages

  [[nodiscard]] size_t n_cols() const;
  // Index of a named column; ConfigError naming the file and the available columns if missing.
  [[nodiscard]] size_t column(const std::string& name) const;
  // ConfigError naming the first missing column.
  void require_columns(const std::vector<std::string>& names) const;
  // ConfigError "file:line: column k ('name'): value v: <message>" for row r, column c.
  [[noreturn]] void fail(size_t row, size_t col, const std::string& message) const;
};

// has_header: the first non-comment line names the columns (and must not be numeric).
CsvTable read_numeric_csv(const std::string& path, bool has_header);

}  // namespace pimtx::io
