#include "calibration/array_check.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>

#include "core/errors.h"
#include "core/rng.h"

namespace pimtx::calibration {

namespace {

// A node of the nodal solve: an unknown (id ≥ 0) or a node held at a fixed voltage (id = -1).
struct NodeRef {
  int id = -1;
  double v_fixed = 0;
};

}  // namespace

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
      x.temp_k = o.temp_k;
      x.r_wire_row_ohm = o.r_wire_row_ohm;
      x.r_wire_col_ohm = o.r_wire_col_ohm;
      x.r_driver_ohm = o.r_driver_ohm;
      x.r_sense_ohm = o.r_sense_ohm;
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

std::vector<double> solve_crossbar_read(const circuits::CrossbarSpec& x, const CellIv& iv) {
  x.validate();
  if (x.mode != circuits::CrossbarMode::read || x.sense != circuits::SenseMode::virtual_ground) {
    throw ConfigError("solve_crossbar_read: only read mode with virtual-ground sensing is supported");
  }
  const size_t m = x.n_rows, n = x.n_cols;
  auto v_row = [&](size_t i) { return x.v_rows_v.empty() ? 0.1 : x.v_rows_v.at(i); };
  auto v_col = [&](size_t j) { return x.v_cols_v.empty() ? 0.0 : x.v_cols_v.at(j); };
  // Node numbering that follows crossbar.h's merging rules (a zero resistance merges its two nodes).
  int n_unknown = 0;
  std::vector<NodeRef> wl(m * n), bl(m * n);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (x.r_wire_row_ohm == 0.0 && j > 0) {
        wl[i * n + j] = wl[i * n];
      } else if (j == 0 && x.r_driver_ohm == 0.0) {
        wl[i * n + j] = {-1, v_row(i)};
      } else {
        wl[i * n + j] = {n_unknown++, 0};
      }
    }
  }
  for (size_t j = 0; j < n; ++j) {
    for (size_t ii = m; ii-- > 0;) {  // last row first: it is the sensed end
      if (x.r_wire_col_ohm == 0.0 && ii < m - 1) {
        bl[ii * n + j] = bl[(m - 1) * n + j];
      } else if (ii == m - 1 && x.r_sense_ohm == 0.0) {
        bl[ii * n + j] = {-1, v_col(j)};
      } else {
        bl[ii * n + j] = {n_unknown++, 0};
      }
    }
  }
  const auto nu = static_cast<Eigen::Index>(n_unknown);
  // Linear part: conductances between nodes (or a node and a fixed source).
  Eigen::MatrixXd g_lin = Eigen::MatrixXd::Zero(nu, nu);
  Eigen::VectorXd b_lin = Eigen::VectorXd::Zero(nu);  // current injected by the fixed nodes
  auto stamp = [&](const NodeRef& a, const NodeRef& b, double r_ohm) {
    const double g = 1.0 / r_ohm;
    if (a.id >= 0) {
      g_lin(a.id, a.id) += g;
      if (b.id >= 0) {
        g_lin(a.id, b.id) -= g;
      } else {
        b_lin(a.id) += g * b.v_fixed;
      }
    }
    if (b.id >= 0) {
      g_lin(b.id, b.id) += g;
      if (a.id >= 0) {
        g_lin(b.id, a.id) -= g;
      } else {
        b_lin(b.id) += g * a.v_fixed;
      }
    }
  };
  for (size_t i = 0; i < m; ++i) {
    if (x.r_driver_ohm > 0) {
      stamp({-1, v_row(i)}, wl[i * n], x.r_driver_ohm);
    }
    for (size_t j = 0; x.r_wire_row_ohm > 0 && j + 1 < n; ++j) {
      stamp(wl[i * n + j], wl[i * n + j + 1], x.r_wire_row_ohm);
    }
  }
  for (size_t j = 0; j < n; ++j) {
    if (x.r_sense_ohm > 0) {
      stamp(bl[(m - 1) * n + j], {-1, v_col(j)}, x.r_sense_ohm);
    }
    for (size_t i = 0; x.r_wire_col_ohm > 0 && i + 1 < m; ++i) {
      stamp(bl[i * n + j], bl[(i + 1) * n + j], x.r_wire_col_ohm);
    }
  }
  auto volt = [](const Eigen::VectorXd& v, const NodeRef& r) { return r.id >= 0 ? v(r.id) : r.v_fixed; };
  // Newton on f(v) = G v − b + Σ cell currents leaving each node. From v = 0 the first step is the linear solve
  // with the cells' small-signal conductance at 0 V; the cell laws are near-linear, so a few steps converge.
  Eigen::VectorXd v = Eigen::VectorXd::Zero(nu);
  constexpr int k_max_iter = 50;
  for (int it = 0;; ++it) {
    Eigen::MatrixXd jac = g_lin;
    Eigen::VectorXd f = g_lin * v - b_lin;
    for (size_t k = 0; k < m * n; ++k) {
      const NodeRef& w = wl[k];
      const NodeRef& b = bl[k];
      const auto [i_a, di] = iv(k, volt(v, w) - volt(v, b));
      if (w.id >= 0) {
        f(w.id) += i_a;
        jac(w.id, w.id) += di;
        if (b.id >= 0) {
          jac(w.id, b.id) -= di;
        }
      }
      if (b.id >= 0) {
        f(b.id) -= i_a;
        jac(b.id, b.id) += di;
        if (w.id >= 0) {
          jac(b.id, w.id) -= di;
        }
      }
    }
    if (nu == 0) {
      break;
    }
    const Eigen::VectorXd dv = jac.partialPivLu().solve(-f);
    v += dv;
    // 1e-14 V: double precision on node voltages of ~0.1 V (the equations are well conditioned: wires of
    // ohms against cells of kilo-ohms).
    if (dv.lpNorm<Eigen::Infinity>() <= 1e-14 + 1e-12 * v.lpNorm<Eigen::Infinity>()) {
      break;
    }
    if (it + 1 >= k_max_iter || !dv.allFinite()) {
      throw NumericError(
          fmt::format("crossbar read solve ({}x{}): Newton did not converge in {} steps (last step {} V)", m, n,
                      k_max_iter, dv.lpNorm<Eigen::Infinity>()));
    }
  }
  // Sense current of column j = everything its cells put into the bit line (its only other exit is the sense).
  std::vector<double> cols(n, 0.0);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const size_t k = i * n + j;
      cols[j] += iv(k, volt(v, wl[k]) - volt(v, bl[k])).first;
    }
  }
  return cols;
}

std::vector<double> predict_metal_oxide_columns(const devices::MetalOxide& m, const circuits::CrossbarSpec& x) {
  std::vector<devices::MemristorInstance> devs(x.n_rows * x.n_cols);
  std::vector<std::array<double, 2>> k13(devs.size());  // (cells) effective A1, A3 incl. the d2d term
  const double scale = m.params().iv_d2d_scale_rel;
  for (size_t k = 0; k < devs.size(); ++k) {
    m.set_conductance(devs[k], x.g_s.empty() ? x.g_default_s : x.g_s[k]);
    devs[k].d2d[0] = x.xi.empty() ? 0.0 : x.xi[k];
    const auto c = m.iv_coefficients(devs[k].state);
    k13[k] = {c[0] + scale * devs[k].d2d[0] * c[2], c[1] + scale * devs[k].d2d[0] * c[3]};
  }
  // The current is the model's own current_a() (which also enforces its read validity); the slope is its
  // derivative, for Newton only.
  return solve_crossbar_read(x, [&](size_t k, double v) {
    return std::pair{m.current_a(devs[k], v), k13[k][0] + 3 * k13[k][1] * v * v};
  });
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
