// HDF5 result store (the only code that includes H5 headers), schema in docs/results-format.md.
//
// Contract: ResultFile::create(final) writes to "<final>.tmp.<pid>" and commit() closes it and renames
// it to `final`; a ResultFile destroyed without commit() (an exception unwound the run) deletes the
// temporary file, so a half-written file never appears under the final name. Dataset and attribute
// paths are absolute ("/xbar/currents_a"); missing parent groups are created. Every numeric dataset
// gets a `units` attribute (use "1" for dimensionless and "count" for counts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace pimtx::io {

// Provenance written as attributes of /meta by write_meta().
struct RunMeta {
  std::string command;        // e.g. "pimtx run cfg.toml --seed 3"
  std::string config_text;    // resolved config (TOML)
  std::string config_origin;  // file the config came from
  uint64_t seed = 0;
  std::string start_time_utc;  // ISO 8601
  std::string end_time_utc;
};

class ResultFile {
 public:
  static ResultFile create(const std::filesystem::path& final_path);
  ResultFile(ResultFile&&) noexcept;
  ResultFile& operator=(ResultFile&&) noexcept;
  ~ResultFile();

  // /meta: tool_version, git_commit, host, command, config (text), config_origin, seed, start/end time.
  void write_meta(const RunMeta& meta);

  void create_group(const std::string& path);
  // Row-major data with the given shape (product of shape == data.size()); shape {} means {data.size()}.
  void write(const std::string& path, std::span<const double> data, const std::vector<size_t>& shape,
             const std::string& units);
  void write(const std::string& path, std::span<const float> data, const std::vector<size_t>& shape,
             const std::string& units);
  void write(const std::string& path, std::span<const int64_t> data, const std::vector<size_t>& shape,
             const std::string& units);
  void write(const std::string& path, std::span<const uint8_t> data, const std::vector<size_t>& shape,
             const std::string& units);
  void write_strings(const std::string& path, const std::vector<std::string>& values);
  void write_scalar(const std::string& path, double value, const std::string& units);
  void write_scalar(const std::string& path, int64_t value, const std::string& units);
  void write_string(const std::string& path, const std::string& value);

  void set_attr(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attr(const std::string& object_path, const std::string& name, double value);
  void set_attr(const std::string& object_path, const std::string& name, int64_t value);

  // Copy the object (group with everything under it, attributes included, or dataset) `src_object` of the
  // HDF5 file `src_file` to `dst_object` here (parents created; dst_object must not exist yet).
  void copy_from(const std::filesystem::path& src_file, const std::string& src_object, const std::string& dst_object);

  // Flush, close and atomically rename to the final path. After commit() the object is empty.
  void commit();
  [[nodiscard]] const std::filesystem::path& final_path() const;
  [[nodiscard]] const std::filesystem::path& temp_path() const;

 private:
  struct Impl;
  explicit ResultFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reading (for `pimtx info`, tests and downstream stages such as loading a device card).
class ResultReader {
 public:
  explicit ResultReader(const std::filesystem::path& path);  // IoError if missing or not HDF5
  ResultReader(ResultReader&&) noexcept;
  ~ResultReader();

  [[nodiscard]] bool exists(const std::string& path) const;
  [[nodiscard]] std::vector<double> read_doubles(const std::string& path) const;
  [[nodiscard]] std::vector<int64_t> read_ints(const std::string& path) const;
  [[nodiscard]] std::vector<size_t> shape(const std::string& path) const;
  [[nodiscard]] std::vector<std::string> read_strings(const std::string& path) const;
  [[nodiscard]] std::string read_string(const std::string& path) const;
  [[nodiscard]] std::string attr_string(const std::string& object_path, const std::string& name) const;
  [[nodiscard]] double attr_double(const std::string& object_path, const std::string& name) const;
  [[nodiscard]] bool has_attr(const std::string& object_path, const std::string& name) const;
  [[nodiscard]] std::vector<std::string> children(const std::string& group_path) const;

  struct DatasetInfo {
    std::string path;           // absolute, e.g. "/lsh_nn/top1_rel"
    std::vector<size_t> shape;  // {} for an HDF5 scalar dataspace
    bool numeric = false;       // integer or floating point
    std::string units;          // the `units` attribute, "" if none
  };
  // Every dataset under group_path (recursive, in name order within each group).
  [[nodiscard]] std::vector<DatasetInfo> datasets(const std::string& group_path) const;

  // Tree listing with shapes, units and scalar values, as printed by `pimtx info`.
  void describe(std::ostream& os) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// UTC now as ISO 8601 ("2026-11-26T10:35:27Z").
std::string utc_now_iso8601();

}  // namespace pimtx::io
