// Validated TOML configuration (toml++), STYLE.md §2–3.
//
// Contract: a Config owns one TOML document (from a file or a string) plus `--set` overrides. Code reads it
// through Section views: every get_*() validates type and range and records the key as known, and the
// effective value (default included) in the resolved config. After all units are constructed, the owner
// calls Config::check_unknown(), which rejects any key nobody asked for and lists the valid keys of its
// table. Errors are ConfigError and name the dotted key path, the file and line, and the bad value, e.g.
//   config key 'xbar.device.r_on_ohm' = -5 (run.toml:12): must be > 0
// Values are SI with the unit in the key name (r_wire_ohm, t_pulse_s); see STYLE.md §3.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pimtx::core {

// Allowed interval for a numeric key. Default: any finite value.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_inclusive = true;
  bool max_inclusive = true;

  static Range any() { return {}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), false, true}; }
  static Range non_negative() { return {0.0, std::numeric_limits<double>::infinity(), true, true}; }
  static Range closed(double lo, double hi) { return {lo, hi, true, true}; }
  static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, true}; }
  static Range above(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, true}; }
  static Range at_most(double hi) { return {-std::numeric_limits<double>::infinity(), hi, true, true}; }
  [[nodiscard]] bool contains(double v) const;
  [[nodiscard]] std::string describe() const;  // "must be > 0", "must be in [0, 1]"
};

class Config;
struct ConfigState;

// A view on one table of the config (possibly absent: then every get returns its default).
class Section {
 public:
  Section(std::shared_ptr<ConfigState> state, std::string path);

  [[nodiscard]] const std::string& path() const { return path_; }  // "" for the root, else "a.b"
  [[nodiscard]] std::string key_path(std::string_view key) const;  // path + "." + key
  [[nodiscard]] bool has(std::string_view key) const;              // present in the document
  [[nodiscard]] bool exists() const;                               // this table is present

  double get_double(std::string_view key, double def, Range range = {});
  double require_double(std::string_view key, Range range = {});
  int64_t get_int(std::string_view key, int64_t def, Range range = {});
  int64_t require_int(std::string_view key, Range range = {});
  bool get_bool(std::string_view key, bool def);
  std::string get_string(std::string_view key, const std::string& def, const std::vector<std::string>& allowed = {});
  std::string require_string(std::string_view key, const std::vector<std::string>& allowed = {});
  std::vector<double> get_double_array(std::string_view key, const std::vector<double>& def, Range range = {});
  std::vector<int64_t> get_int_array(std::string_view key, const std::vector<int64_t>& def, Range range = {});
  std::vector<std::string> get_string_array(std::string_view key, const std::vector<std::string>& def);
  // A file path; relative paths resolve against the config file's directory (or cwd for strings).
  // must_exist: ConfigError naming the key and path if the file is missing.
  std::string get_path(std::string_view key, const std::string& def, bool must_exist);

  // Writing, for to_config() (the inverse of a unit's from_config()): put a value into the document at this
  // table, creating the table (and its parents) if needed; an existing value is replaced. Not recorded in the
  // resolved config (that holds what was read).
  void set_double(std::string_view key, double v);
  void set_int(std::string_view key, int64_t v);
  void set_bool(std::string_view key, bool v);
  void set_string(std::string_view key, const std::string& v);
  void set_double_array(std::string_view key, const std::vector<double>& v);
  void set_int_array(std::string_view key, const std::vector<int64_t>& v);
  void set_string_array(std::string_view key, const std::vector<std::string>& v);
  // Copy the table `src` (as written, sub-tables included; nothing is marked known) to the sub-table `key` of this
  // table, replacing it. For to_config() of a struct that keeps a unit's whole table (xbar::TileParams::adc).
  void set_table(std::string_view key, const Section& src);
  // Whether this table and `other` hold the same keys and values (an absent table is empty; 1 and 1.0 differ).
  // For operator== of a struct that keeps a table.
  [[nodiscard]] bool same_table(const Section& other) const;
  // What the document holds at `key` (without marking it known), for code that walks a written table.
  enum class Kind { absent, number, integer, boolean, string, array, table, other };
  [[nodiscard]] Kind kind(std::string_view key) const;

  // Sub-table `key` (marked known). Absent tables give an empty section.
  Section section(std::string_view key);
  // Names of the sub-tables/keys present in this table (document order not guaranteed: sorted).
  [[nodiscard]] std::vector<std::string> keys() const;
  // A new Config whose document is this table (as written, overrides included) placed at the dotted path
  // `under` (e.g. "arch.attention.planes"), with this config's origin and base directory, so relative paths
  // and error locations stay those of the original file. Every key of the table is marked known here: the
  // copy's owner reads them and calls check_unknown() on the copy. For experiments that sweep a unit.
  [[nodiscard]] Config copy_to(std::string_view under) const;

  // Throw ConfigError for `key` with the given message, naming file/line when known.
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  // "(file:line)" for a key, or "" if unknown; "(--set)" for overrides.
  [[nodiscard]] std::string where(std::string_view key) const;

 private:
  friend struct SectionAccess;
  std::shared_ptr<ConfigState> state_;
  std::string path_;
};

class Config {
 public:
  friend class Section;
  Config();  // empty document
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  static Config from_file(const std::string& path);  // ConfigError if missing or unparsable
  static Config from_string(std::string_view text, const std::string& origin = "<string>");

  // Apply "a.b.c=value". The value is parsed as a TOML value (number, bool, array, quoted string);
  // anything that does not parse is taken as a bare string. UsageError if there is no '='.
  void apply_override(const std::string& assignment);

  Section root();
  Section section(std::string_view dotted_path);

  // ConfigError for the first key present in the document that no get_*/section call asked for.
  void check_unknown() const;

  // The resolved configuration as TOML text: every value that was read, defaults included,
  // overrides applied. Stored in every result file.
  [[nodiscard]] std::string resolved_text() const;
  // The input document (after overrides) as TOML text.
  [[nodiscard]] std::string document_text() const;
  [[nodiscard]] const std::string& origin() const;
  // The file paths read so far through get_path() (also through copies from Section::copy_to()): the
  // inputs of a run, which its output must not overwrite.
  [[nodiscard]] const std::vector<std::string>& paths_read() const;

 private:
  std::shared_ptr<ConfigState> state_;
};

}  // namespace pimtx::core
