#include "calibration/array_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/errors.h"
#include "core/rng.h"
#include "xbar/nodal_solver.h"

namespace pimtx::calibration {

ArrayReads run_metal_oxide_array_reads(spice::WorkerPool& pool, const ArrayCheckOptions& o, uint64_t seed) {
  ArrayReads out;
  std::vector<SpicePoint> pts;
  for (size_t s = 0; s < o.sizes.size(); ++s) {
    const auto n = static_cast<size_t>(o.sizes[s]);
    // The array: one G0 (log-uniform over the calibrated range) and one d2d draw ξ per cell.
    core::Rng cells(seed, "calibrate.spice.array", s);
    std::vector<double> g0(n * n), xi(n * n);
    for (size_t k = 0; k < n * n; ++k) {
      g0[k] = std::exp(cells.uniform(std::log(o.g0_min_s), std::log(o.g0_max_s)));
      xi[k] = cells.normal();
    }
    for (size_t p = 0; p < o.n_patterns; ++p) {
      core::Rng in(seed, "calibrate.spice.array_inputs", s * o.n_patterns + p);
      circuits::CrossbarSpec x;
      x.n_rows = n;
      x.n_cols = n;
      x.cell = circuits::CellType::metal_oxide;
      x.g_s = g0;
      x.xi = xi;
      x.temperature_k = o.temperature_k;
      x.parasitics = o.parasitics;
      x.mode = circuits::CrossbarMode::read;
      for (size_t i = 0; i < n; ++i) {
        x.v_rows_v.push_back(p == 0 ? o.v_max_v : in.uniform(o.v_min_v, o.v_max_v));
      }
      // Tight tolerances: the check measures the card's I–V error (~1e-3..1e-2), so SPICE must be far below it.
      x.options = ".options reltol=1e-9 abstol=1e-16 vntol=1e-12";
      x.command = "pimtx calibrate (src/calibration/array_check.cpp, metal-oxide small-array read)";
      spice::Job job;
      job.netlist = circuits::crossbar_lines(x);
      job.commands = {"op"};
      for (size_t j = 0; j < n; ++j) {
        job.save.push_back(circuits::sense_vector(j));
      }
      job.timeout_s = 60;
      pts.push_back({fmt::format("metal_oxide array read {}x{} pattern {}", n, n, p), std::move(job)});
      out.cases.push_back({s, std::move(x), std::nullopt});
    }
  }
  out.run = run_points(pool, pts, "spice metal_oxide array reads");
  for (size_t c = 0; c < out.cases.size(); ++c) {
    if (!out.run.results[c]) {
      continue;
    }
    std::vector<double> i;
    for (size_t j = 0; j < out.cases[c].spec.n_cols; ++j) {
      i.push_back(out.run.results[c]->scalar(circuits::sense_vector(j)));
    }
    out.cases[c].i_spice_a = std::move(i);
  }
  return out;
}

std::vector<double> predict_metal_oxide_columns(const devices::MetalOxide& m, const circuits::CrossbarSpec& x) {
  x.validate();
  if (x.mode != circuits::CrossbarMode::read || x.sense != circuits::SenseMode::virtual_ground) {
    throw ConfigError("array check: only read mode with virtual-ground sensing is supported");
  }
  const auto rows = static_cast<Eigen::Index>(x.n_rows), cols = static_cast<Eigen::Index>(x.n_cols);
  xbar::Drive drive;
  drive.word_v.resize(rows, 1);
  drive.bit_v.setZero(cols, 1);
  for (Eigen::Index i = 0; i < rows; ++i) {
    drive.word_v(i, 0) = x.v_rows_v.empty() ? 0.1 : x.v_rows_v.at(static_cast<size_t>(i));
  }
  for (Eigen::Index j = 0; j < cols; ++j) {
    drive.bit_v(j, 0) = x.v_cols_v.empty() ? 0.0 : x.v_cols_v.at(static_cast<size_t>(j));
  }
  // With cells of positive slope every node voltage lies between the lowest and the highest terminal voltage,
  // so the span of the terminals bounds every cell voltage; current_a() enforces the read validity per call, the
  // solver evaluates the cubic directly, so the bound is checked here.
  const double v_hi = std::max(drive.word_v.maxCoeff(), drive.bit_v.maxCoeff());
  const double v_lo = std::min(drive.word_v.minCoeff(), drive.bit_v.minCoeff());
  if (v_hi - v_lo > m.params().v_read_max_v * (1 + 1e-12)) {
    throw NumericError(
        fmt::format("array check: terminal voltages span {} V, outside the metal_oxide read validity "
                    "|V| <= {} V",
                    v_hi - v_lo, m.params().v_read_max_v));
  }
  // Cells: the model's own read law (A1, A3 at G0 with the cell's d2d draw ξ), the terms of current_a().
  xbar::CellArray cells;
  cells.a1_s.resize(rows, cols);
  cells.a3_s_per_v2.resize(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      const auto k = static_cast<size_t>(i * cols + j);
      devices::MemristorInstance dev;
      m.set_conductance(dev, x.g_s.empty() ? x.g_default_s : x.g_s[k]);
      dev.d2d[0] = x.xi.empty() ? 0.0 : x.xi[k];
      const auto law = m.read_law(dev, m.params().v_read_max_v);
      cells.a1_s(i, j) = law[0];
      cells.a3_s_per_v2(i, j) = law[1];
    }
  }
  // crossbar.h and array.h describe the same geometry (circuits/parasitics.h), so the spec's parasitics go in as
  // they are.
  xbar::NodalSolver solver(cells, x.parasitics);
  const auto r = solver.solve(drive);
  std::vector<double> out(x.n_cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    out[static_cast<size_t>(j)] = r.bit_currents_a(j, 0);
  }
  return out;
}

ArrayCheckResult compare_array_reads(const devices::MetalOxide& m, const ArrayReads& reads,
                                     const std::vector<int64_t>& sizes) {
  ArrayCheckResult r;
  r.sizes = sizes;
  r.max_rel_error.assign(sizes.size(), 0.0);
  r.mean_rel_error.assign(sizes.size(), 0.0);
  r.n_cases_used.assign(sizes.size(), 0);
  std::vector<size_t> n_cols(sizes.size(), 0);
  for (const auto& c : reads.cases) {
    if (!c.i_spice_a) {
      continue;
    }
    const auto pred = predict_metal_oxide_columns(m, c.spec);
    for (size_t j = 0; j < pred.size(); ++j) {
      const double e = std::fabs(pred[j] - (*c.i_spice_a)[j]) / std::fabs((*c.i_spice_a)[j]);
      r.max_rel_error[c.size_index] = std::max(r.max_rel_error[c.size_index], e);
      r.mean_rel_error[c.size_index] += e;
      ++n_cols[c.size_index];
    }
    ++r.n_cases_used[c.size_index];
  }
  for (size_t s = 0; s < sizes.size(); ++s) {
    if (n_cols[s] == 0) {
      throw CalibrationError(fmt::format("array check: no {0}x{0} array read succeeded in SPICE", sizes[s]));
    }
    r.mean_rel_error[s] /= static_cast<double>(n_cols[s]);
    r.max_rel_error_all = std::max(r.max_rel_error_all, r.max_rel_error[s]);
  }
  return r;
}

}  // namespace pimtx::calibration
