// Output path checks made before a run starts, so a mistake in -o costs nothing (issue 10).
//
// Contract: check_output_path(out, inputs) returns normally if `out` can receive the result of a run that
// reads `inputs`, else throws UsageError (exit 2) saying why, naming `out`:
//   - `out` is empty, an existing directory, or an existing non-regular file (device, fifo, ...);
//   - `out` is the same file as one of `inputs` (compared with std::filesystem::equivalent, so links and
//     different spellings of one file are caught);
//   - the folder that would hold it (or, if that does not exist yet, its nearest existing ancestor, since
//     ResultFile creates missing folders) is not a directory or is not writable: a probe file is created
//     there and removed, and the message carries the reason from errno ("Permission denied",
//     "Read-only file system", ...).
// Every command that writes an output file calls it before doing any work (cli/job.cpp run_job, pimtx
// spice, pimtx netlist).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pimtx::io {

void check_output_path(const std::filesystem::path& out, const std::vector<std::string>& inputs);

// Writes `text` to "<dir>/.<name>.tmp.<pid>" and renames it to `path`, registered for removal on
// SIGINT/SIGTERM (core/interrupt.h); on failure the temporary file is removed and IoError names `path`.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace pimtx::io
