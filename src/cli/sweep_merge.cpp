// Merging the points of a sweep into one result file (contract in sweep_run.h).
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "cli/job.h"
#include "cli/sweep_run.h"
#include "core/config.h"
#include "core/errors.h"
#include "io/h5.h"

namespace pimtx::cli {

namespace fs = std::filesystem;

namespace {

struct Row {
  std::string status = "missing";
  double wall_s = std::numeric_limits<double>::quiet_NaN();
  int64_t exit_code = -1;
  std::string error;
};

Row read_row(const fs::path& dir, const SweepPoint& p) {
  Row row;
  const fs::path status = dir / (p.id + ".status");
  if (fs::exists(status)) {
    core::Config c = core::Config::from_file(status.string());
    auto r = c.root();
    row.status = r.get_string("status", "failed", {"ok", "failed"});
    row.wall_s = r.get_double("wall_s", row.wall_s);
    row.exit_code = r.get_int("exit_code", -1);
    row.error = r.get_string("error", "");
  }
  if (fs::exists(dir / (p.id + ".h5"))) {
    row.status = "ok";
    row.exit_code = 0;
    row.error.clear();
  } else if (row.status == "ok") {
    row.status = "missing";  // status written but the file was removed since
    row.error = "point file missing";
  } else if (row.status == "missing") {
    row.error = "not run";
  }
  return row;
}

// A swept value as TOML text -> number if it is one (int or float literal).
bool numeric_value(const std::string& text, double& v) {
  if (text.empty() || text[0] == '"' || text[0] == '\'' || text[0] == '[' || text == "true" || text == "false") {
    return false;
  }
  char* end = nullptr;
  v = std::strtod(text.c_str(), &end);
  return end != nullptr && *end == '\0';
}

std::string unquote(const std::string& text) {
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    return text.substr(1, text.size() - 2);  // TOML literal string: no escapes
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"' && text.find('\\') == std::string::npos) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace

SweepMergeCounts merge_points(const SweepSpec& spec, const fs::path& dir, const fs::path& out) {
  const size_t n = spec.points.size();
  SweepMergeCounts counts;
  std::vector<Row> rows;
  std::map<std::string, std::vector<double>> results;  // name -> (n_points)
  std::map<std::string, std::string> result_units;
  for (const auto& p : spec.points) {
    Row row = read_row(dir, p);
    if (row.status == "ok") {
      ++counts.ok;
      io::ResultReader r(dir / (p.id + ".h5"));
      for (const auto& d : r.datasets("/")) {
        size_t size = 1;
        for (size_t s : d.shape) {
          size *= s;
        }
        if (!d.numeric || size != 1 || d.path.rfind("/meta", 0) == 0) {
          continue;
        }
        std::string name = d.path.substr(1);
        for (char& c : name) {
          c = c == '/' ? '.' : c;
        }
        auto& col = results[name];
        col.resize(n, std::numeric_limits<double>::quiet_NaN());
        col[p.index] = r.read_doubles(d.path).at(0);
        result_units.emplace(name, d.units.empty() ? "1" : d.units);
      }
    } else if (row.status == "failed") {
      ++counts.failed;
      counts.failed_lines.push_back(fmt::format("point {} ({}): {}", p.index, p.id, row.error));
    } else {
      ++counts.missing;
      counts.failed_lines.push_back(fmt::format("point {} ({}): {}", p.index, p.id, row.error));
    }
    rows.push_back(std::move(row));
  }
  for (auto& [name, col] : results) {
    col.resize(n, std::numeric_limits<double>::quiet_NaN());
  }

  io::RunMeta meta;
  meta.command = command_line();
  meta.config_origin = spec.sweep_file.string();
  meta.config_text = spec.sweep_text;
  meta.start_time_utc = io::utc_now_iso8601();
  io::ResultFile f = io::ResultFile::create(out);
  const std::string t = "/sweep/table";
  std::vector<int64_t> index;
  std::vector<int64_t> seed;
  std::vector<int64_t> exit_code;
  std::vector<double> wall_s;
  std::vector<std::string> id;
  std::vector<std::string> status;
  std::vector<std::string> error;
  for (size_t i = 0; i < n; ++i) {
    index.push_back(static_cast<int64_t>(i));
    seed.push_back(static_cast<int64_t>(spec.points[i].seed));
    exit_code.push_back(rows[i].exit_code);
    wall_s.push_back(rows[i].wall_s);
    id.push_back(spec.points[i].id);
    status.push_back(rows[i].status);
    error.push_back(rows[i].error);
  }
  f.write(t + "/index", index, {}, "1");
  f.write_strings(t + "/id", id);
  f.write(t + "/seed", seed, {}, "1");
  f.write_strings(t + "/status", status);
  f.write(t + "/exit_code", exit_code, {}, "1");
  f.write_strings(t + "/error", error);
  f.write(t + "/wall_s", wall_s, {}, "s");  // timing: the one dataset that differs between runs
  for (size_t k = 0; k < spec.param_keys.size(); ++k) {
    const std::string& key = spec.param_keys[k];
    std::vector<double> num;
    std::vector<std::string> text;
    bool all_numeric = true;
    for (const auto& p : spec.points) {
      std::string v;
      for (const auto& [pk, pv] : p.params) {
        if (pk == key) {
          v = pv;
        }
      }
      double x = 0;
      all_numeric = all_numeric && numeric_value(v, x);
      num.push_back(x);
      text.push_back(unquote(v));
    }
    if (all_numeric) {
      f.write(t + "/params/" + key, num, {}, "as in the key name");
    } else {
      f.write_strings(t + "/params/" + key, text);
    }
  }
  for (const auto& [name, col] : results) {
    f.write(t + "/results/" + name, col, {}, result_units[name]);
  }
  f.set_attr("/sweep", "base_config", spec.base_config.string());
  f.set_attr("/sweep", "n_points", static_cast<int64_t>(n));
  f.set_attr("/sweep", "n_ok", static_cast<int64_t>(counts.ok));
  f.set_attr("/sweep", "n_failed", static_cast<int64_t>(counts.failed));
  f.set_attr("/sweep", "n_missing", static_cast<int64_t>(counts.missing));
  for (const auto& p : spec.points) {
    if (rows[p.index].status != "ok") {
      continue;
    }
    const fs::path src = dir / (p.id + ".h5");
    std::vector<std::string> top;
    {
      io::ResultReader r(src);
      top = r.children("/");
    }
    for (const auto& c : top) {
      f.copy_from(src, "/" + c, "/sweep/points/" + p.id + "/" + c);
    }
  }
  meta.end_time_utc = io::utc_now_iso8601();
  f.write_meta(meta);
  f.commit();
  return counts;
}

}  // namespace pimtx::cli
