#include "io/csv.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace {
std::string write_tmp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("pimtx_csv_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("CSV with header parses and names columns", "[io][csv]") {
  const auto p = write_tmp("ok.csv", "# comment\nv_pulse_v,t_pulse_s\n1.0,1e-6\n\n1.1,2e-6\n");
  auto t = pimtx::io::read_numeric_csv(p, true);
  CHECK(t.rows.size() == 2);
  CHECK(t.column("t_pulse_s") == 1);
  CHECK(t.rows[1][1] == 2e-6);
  CHECK(t.line_of_row[1] == 5);
  CHECK(error_of([&] { t.require_columns({"g_before_s"}); }) ==
        p + ": missing column 'g_before_s' (columns present: v_pulse_v, t_pulse_s)");
  CHECK(error_of([&] { t.fail(1, 1, "must be > 0"); }) == p + ":5: column 2 ('t_pulse_s'): value 2e-06: must be > 0");
  fs::remove(p);
}

TEST_CASE("CSV errors name file, line and column", "[io][csv]") {
  const auto p = write_tmp("bad.csv", "a,b\n1,2\n3,x\n");
  CHECK(error_of([&] { pimtx::io::read_numeric_csv(p, true); }) ==
        p + ":3: column 2 ('b'): 'x' is not a finite number");
  const auto q = write_tmp("short.csv", "1,2\n3\n");
  CHECK(error_of([&] { pimtx::io::read_numeric_csv(q, false); }) == q + ":2: expected 2 fields, found 1");
  CHECK_THROWS_AS(pimtx::io::read_numeric_csv("/nonexistent.csv", false), pimtx::IoError);
  fs::remove(p);
  fs::remove(q);
}
