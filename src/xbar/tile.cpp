#include "xbar/tile.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "devices/registry.h"
#include "xbar/approx.h"
#include "xbar/registry.h"

namespace pimtx::xbar {

TileParams TileParams::from_config(core::Section& s) {
  TileParams p;
  auto sol = s.section("solver");
  p.solver = sol.get_string("method", p.solver, {"full", "ideal", "approx"});
  p.approx_sweeps = sol.get_int("approx_sweeps", p.approx_sweeps, core::Range::closed(1, 10000));
  const std::string kind = sol.get_string("linear_solver", "direct", {"direct", "pcg"});
  p.solver_options.kind = kind == "pcg" ? LinearSolverKind::pcg : LinearSolverKind::direct;
  p.solver_options.pcg_rel_tol = sol.get_double("pcg_rel_tol", p.solver_options.pcg_rel_tol, core::Range::positive());
  auto arr = s.section("array");
  p.parasitics = Parasitics::from_config(arr, {});  // ideal array by default
  p.read_noise_sigma_rel = arr.get_double("read_noise_sigma_rel", 0.0, core::Range::non_negative());
  auto mp = s.section("mapping");
  p.mapping = MappingParams::from_config(mp);
  auto dac = s.section("dac");
  p.dac = DacParams::from_config(dac);
  auto tia = s.section("tia");
  p.tia = TiaParams::from_config(tia);
  auto adc = s.section("adc");
  {
    core::Rng probe(0, "xbar.adc.probe");  // reads and validates every key now (unknown keys are caught)
    (void)adc_registry().create(adc, "ideal", 1, &probe);
  }
  p.adc = adc;
  auto rn = s.section("read_noise");
  p.t_read_s = rn.get_double("t_read_s", p.t_read_s, core::Range::positive());
  std::shared_ptr<const devices::ReadNoise> unit = devices::read_noise_registry().create(rn, "none");
  if (unit->type() != "none") {
    p.read_noise = std::move(unit);
  }
  return p;
}

void TileParams::to_config(core::Section& s) const {
  auto sol = s.section("solver");
  sol.set_string("method", solver);
  sol.set_int("approx_sweeps", approx_sweeps);
  sol.set_string("linear_solver", solver_options.kind == LinearSolverKind::pcg ? "pcg" : "direct");
  sol.set_double("pcg_rel_tol", solver_options.pcg_rel_tol);
  auto arr = s.section("array");
  parasitics.to_config(arr);
  arr.set_double("read_noise_sigma_rel", read_noise_sigma_rel);
  auto mp = s.section("mapping");
  mapping.to_config(mp);
  auto dac_table = s.section("dac");
  dac.to_config(dac_table);
  auto tia_table = s.section("tia");
  tia.to_config(tia_table);
  if (adc && adc->exists()) {
    s.set_table("adc", *adc);
  } else {
    s.section("adc").set_string("type", "ideal");  // the registry's default unit, as from_config() reads it
  }
  auto rn = s.section("read_noise");
  rn.set_double("t_read_s", t_read_s);
  if (read_noise) {
    read_noise->to_config(rn);
  } else {
    rn.set_string("type", "none");
  }
}

namespace {
// The ADC table as adc_registry() builds from it: unset, absent or empty = {type = "ideal"}.
bool same_adc_table(const std::optional<core::Section>& a, const std::optional<core::Section>& b) {
  core::Config ideal = core::Config::from_string("type = 'ideal'\n");
  const core::Section ideal_table = ideal.root();
  auto normal = [&](const std::optional<core::Section>& t) { return t && !t->keys().empty() ? *t : ideal_table; };
  return normal(a).same_table(normal(b));
}
}  // namespace

bool TileParams::operator==(const TileParams& o) const {
  return solver == o.solver && approx_sweeps == o.approx_sweeps && solver_options == o.solver_options &&
         parasitics == o.parasitics && mapping == o.mapping && dac == o.dac && tia == o.tia &&
         read_noise_sigma_rel == o.read_noise_sigma_rel && t_read_s == o.t_read_s &&
         devices::same_read_noise(read_noise.get(), o.read_noise.get()) && same_adc_table(adc, o.adc);
}

AnalogTile::AnalogTile(const Eigen::MatrixXd& w, const TileParams& p, const ProgrammingModel& model, uint64_t seed,
                       uint64_t tile_index)
    : p_(p), tile_(map_weights(w, p.mapping, model, seed, tile_index)), dac_(p.dac) {
  p_.tia.validate();
  if (p_.solver == "full") {
    solver_ = std::make_unique<NodalSolver>(tile_.cells, p_.parasitics, p_.solver_options);
  } else if (p_.solver != "ideal" && p_.solver != "approx") {
    throw ConfigError(fmt::format("solver.method = '{}': valid names: approx, full, ideal", p_.solver));
  }
  core::Rng d2d(seed, "xbar.adc.d2d", tile_index);
  core::Config no_adc;  // absent table: the registry's default unit
  core::Section adc_table = p_.adc ? *p_.adc : no_adc.root();
  adc_ = adc_registry().create(adc_table, "ideal", tile_.cells.cols(), &d2d);
  if (p_.read_noise) {
    read_noise_.emplace(p_.read_noise, tile_.cells.rows(), tile_.cells.cols(), p_.t_read_s);
  }
}

Eigen::MatrixXd AnalogTile::column_volts(const Drive& d, core::Rng& noise) {
  Eigen::MatrixXd i;
  if (p_.solver == "full") {
    i = solver_->solve(d).bit_currents_a;
  } else if (p_.solver == "ideal") {
    i = ideal_currents(tile_.cells, d);
  } else {
    i = line_relaxation_currents(tile_.cells, p_.parasitics, d, static_cast<int>(p_.approx_sweeps));
  }
  i = add_read_noise(i, tile_.cells, d, p_.read_noise_sigma_rel, noise);
  if (read_noise_) {
    i = read_noise_->apply(i, tile_.cells, d, noise);
  }
  Eigen::MatrixXd v = i * p_.tia.r_tia_ohm;
  if (p_.tia.v_sat_v > 0.0) {
    v = v.cwiseMax(-p_.tia.v_sat_v).cwiseMin(p_.tia.v_sat_v);
  }
  return v;
}

void AnalogTile::calibrate(const Eigen::MatrixXd& x) {
  double scale = 0.0;
  core::Rng cal_noise(0, "xbar.calibration");
  Eigen::MatrixXd all;
  for (const Eigen::MatrixXd& vs : dac_.slices(x, scale)) {
    Drive d;
    d.word_v = vs;
    const Eigen::MatrixXd v = column_volts(d, cal_noise);
    all.conservativeResize(v.rows(), all.cols() + v.cols());
    all.rightCols(v.cols()) = v;
  }
  adc_->calibrate(all);
}

Eigen::MatrixXd AnalogTile::mvm(const Eigen::MatrixXd& x, core::Rng& noise) {
  if (x.rows() != tile_.cells.rows()) {
    throw ConfigError(fmt::format("input has {} rows but the tile has {} word lines", x.rows(), tile_.cells.rows()));
  }
  double scale = 0.0;
  const std::vector<Eigen::MatrixXd> slices = dac_.slices(x, scale);
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(tile_.n_out, x.cols());
  for (size_t s = 0; s < slices.size(); ++s) {
    Drive d;
    d.word_v = slices[s];
    const Eigen::MatrixXd v = adc_->convert(column_volts(d, noise), noise);
    y += dac_.slice_weight(static_cast<int64_t>(s), scale) * decode(tile_, v / p_.tia.r_tia_ohm);
  }
  return y;
}

TiledMvm::TiledMvm(const Eigen::MatrixXd& w, int64_t tile_rows, int64_t tile_cols, const TileParams& p,
                   const ProgrammingModel& model, uint64_t seed)
    : n_in_(w.rows()), n_out_(w.cols()), tile_rows_(tile_rows), tile_cols_(tile_cols) {
  if (tile_rows < 1 || tile_cols < 1) {
    throw ConfigError(fmt::format("tile size {}x{} must be positive", tile_rows, tile_cols));
  }
  n_col_blocks_ = (n_out_ + tile_cols_ - 1) / tile_cols_;
  const Eigen::Index n_row_blocks = (n_in_ + tile_rows_ - 1) / tile_rows_;
  for (Eigen::Index rb = 0; rb < n_row_blocks; ++rb) {
    for (Eigen::Index cb = 0; cb < n_col_blocks_; ++cb) {
      const Eigen::Index r0 = rb * tile_rows_, c0 = cb * tile_cols_;
      const Eigen::Index nr = std::min(tile_rows_, n_in_ - r0), nc = std::min(tile_cols_, n_out_ - c0);
      tiles_.emplace_back(w.block(r0, c0, nr, nc), p, model, seed, static_cast<uint64_t>(rb * n_col_blocks_ + cb));
    }
  }
}

void TiledMvm::calibrate(const Eigen::MatrixXd& x) {
  for (size_t t = 0; t < tiles_.size(); ++t) {
    const Eigen::Index rb = static_cast<Eigen::Index>(t) / n_col_blocks_;
    const Eigen::Index r0 = rb * tile_rows_;
    tiles_[t].calibrate(x.middleRows(r0, std::min(tile_rows_, n_in_ - r0)));
  }
}

Eigen::MatrixXd TiledMvm::mvm(const Eigen::MatrixXd& x, core::Rng& noise) {
  if (x.rows() != n_in_) {
    throw ConfigError(fmt::format("input has {} rows but the matrix has {} inputs", x.rows(), n_in_));
  }
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(n_out_, x.cols());  // partial sums accumulate here
  for (size_t t = 0; t < tiles_.size(); ++t) {
    const Eigen::Index rb = static_cast<Eigen::Index>(t) / n_col_blocks_;
    const Eigen::Index cb = static_cast<Eigen::Index>(t) % n_col_blocks_;
    const Eigen::Index r0 = rb * tile_rows_, c0 = cb * tile_cols_;
    const Eigen::Index nr = std::min(tile_rows_, n_in_ - r0), nc = std::min(tile_cols_, n_out_ - c0);
    y.middleRows(c0, nc) += tiles_[t].mvm(x.middleRows(r0, nr), noise);
  }
  return y;
}

}  // namespace pimtx::xbar
