// Runs a list of labelled SPICE points (one spice::Job each) through the worker pool, with a progress line,
// and keeps the provenance a device card needs.
//
// Contract: run_points() submits the points in chunks of 2 jobs per worker (so the core::Progress line
// moves), returns one optional Result per point in order, and never throws for a failed point: a point that
// ngspice rejects or that crashes its worker is recorded in `failed` as "<label>: <ngspice's message>"
// (also printed to stderr) and its result is empty, so the caller excludes it from the fit. Each distinct
// netlist is hashed (SHA-256 of the text as sent, lines joined by '\n') under the point's label.
// ngspice_version() asks this process's libngspice for its version line (call it after the pool has forked).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spice/pool.h"

namespace pimtx::calibration {

struct SpicePoint {
  std::string label;  // e.g. "vteam_char devices 0..49"
  spice::Job job;
};

struct SpiceRun {
  std::vector<std::optional<spice::Result>> results;  // (n_points); empty where the point failed
  std::vector<std::string> failed;                    // "label: message"
  std::vector<std::string> netlist_names, netlist_sha256;
  double wall_s = 0;
};

SpiceRun run_points(spice::WorkerPool& pool, const std::vector<SpicePoint>& points, const std::string& progress_label);

// Lower-case hex SHA-256 (FIPS 180-4) of `text`.
std::string sha256_hex(const std::string& text);
// "ngspice-39.3 ..." as reported by the loaded library's `version` command.
std::string ngspice_version();

}  // namespace pimtx::calibration
