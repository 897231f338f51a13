// Python dict -> TOML text, so that dict configs go through the same core::Config validation as TOML files
// (unknown keys, ranges and units are checked by the C++ units, with the same messages).
#include "toml.h"

#include <fmt/format.h>

#include "common.h"
#include "core/errors.h"

namespace pimtx::python {

namespace {

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (const char ch : s) {
    switch (ch) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\t':
        q += "\\t";
        break;
      case '\r':
        q += "\\r";
        break;
      default:
        q += ch;
    }
  }
  return q + "\"";
}

std::string key_text(const std::string& k) {
  const bool bare =
      !k.empty() &&
      k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
  return bare ? k : quote(k);
}

std::string value_text(py::handle v, const std::string& where) {
  if (py::isinstance<py::bool_>(v)) {
    return v.cast<bool>() ? "true" : "false";
  }
  if (py::isinstance<py::str>(v)) {
    return quote(v.cast<std::string>());
  }
  if (py::hasattr(v, "__fspath__")) {
    return quote(py::module_::import("os").attr("fspath")(v).cast<std::string>());
  }
  if (py::hasattr(v, "tolist") && !py::isinstance<py::float_>(v)) {  // NumPy arrays and scalars
    return value_text(v.attr("tolist")(), where);
  }
  if (py::isinstance<py::int_>(v)) {
    return py::str(v).cast<std::string>();
  }
  if (py::isinstance<py::float_>(v)) {
    const std::string r = py::repr(py::float_(v.cast<double>())).cast<std::string>();  // shortest round trip
    return r.find_first_of(".enai") == std::string::npos ? r + ".0" : r;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    std::string s = "[";
    bool first = true;
    for (py::handle x : v) {
      s += (first ? "" : ", ") + value_text(x, where);
      first = false;
    }
    return s + "]";
  }
  throw ConfigError(
      fmt::format("config key '{}': a {} cannot be a config value (use numbers, strings, booleans, "
                  "lists or dicts)",
                  where, py::str(v.get_type().attr("__name__")).cast<std::string>()));
}

void emit_table(const py::dict& d, const std::string& path, std::string& out) {
  if (!path.empty()) {
    out += "[" + path + "]\n";
  }
  for (auto [k, v] : d) {
    if (!py::isinstance<py::dict>(v)) {
      const std::string key = py::str(k).cast<std::string>();
      out += key_text(key) + " = " + value_text(v, path.empty() ? key : path + "." + key) + "\n";
    }
  }
  for (auto [k, v] : d) {
    if (py::isinstance<py::dict>(v)) {
      const std::string key = key_text(py::str(k).cast<std::string>());
      emit_table(v.cast<py::dict>(), path.empty() ? key : path + "." + key, out);
    }
  }
}

}  // namespace

std::string dict_to_toml(const py::dict& d, const std::string& under) {
  std::string out;
  emit_table(d, under, out);
  return out;
}

}  // namespace pimtx::python
