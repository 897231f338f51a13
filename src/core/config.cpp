#include "core/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>
#include <utility>

#include "core/errors.h"

namespace pimtx::core {

namespace fs = std::filesystem;

struct ConfigState {
  toml::table doc;
  toml::table resolved;
  std::string origin = "<string>";
  fs::path base_dir;  // relative paths in the document resolve against this
  std::set<std::string> known;
  std::set<std::string> overridden;
  // Every path get_path() returned, shared with copies made by copy_to() (for output path checks).
  std::shared_ptr<std::vector<std::string>> paths_read = std::make_shared<std::vector<std::string>>();
};

namespace {

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::vector<std::string> split_path(std::string_view dotted) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    const size_t end = dot == std::string_view::npos ? dotted.size() : dot;
    parts.emplace_back(dotted.substr(start, end - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return parts;
}

const toml::table* table_at(const ConfigState& st, const std::string& path) {
  const toml::table* t = &st.doc;
  if (path.empty()) {
    return t;
  }
  for (const auto& part : split_path(path)) {
    const toml::node* n = t->get(part);
    if (n == nullptr || !n->is_table()) {
      return nullptr;
    }
    t = n->as_table();
  }
  return t;
}

toml::table& table_for_insert(toml::table& root, const std::string& path) {
  toml::table* t = &root;
  if (path.empty()) {
    return *t;
  }
  for (const auto& part : split_path(path)) {
    toml::node* n = t->get(part);
    if (n == nullptr || !n->is_table()) {
      t->insert_or_assign(part, toml::table{});
      n = t->get(part);
    }
    t = n->as_table();
  }
  return *t;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string render(const toml::node& n) {
  std::ostringstream os;
  if (n.is_table()) {
    return "{table}";
  }
  if (n.is_string()) {
    return "\"" + n.as_string()->get() + "\"";
  }
  n.visit([&os](const auto& v) { os << toml::toml_formatter(v); });
  std::string s = os.str();
  if (s.size() > 80) {
    s = s.substr(0, 77) + "...";
  }
  return s;
}

std::string fmt_num(double v) { return fmt::format("{}", v); }

}  // namespace

// Private access helpers for Section (kept out of the header so toml++ stays an implementation detail).
struct SectionAccess {
  static const toml::node* find(const Section& s, std::string_view key) {
    const toml::table* t = table_at(*s.state_, s.path_);
    return t == nullptr ? nullptr : t->get(key);
  }
  static void mark(const Section& s, std::string_view key) {
    // Mark the key and every enclosing table as known.
    const std::string full = s.key_path(key);
    auto parts = split_path(full);
    std::string acc;
    for (const auto& p : parts) {
      acc = join_path(acc, p);
      s.state_->known.insert(acc);
    }
  }
  template <class T>
  static void resolve(const Section& s, std::string_view key, T&& value) {
    table_for_insert(s.state_->resolved, s.path_).insert_or_assign(std::string(key), std::forward<T>(value));
  }
  [[noreturn]] static void fail_value(const Section& s, std::string_view key, const toml::node& n,
                                      const std::string& msg) {
    throw ConfigError(fmt::format("config key '{}' = {} {}: {}", s.key_path(key), render(n), s.where(key), msg));
  }
};

bool Range::contains(double v) const {
  if (std::isnan(v)) {
    return false;
  }
  const bool lo_ok = min_inclusive ? v >= min : v > min;
  const bool hi_ok = max_inclusive ? v <= max : v < max;
  return lo_ok && hi_ok;
}

std::string Range::describe() const {
  const bool has_lo = std::isfinite(min);
  const bool has_hi = std::isfinite(max);
  if (has_lo && has_hi) {
    return fmt::format("must be in {}{}, {}{}", min_inclusive ? "[" : "(", fmt_num(min), fmt_num(max),
                       max_inclusive ? "]" : ")");
  }
  if (has_lo) {
    return fmt::format("must be {} {}", min_inclusive ? ">=" : ">", fmt_num(min));
  }
  if (has_hi) {
    return fmt::format("must be {} {}", max_inclusive ? "<=" : "<", fmt_num(max));
  }
  return "must be finite";
}

Section::Section(std::shared_ptr<ConfigState> state, std::string path)
    : state_(std::move(state)), path_(std::move(path)) {}

std::string Section::key_path(std::string_view key) const { return join_path(path_, key); }

bool Section::has(std::string_view key) const { return SectionAccess::find(*this, key) != nullptr; }

bool Section::exists() const { return table_at(*state_, path_) != nullptr; }

std::string Section::where(std::string_view key) const {
  const std::string full = key_path(key);
  if (state_->overridden.count(full) != 0) {
    return "(--set)";
  }
  const toml::node* n = SectionAccess::find(*this, key);
  if (n == nullptr) {
    const toml::table* t = table_at(*state_, path_);
    if (t == nullptr || !t->source().begin) {
      return fmt::format("({})", state_->origin);
    }
    n = t;
  }
  const auto& src = n->source();
  if (src.begin) {
    return fmt::format("({}:{})", state_->origin, src.begin.line);
  }
  return fmt::format("({})", state_->origin);
}

void Section::fail(std::string_view key, const std::string& message) const {
  const toml::node* n = SectionAccess::find(*this, key);
  if (n != nullptr) {
    SectionAccess::fail_value(*this, key, *n, message);
  }
  throw ConfigError(fmt::format("config key '{}' {}: {}", key_path(key), where(key), message));
}

double Section::get_double(std::string_view key, double def, Range range) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  double v = def;
  if (n != nullptr) {
    if (n->is_floating_point()) {
      v = n->as_floating_point()->get();
    } else if (n->is_integer()) {
      v = static_cast<double>(n->as_integer()->get());
    } else {
      SectionAccess::fail_value(*this, key, *n, "expected a number, got " + type_name(*n));
    }
    if (!std::isfinite(v)) {
      SectionAccess::fail_value(*this, key, *n, "must be finite");
    }
    if (!range.contains(v)) {
      SectionAccess::fail_value(*this, key, *n, range.describe());
    }
  }
  SectionAccess::resolve(*this, key, v);
  return v;
}

double Section::require_double(std::string_view key, Range range) {
  if (!has(key)) {
    fail(key, "required key is missing");
  }
  return get_double(key, 0.0, range);
}

int64_t Section::get_int(std::string_view key, int64_t def, Range range) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  int64_t v = def;
  if (n != nullptr) {
    if (!n->is_integer()) {
      SectionAccess::fail_value(*this, key, *n, "expected an integer, got " + type_name(*n));
    }
    v = n->as_integer()->get();
    if (!range.contains(static_cast<double>(v))) {
      SectionAccess::fail_value(*this, key, *n, range.describe());
    }
  }
  SectionAccess::resolve(*this, key, v);
  return v;
}

int64_t Section::require_int(std::string_view key, Range range) {
  if (!has(key)) {
    fail(key, "required key is missing");
  }
  return get_int(key, 0, range);
}

bool Section::get_bool(std::string_view key, bool def) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  bool v = def;
  if (n != nullptr) {
    if (!n->is_boolean()) {
      SectionAccess::fail_value(*this, key, *n, "expected true or false, got " + type_name(*n));
    }
    v = n->as_boolean()->get();
  }
  SectionAccess::resolve(*this, key, v);
  return v;
}

std::string Section::get_string(std::string_view key, const std::string& def, const std::vector<std::string>& allowed) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  std::string v = def;
  if (n != nullptr) {
    if (!n->is_string()) {
      SectionAccess::fail_value(*this, key, *n, "expected a string, got " + type_name(*n));
    }
    v = n->as_string()->get();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      SectionAccess::fail_value(*this, key, *n, fmt::format("must be one of: {}", fmt::join(allowed, ", ")));
    }
  }
  SectionAccess::resolve(*this, key, v);
  return v;
}

std::string Section::require_string(std::string_view key, const std::vector<std::string>& allowed) {
  if (!has(key)) {
    fail(key, "required key is missing");
  }
  return get_string(key, "", allowed);
}

std::vector<double> Section::get_double_array(std::string_view key, const std::vector<double>& def, Range range) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  std::vector<double> v = def;
  if (n != nullptr) {
    if (!n->is_array()) {
      SectionAccess::fail_value(*this, key, *n, "expected an array of numbers, got " + type_name(*n));
    }
    v.clear();
    size_t i = 0;
    for (const auto& e : *n->as_array()) {
      double x = 0.0;
      if (e.is_floating_point()) {
        x = e.as_floating_point()->get();
      } else if (e.is_integer()) {
        x = static_cast<double>(e.as_integer()->get());
      } else {
        SectionAccess::fail_value(*this, key, *n, fmt::format("element {} is {}, expected a number", i, type_name(e)));
      }
      if (!std::isfinite(x) || !range.contains(x)) {
        SectionAccess::fail_value(*this, key, *n, fmt::format("element {} = {}: {}", i, fmt_num(x), range.describe()));
      }
      v.push_back(x);
      ++i;
    }
  }
  toml::array arr;
  for (double x : v) {
    arr.push_back(x);
  }
  SectionAccess::resolve(*this, key, std::move(arr));
  return v;
}

std::vector<int64_t> Section::get_int_array(std::string_view key, const std::vector<int64_t>& def, Range range) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  std::vector<int64_t> v = def;
  if (n != nullptr) {
    if (!n->is_array()) {
      SectionAccess::fail_value(*this, key, *n, "expected an array of integers, got " + type_name(*n));
    }
    v.clear();
    size_t i = 0;
    for (const auto& e : *n->as_array()) {
      if (!e.is_integer()) {
        SectionAccess::fail_value(*this, key, *n,
                                  fmt::format("element {} is {}, expected an integer", i, type_name(e)));
      }
      const int64_t x = e.as_integer()->get();
      if (!range.contains(static_cast<double>(x))) {
        SectionAccess::fail_value(*this, key, *n, fmt::format("element {} = {}: {}", i, x, range.describe()));
      }
      v.push_back(x);
      ++i;
    }
  }
  toml::array arr;
  for (int64_t x : v) {
    arr.push_back(x);
  }
  SectionAccess::resolve(*this, key, std::move(arr));
  return v;
}

std::vector<std::string> Section::get_string_array(std::string_view key, const std::vector<std::string>& def) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  std::vector<std::string> v = def;
  if (n != nullptr) {
    if (!n->is_array()) {
      SectionAccess::fail_value(*this, key, *n, "expected an array of strings, got " + type_name(*n));
    }
    v.clear();
    size_t i = 0;
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) {
        SectionAccess::fail_value(*this, key, *n, fmt::format("element {} is {}, expected a string", i, type_name(e)));
      }
      v.push_back(e.as_string()->get());
      ++i;
    }
  }
  toml::array arr;
  for (const auto& x : v) {
    arr.push_back(x);
  }
  SectionAccess::resolve(*this, key, std::move(arr));
  return v;
}

std::string Section::get_path(std::string_view key, const std::string& def, bool must_exist) {
  const bool from_doc = has(key) && state_->overridden.count(key_path(key)) == 0;
  std::string raw = get_string(key, def);
  if (raw.empty()) {
    if (must_exist) {
      fail(key, "a file path is required");
    }
    return raw;
  }
  fs::path p(raw);
  if (p.is_relative() && from_doc && !state_->base_dir.empty()) {
    p = state_->base_dir / p;
  }
  const std::string resolved = p.lexically_normal().string();
  if (must_exist && !fs::exists(p)) {
    fail(key, fmt::format("file not found: {}", resolved));
  }
  SectionAccess::resolve(*this, key, resolved);
  state_->paths_read->push_back(resolved);
  return resolved;
}

Section Section::section(std::string_view key) {
  SectionAccess::mark(*this, key);
  const toml::node* n = SectionAccess::find(*this, key);
  if (n != nullptr && !n->is_table()) {
    SectionAccess::fail_value(*this, key, *n, "expected a table, got " + type_name(*n));
  }
  table_for_insert(state_->resolved, key_path(key));
  return Section(state_, key_path(key));
}

namespace {
template <class T>
void put_value(ConfigState& st, const std::string& path, std::string_view key, T&& value) {
  table_for_insert(st.doc, path).insert_or_assign(std::string(key), std::forward<T>(value));
}
template <class T>
toml::array to_array(const std::vector<T>& v) {
  toml::array a;
  for (const auto& x : v) {
    a.push_back(x);
  }
  return a;
}
}  // namespace

void Section::set_double(std::string_view key, double v) { put_value(*state_, path_, key, v); }
void Section::set_int(std::string_view key, int64_t v) { put_value(*state_, path_, key, v); }
void Section::set_bool(std::string_view key, bool v) { put_value(*state_, path_, key, v); }
void Section::set_string(std::string_view key, const std::string& v) { put_value(*state_, path_, key, v); }
void Section::set_double_array(std::string_view key, const std::vector<double>& v) {
  put_value(*state_, path_, key, to_array(v));
}
void Section::set_int_array(std::string_view key, const std::vector<int64_t>& v) {
  put_value(*state_, path_, key, to_array(v));
}
void Section::set_string_array(std::string_view key, const std::vector<std::string>& v) {
  put_value(*state_, path_, key, to_array(v));
}

void Section::set_table(std::string_view key, const Section& src) {
  toml::table copy;
  if (const toml::table* t = table_at(*src.state_, src.path_)) {
    copy = *t;
  }
  put_value(*state_, path_, key, std::move(copy));
}

bool Section::same_table(const Section& other) const {
  static const toml::table empty;
  const toml::table* a = table_at(*state_, path_);
  const toml::table* b = table_at(*other.state_, other.path_);
  return (a != nullptr ? *a : empty) == (b != nullptr ? *b : empty);
}

Section::Kind Section::kind(std::string_view key) const {
  const toml::node* n = SectionAccess::find(*this, key);
  if (n == nullptr) {
    return Kind::absent;
  }
  switch (n->type()) {
    case toml::node_type::floating_point:
      return Kind::number;
    case toml::node_type::integer:
      return Kind::integer;
    case toml::node_type::boolean:
      return Kind::boolean;
    case toml::node_type::string:
      return Kind::string;
    case toml::node_type::array:
      return Kind::array;
    case toml::node_type::table:
      return Kind::table;
    default:
      return Kind::other;
  }
}

std::vector<std::string> Section::keys() const {
  std::vector<std::string> out;
  if (const toml::table* t = table_at(*state_, path_)) {
    for (const auto& [k, v] : *t) {
      out.emplace_back(k.str());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
void mark_all(std::set<std::string>& known, const toml::table& t, const std::string& path) {
  for (const auto& [k, v] : t) {
    const std::string kp = join_path(path, std::string(k.str()));
    known.insert(kp);
    if (const toml::table* sub = v.as_table()) {
      mark_all(known, *sub, kp);
    }
  }
}
}  // namespace

Config Section::copy_to(std::string_view under) const {
  Config c;
  c.state_->origin = state_->origin;
  c.state_->base_dir = state_->base_dir;
  c.state_->paths_read = state_->paths_read;
  toml::table& dst = table_for_insert(c.state_->doc, std::string(under));
  if (const toml::table* t = table_at(*state_, path_)) {
    dst = *t;
    mark_all(state_->known, *t, path_);
  }
  if (!path_.empty()) {
    auto parts = split_path(path_);
    std::string acc;
    for (const auto& p : parts) {
      acc = join_path(acc, p);
      state_->known.insert(acc);
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------

Config::Config() : state_(std::make_shared<ConfigState>()) {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Config Config::from_file(const std::string& path) {
  if (!fs::exists(path)) {
    throw ConfigError(fmt::format("config file not found: {}", path));
  }
  Config c;
  try {
    c.state_->doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("config file {}:{}:{}: TOML syntax error: {}", path, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  c.state_->origin = path;
  c.state_->base_dir = fs::path(path).parent_path();
  return c;
}

Config Config::from_string(std::string_view text, const std::string& origin) {
  Config c;
  try {
    c.state_->doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("config {}:{}:{}: TOML syntax error: {}", origin, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  c.state_->origin = origin;
  return c;
}

void Config::apply_override(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError(fmt::format("--set '{}': expected key.path=value", assignment));
  }
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  const std::string key = trim(assignment.substr(0, eq));
  const std::string value = trim(assignment.substr(eq + 1));
  const auto parts = split_path(key);
  for (const auto& p : parts) {
    if (p.empty() ||
        p.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos) {
      throw UsageError(fmt::format("--set '{}': bad key path '{}'", assignment, key));
    }
  }
  toml::table parsed;
  bool ok = true;
  try {
    parsed = toml::parse(std::string_view(std::string("v = ") + value), std::string_view("--set"));
  } catch (const toml::parse_error&) {
    ok = false;
  }
  toml::table* t = &state_->doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* n = t->get(parts[i]);
    if (n == nullptr) {
      t->insert_or_assign(parts[i], toml::table{});
      n = t->get(parts[i]);
    } else if (!n->is_table()) {
      throw UsageError(fmt::format("--set '{}': '{}' is a value, not a table", assignment, parts[i]));
    }
    t = n->as_table();
  }
  if (ok && parsed.get("v") != nullptr) {
    t->insert_or_assign(parts.back(), *parsed.get("v"));
  } else {
    t->insert_or_assign(parts.back(), value);
  }
  state_->overridden.insert(key);
}

Section Config::root() { return Section(state_, ""); }

Section Config::section(std::string_view dotted_path) {
  Section s(state_, "");
  for (const auto& part : split_path(dotted_path)) {
    s = s.section(part);
  }
  return s;
}

namespace {
void check_table(const ConfigState& st, const toml::table& t, const std::string& path) {
  for (const auto& [k, v] : t) {
    const std::string full = join_path(path, k.str());
    if (st.known.count(full) == 0) {
      std::vector<std::string> valid;
      const std::string prefix = path.empty() ? "" : path + ".";
      for (const auto& known : st.known) {
        if (known.rfind(prefix, 0) == 0 && known.size() > prefix.size() &&
            known.find('.', prefix.size()) == std::string::npos) {
          valid.push_back(known.substr(prefix.size()));
        }
      }
      std::string where;
      if (st.overridden.count(full) != 0) {
        where = "(--set)";
      } else if (v.source().begin) {
        where = fmt::format("({}:{})", st.origin, v.source().begin.line);
      } else {
        where = fmt::format("({})", st.origin);
      }
      throw ConfigError(fmt::format("unknown config key '{}' {}; valid keys in {}: {}", full, where,
                                    path.empty() ? "the top level" : "[" + path + "]",
                                    valid.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(valid, ", "))));
    }
    if (v.is_table()) {
      check_table(st, *v.as_table(), full);
    }
  }
}
}  // namespace

void Config::check_unknown() const { check_table(*state_, state_->doc, ""); }

std::string Config::resolved_text() const {
  std::ostringstream os;
  os << toml::toml_formatter(state_->resolved);
  return os.str();
}

std::string Config::document_text() const {
  std::ostringstream os;
  os << toml::toml_formatter(state_->doc);
  return os.str();
}

const std::string& Config::origin() const { return state_->origin; }

const std::vector<std::string>& Config::paths_read() const { return *state_->paths_read; }

}  // namespace pimtx::core
