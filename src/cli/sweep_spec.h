// `pimtx sweep` input: a sweep file (TOML) expanded into points, each a `pimtx run` of the base config with
// --set overrides and a seed.
//
// Contract: load_sweep() reads and validates the whole sweep file (unknown keys, wrong types, empty or
// unequal axes are ConfigError naming the key and file:line) and returns every point in a fixed order: the
// outer product of the [[sweep.grid]] axes in file order (first axis slowest), then the seed axis (fastest).
// A grid entry with `key` + `values` is one axis; one with `keys` + `values` (a list of equal-length lists)
// zips several keys into one axis. Seeds: `seeds = [..]` gives the seed of each replicate; `n_seeds = K`
// derives K seeds from `seed` (stream_key(seed, "sweep.seed/k") & (2^63 - 1)); neither: every point runs
// with the base config's own seed. The same seeds are used for every parameter setting (common random
// numbers across the grid, as lsh_attention's own loop did).
//
// A point's id is 16 hex digits of a hash of its resolved config: the base config document after all its
// overrides (fixed `set`, the axes, the seed) as TOML text. So editing the base config, the fixed
// overrides or a value changes the id and a resumed sweep never reuses a stale point; ids do not depend on
// the point's position in the sweep.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pimtx::cli {

struct SweepPoint {
  size_t index = 0;                                         // position in the sweep (0-based)
  std::vector<std::pair<std::string, std::string>> params;  // (config key, TOML value text), axis order
  uint64_t seed = 0;                                        // the seed it runs with
  bool seed_from_axis = false;                              // false: the base config's own seed (no --seed)
  std::string id;                                           // 16 hex digits
  std::vector<std::string> overrides;                       // every --set for this point (fixed, then axes)
};

struct SweepSpec {
  std::filesystem::path sweep_file;
  std::string sweep_text;               // the sweep document after --sweep-set overrides (TOML)
  std::filesystem::path base_config;    // the `pimtx run` config (absolute)
  std::vector<std::string> fixed;       // sweep.set
  std::vector<std::string> param_keys;  // the table's parameter columns, axis order
  std::vector<SweepPoint> points;
};

// sweep_overrides: "sweep.key=value" assignments applied to the sweep document before it is read.
SweepSpec load_sweep(const std::filesystem::path& sweep_file, const std::vector<std::string>& sweep_overrides);

// "I/N" -> {I, N} with 0 <= I < N; UsageError otherwise.
std::pair<size_t, size_t> parse_shard(const std::string& text);

}  // namespace pimtx::cli
