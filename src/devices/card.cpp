#include "devices/card.h"

#include <fmt/format.h>

#include <set>

#include "core/errors.h"

namespace pimtx::devices {

namespace {
bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
std::string toml_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
    }
    o += c;
  }
  return o + "\"";
}
}  // namespace

std::string units_of_key(const std::string& key) {
  // "_s" is ambiguous by STYLE.md §3: conductances (g_max_s, g0_range_s) are siemens, times (t_pulse_s,
  // tau_ret_s) seconds. Conductance keys start with "g" in their last component.
  const auto dot = key.rfind('.');
  const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
  if (!leaf.empty() && leaf[0] == 'g' && ends_with(leaf, "_s")) {
    return "S";
  }
  static const std::pair<const char*, const char*> table[] = {{"_per_s", "1/s"}, {"_ohm", "ohm"}, {"_s", "s"},
                                                              {"_v", "V"},       {"_a", "A"},     {"_f", "F"},
                                                              {"_k", "K"},       {"_hz", "Hz"},   {"_j", "J"}};
  for (const auto& [suf, unit] : table) {
    if (ends_with(key, suf)) {
      return unit;
    }
  }
  return "1";
}

std::string DeviceCard::to_toml() const {
  // Group keys by their table prefix ("read.coef_si" → table "read", key "coef_si").
  std::map<std::string, std::vector<std::string>> lines;
  auto put = [&](const std::string& key, const std::string& value) {
    const auto dot = key.rfind('.');
    const std::string table = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string k = dot == std::string::npos ? key : key.substr(dot + 1);
    lines[table].push_back(k + " = " + value);
  };
  put("type", toml_quote(model));
  for (const auto& [k, v] : params) {
    put(k, fmt::format("{:.17g}", v));
  }
  for (const auto& [k, v] : arrays) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      s += fmt::format("{}{:.17g}", i ? ", " : "", v[i]);
    }
    put(k, s + "]");
  }
  for (const auto& [k, v] : strings) {
    put(k, toml_quote(v));
  }
  for (const auto& [k, v] : flags) {
    put(k, v ? "true" : "false");
  }
  std::string out;
  for (const auto& l : lines[""]) {
    out += l + "\n";
  }
  for (const auto& [table, ls] : lines) {
    if (table.empty()) {
      continue;
    }
    out += "[" + table + "]\n";
    for (const auto& l : ls) {
      out += l + "\n";
    }
  }
  return out;
}

namespace {
void walk_model_table(DeviceCard& c, core::Section& t, const std::string& prefix) {
  for (const auto& key : t.keys()) {
    const std::string k = prefix + key;
    switch (t.kind(key)) {
      case core::Section::Kind::number:
      case core::Section::Kind::integer:
        c.params[k] = t.get_double(key, 0.0);
        break;
      case core::Section::Kind::boolean:
        c.flags[k] = t.get_bool(key, false);
        break;
      case core::Section::Kind::string:
        if (k == "type") {
          c.model = t.get_string(key, "");
        } else {
          c.strings[k] = t.get_string(key, "");
        }
        break;
      case core::Section::Kind::array:
        c.arrays[k] = t.get_double_array(key, {});
        break;
      case core::Section::Kind::table: {
        auto sub = t.section(key);
        walk_model_table(c, sub, k + ".");
        break;
      }
      default:
        t.fail(key, "a device card holds numbers, arrays, strings and booleans only");
    }
  }
}
}  // namespace

void DeviceCard::set_model_params(core::Section& table) { walk_model_table(*this, table, ""); }

void write_device_card(io::ResultFile& out, const DeviceCard& c) {
  out.create_group("/device");
  out.set_attr("/device", "model", c.model);
  out.set_attr("/device", "source", c.source);
  out.set_attr("/device", "card_version", c.version);
  out.create_group("/device/params");
  for (const auto& [k, v] : c.params) {
    const std::string p = "/device/params/" + k;
    out.write_scalar(p, v, units_of_key(k));
    const auto it = c.std_err.find(k);
    out.set_attr(p, "std_err", it == c.std_err.end() ? 0.0 : it->second);
  }
  out.create_group("/device/derived");
  for (const auto& [k, v] : c.derived) {
    const std::string p = "/device/derived/" + k;
    out.write_scalar(p, v, units_of_key(k));
    const auto it = c.std_err.find(k);
    out.set_attr(p, "std_err", it == c.std_err.end() ? 0.0 : it->second);
  }
  out.create_group("/device/arrays");
  for (const auto& [k, v] : c.arrays) {
    out.write("/device/arrays/" + k, v, {}, "1");
  }
  out.create_group("/device/strings");
  for (const auto& [k, v] : c.strings) {
    out.write_string("/device/strings/" + k, v);
  }
  out.create_group("/device/flags");
  for (const auto& [k, v] : c.flags) {
    out.write_scalar("/device/flags/" + k, v ? 1.0 : 0.0, "1");
  }
  out.create_group("/device/validity");
  for (const auto& [k, v] : c.validity) {
    const std::vector<double> mm{v.first, v.second};
    out.write("/device/validity/" + k, mm, {}, units_of_key(k));
  }
  out.create_group("/device/fit");
  for (const auto& [k, f] : c.fits) {
    const std::string g = "/device/fit/" + k;
    out.write_scalar(g + "/r2", f.r2, "1");
    out.write_scalar(g + "/rms_residual", f.rms_residual, "1");
    out.write_scalar(g + "/max_abs_residual", f.max_abs_residual, "1");
    out.write_scalar(g + "/max_rel_residual", f.max_rel_residual, "1");
    out.write_scalar(g + "/n_points", f.n_points, "count");
  }
  if (!c.array_check.empty()) {
    out.create_group("/device/array_check");
    for (const auto& [k, v] : c.array_check) {
      out.write("/device/array_check/" + k, v, {}, units_of_key(k));
    }
  }
  const std::string pv = "/device/provenance";
  out.create_group(pv);
  // Empty string lists are not written: io::ResultReader cannot read back a zero-length string dataset.
  auto strings = [&](const std::string& name, const std::vector<std::string>& v) {
    if (!v.empty()) {
      out.write_strings(pv + "/" + name, v);
    }
  };
  strings("netlist_names", c.netlist_names);
  strings("netlist_sha256", c.netlist_sha256);
  out.write_string(pv + "/ngspice_version", c.ngspice_version);
  out.write_scalar(pv + "/seed", c.seed, "1");
  out.write_string(pv + "/config", c.config_text);
  strings("data_files", c.data_files);
  strings("failed_points", c.failed_points);
}

DeviceCard load_device_card(const std::filesystem::path& path) {
  io::ResultReader r(path);
  if (!r.exists("/device")) {
    throw IoError(fmt::format("{}: no /device group (not a device card)", path.string()));
  }
  DeviceCard c;
  c.model = r.attr_string("/device", "model");
  c.source = r.attr_string("/device", "source");
  c.version =
      r.has_attr("/device", "card_version") ? static_cast<int64_t>(r.attr_double("/device", "card_version")) : 1;
  if (c.version < 1 || c.version > k_card_version) {
    throw ConfigError(
        fmt::format("{}: device card version {} is not readable by this pimtx (reads versions 1..{}); "
                    "regenerate the card with the command in its /device/provenance/config",
                    path.string(), c.version, k_card_version));
  }
  static const std::set<std::string> known{"metal_oxide", "vteam", "gain_cell"};
  if (known.count(c.model) == 0) {
    throw ConfigError(fmt::format("{}: unknown device model '{}' in card", path.string(), c.model));
  }
  for (const auto& k : r.children("/device/params")) {
    const std::string p = "/device/params/" + k;
    c.params[k] = r.read_doubles(p).at(0);
    if (r.has_attr(p, "std_err")) {
      c.std_err[k] = r.attr_double(p, "std_err");
    }
  }
  if (r.exists("/device/derived")) {
    for (const auto& k : r.children("/device/derived")) {
      c.derived[k] = r.read_doubles("/device/derived/" + k).at(0);
    }
  }
  for (const auto& k : r.children("/device/arrays")) {
    c.arrays[k] = r.read_doubles("/device/arrays/" + k);
  }
  for (const auto& k : r.children("/device/strings")) {
    c.strings[k] = r.read_string("/device/strings/" + k);
  }
  if (r.exists("/device/flags")) {
    for (const auto& k : r.children("/device/flags")) {
      c.flags[k] = r.read_doubles("/device/flags/" + k).at(0) != 0.0;
    }
  }
  for (const auto& k : r.children("/device/validity")) {
    const auto v = r.read_doubles("/device/validity/" + k);
    c.validity[k] = {v.at(0), v.at(1)};
  }
  for (const auto& k : r.children("/device/fit")) {
    const std::string g = "/device/fit/" + k;
    FitQuality f;
    f.r2 = r.read_doubles(g + "/r2").at(0);
    f.rms_residual = r.read_doubles(g + "/rms_residual").at(0);
    f.max_abs_residual = r.read_doubles(g + "/max_abs_residual").at(0);
    f.max_rel_residual = r.read_doubles(g + "/max_rel_residual").at(0);
    f.n_points = r.read_ints(g + "/n_points").at(0);
    c.fits[k] = f;
  }
  if (r.exists("/device/array_check")) {
    for (const auto& k : r.children("/device/array_check")) {
      c.array_check[k] = r.read_doubles("/device/array_check/" + k);
    }
  }
  const std::string pv = "/device/provenance";
  if (r.exists(pv)) {
    auto strings = [&](const std::string& name) {
      return r.exists(pv + "/" + name) ? r.read_strings(pv + "/" + name) : std::vector<std::string>{};
    };
    c.netlist_names = strings("netlist_names");
    c.netlist_sha256 = strings("netlist_sha256");
    c.ngspice_version = r.read_string(pv + "/ngspice_version");
    c.seed = r.read_ints(pv + "/seed").at(0);
    c.config_text = r.read_string(pv + "/config");
    c.data_files = strings("data_files");
    c.failed_points = strings("failed_points");
  }
  return c;
}

}  // namespace pimtx::devices
