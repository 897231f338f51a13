#include "xbar/mapping.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"
#include "core/rng.h"

namespace pimtx::xbar {

void MappingParams::validate() const {
  if (scheme != "differential" && scheme != "offset") {
    throw ConfigError(fmt::format("mapping.scheme = '{}': valid names: differential, offset", scheme));
  }
  if (!(w_max >= 0.0) || n_write_verify < 0 || !(verify_tol_rel > 0.0) || p_stuck_on_rel < 0.0 ||
      p_stuck_off_rel < 0.0 || p_stuck_on_rel + p_stuck_off_rel > 1.0) {
    throw ConfigError("mapping: need w_max >= 0, n_write_verify >= 0, verify_tol_rel > 0, stuck fractions in [0, 1]");
  }
}

MappingParams MappingParams::from_config(core::Section& s) {
  MappingParams p;
  p.scheme = s.get_string("scheme", p.scheme, {"differential", "offset"});
  p.w_max = s.get_double("w_max", p.w_max, core::Range::non_negative());
  p.n_write_verify = s.get_int("n_write_verify", p.n_write_verify, core::Range::closed(0, 1000));
  p.verify_tol_rel = s.get_double("verify_tol_rel", p.verify_tol_rel, core::Range::above(0));
  p.p_stuck_on_rel = s.get_double("p_stuck_on_rel", p.p_stuck_on_rel, core::Range::closed(0, 1));
  p.p_stuck_off_rel = s.get_double("p_stuck_off_rel", p.p_stuck_off_rel, core::Range::closed(0, 1));
  p.validate();
  return p;
}

void MappingParams::to_config(core::Section& s) const {
  s.set_string("scheme", scheme);
  s.set_double("w_max", w_max);
  s.set_int("n_write_verify", n_write_verify);
  s.set_double("verify_tol_rel", verify_tol_rel);
  s.set_double("p_stuck_on_rel", p_stuck_on_rel);
  s.set_double("p_stuck_off_rel", p_stuck_off_rel);
}

ProgrammedCells program_cells(const Eigen::MatrixXd& target_s, const MappingParams& p, const ProgrammingModel& model,
                              uint64_t seed, uint64_t tile_index) {
  ProgrammedCells t;
  const double g_min = model.g_min_s();
  const double range = model.g_max_s() - g_min;
  const Eigen::Index rows = target_s.rows();
  const Eigen::Index pcols = target_s.cols();
  core::Rng c2c(seed, "xbar.program", tile_index);
  core::Rng stuck(seed, "xbar.stuck", tile_index);
  const double tol = p.verify_tol_rel * range;
  t.cells.a1_s.resize(rows, pcols);
  bool nonlinear = false;
  Eigen::MatrixXd a3(rows, pcols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < pcols; ++j) {
      const uint64_t cell = (static_cast<uint64_t>(i) << 32) | static_cast<uint64_t>(j);
      const core::Rng d2d0(seed, fmt::format("xbar.d2d.tile{}", tile_index), cell);
      double target = target_s(i, j);
      if (target < g_min || target > model.g_max_s()) {
        target = std::clamp(target, g_min, model.g_max_s());
        ++t.n_clipped;
      }
      core::Rng d2d = d2d0;
      double g = model.program(g_min, target, d2d, c2c, &t.n_pulses);
      for (int64_t k = 0; k < p.n_write_verify && std::abs(g - target) > tol; ++k) {
        d2d = d2d0;
        g = model.program(g, target, d2d, c2c, &t.n_pulses);
      }
      const double u = stuck.uniform();
      if (u < p.p_stuck_on_rel) {
        g = model.g_max_s();
        ++t.n_stuck;
      } else if (u < p.p_stuck_on_rel + p.p_stuck_off_rel) {
        g = g_min;
        ++t.n_stuck;
      }
      d2d = d2d0;  // the same device (same d2d draws) as program() saw
      const auto law = model.read_law(g, d2d);
      t.cells.a1_s(i, j) = law[0];
      a3(i, j) = law[1];
      nonlinear = nonlinear || law[1] != 0.0;
    }
  }
  if (nonlinear) {
    t.cells.a3_s_per_v2 = a3;
  }
  return t;
}

MappedTile map_weights(const Eigen::MatrixXd& w, const MappingParams& p, const ProgrammingModel& model, uint64_t seed,
                       uint64_t tile_index) {
  p.validate();
  if (w.size() == 0 || !w.allFinite()) {
    throw ConfigError("map_weights: the weight block is empty or not finite");
  }
  MappedTile t;
  t.differential = p.scheme == "differential";
  t.n_out = w.cols();
  t.w_max = p.w_max > 0.0 ? p.w_max : w.cwiseAbs().maxCoeff();
  if (t.w_max == 0.0) {
    t.w_max = 1.0;  // all-zero block: any scale maps it to g_min / g_mid
  }
  const double g_min = model.g_min_s();
  const double range = model.g_max_s() - g_min;
  const Eigen::Index rows = w.rows();
  const Eigen::Index pcols = t.differential ? 2 * w.cols() : w.cols() + 1;
  t.target_s.resize(rows, pcols);
  if (t.differential) {
    t.g_per_weight_s = range / t.w_max;
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        const double v = std::clamp(w(i, j), -t.w_max, t.w_max) * t.g_per_weight_s;
        t.target_s(i, 2 * j) = g_min + std::max(v, 0.0);
        t.target_s(i, 2 * j + 1) = g_min + std::max(-v, 0.0);
      }
    }
  } else {
    t.g_per_weight_s = range / (2.0 * t.w_max);
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        t.target_s(i, j) = g_min + range / 2.0 + std::clamp(w(i, j), -t.w_max, t.w_max) * t.g_per_weight_s;
      }
      t.target_s(i, w.cols()) = g_min + range / 2.0;
    }
  }
  ProgrammedCells pc = program_cells(t.target_s, p, model, seed, tile_index);
  t.cells = std::move(pc.cells);
  t.n_stuck = pc.n_stuck;
  return t;
}

Eigen::MatrixXd decode(const MappedTile& t, const Eigen::MatrixXd& currents_a) {
  const Eigen::Index pcols = t.differential ? 2 * t.n_out : t.n_out + 1;
  if (currents_a.rows() != pcols) {
    throw NumericError(fmt::format("decode: {} column currents for a tile with {} columns", currents_a.rows(), pcols));
  }
  Eigen::MatrixXd y(t.n_out, currents_a.cols());
  for (Eigen::Index j = 0; j < t.n_out; ++j) {
    y.row(j) = t.differential ? (currents_a.row(2 * j) - currents_a.row(2 * j + 1)).eval()
                              : (currents_a.row(j) - currents_a.row(t.n_out)).eval();
  }
  return y / t.g_per_weight_s;
}

}  // namespace pimtx::xbar
