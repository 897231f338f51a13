// `pimtx sweep`: running points as worker processes, and merging their results.
//
// Contract (running): run_points() runs each given point that is not complete yet as its own process,
// `pimtx run BASE --set ... [--seed S] -o DIR/<id>.h5 --quiet` (the executable re-runs itself), at most
// `jobs` at a time. A point is complete iff DIR/<id>.h5 exists: `pimtx run` writes it under a temporary
// name and renames it when done, so a killed worker never leaves a complete-looking file. After each
// worker exits the parent writes DIR/<id>.status (TOML: status "ok"/"failed", wall_s, exit_code, error;
// temp + rename) and keeps the worker's stderr in DIR/<id>.log. Failed points are retried by the next run.
// Workers die with the parent (PR_SET_PDEATHSIG = SIGKILL), so killing a sweep leaves no orphans; a
// resumed run removes the temporary files its points' killed workers left behind.
//
// Contract (merging): merge_points() writes OUT atomically: /sweep/table (one row per point in sweep
// order: index, id, seed, status "ok"/"failed"/"missing", wall_s, exit_code, error, params/<key>, and
// results/<name> = every numeric scalar dataset of the point files outside /meta, NaN where absent) and
// /sweep/points/<id>/ (a copy of each complete point file's groups, /meta included). Every dataset
// except wall_s is a pure function of the points' configs and seeds, so a resumed sweep, a sharded one
// and an MPI one give the same datasets as an uninterrupted local one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/sweep_spec.h"

namespace pimtx::cli {

// OUT.h5 -> OUT.points (beside it).
std::filesystem::path points_dir_for(const std::filesystem::path& out);

struct SweepRunOptions {
  size_t jobs = 1;
  bool quiet = false;
  std::string label = "sweep";  // progress / log prefix (e.g. "sweep rank 1/2")
};

struct SweepRunCounts {
  size_t skipped = 0;  // already complete
  size_t ok = 0;
  size_t failed = 0;
};

SweepRunCounts run_points(const SweepSpec& spec, const std::vector<size_t>& indices,
                          const std::filesystem::path& points_dir, const SweepRunOptions& opts);

struct SweepMergeCounts {
  size_t ok = 0;
  size_t failed = 0;
  size_t missing = 0;
  std::vector<std::string> failed_lines;  // "point 3 (id): error" for the report
};

SweepMergeCounts merge_points(const SweepSpec& spec, const std::filesystem::path& points_dir,
                              const std::filesystem::path& out);

}  // namespace pimtx::cli
