#include "arch/linear/crossbar.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "core/errors.h"
#include "io/h5.h"
#include "xbar/registry.h"

namespace pimtx::arch {

namespace {
const std::vector<std::string> k_roles = {"wq", "wk", "wv", "wqkv", "wo", "w1", "w2", "w3", "classifier"};

// Runs f(i) for i in [0, n) on up to n_threads threads (deterministic: each i is independent); rethrows the
// first exception.
void parallel_for(int64_t n, int64_t n_threads, const std::function<void(int64_t)>& f) {
  const int64_t nt = std::min<int64_t>(n_threads, n);
  if (nt <= 1) {
    for (int64_t i = 0; i < n; ++i) {
      f(i);
    }
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < nt; ++t) {
    pool.emplace_back([&]() {
      for (int64_t i = next++; i < n; i = next++) {
        try {
          f(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!err) {
            err = std::current_exception();
          }
          next = n;
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  if (err) {
    std::rethrow_exception(err);
  }
}
}  // namespace

struct CrossbarLinear::Tile {
  explicit Tile(core::Rng n) : noise(std::move(n)) {}
  int64_t r0 = 0, nr = 0;                     // input rows (word lines)
  int64_t o0 = 0, no = 0;                     // outputs held
  int64_t phys = 0;                           // physical columns (bit lines)
  Eigen::MatrixXf m;                          // (phys, nr) column currents per word-line volt (A/V)
  Eigen::MatrixXf w_pow;                      // (nr, nr) driver currents per volt: power = vᵀ W v (if counted)
  Eigen::MatrixXf a1_sq;                      // (phys, nr) a1² (read noise only)
  std::unique_ptr<xbar::NodalSolver> solver;  // cells with a cubic law: per-read Newton solve
  Eigen::VectorXd out_scale;                  // (no) weight units per normalised weight
  std::unique_ptr<xbar::Adc> adc;
  core::Rng noise;
  Eigen::VectorXd v_cal_max;  // (phys) calibration pass 1: max |TIA volts|
  double g_sum_s = 0.0;
  double lin_err2 = 0.0, lin_ref2 = 0.0;
};

void CrossbarLinearParams::validate() const {
  for (const auto& r : roles) {
    if (std::find(k_roles.begin(), k_roles.end(), r) == k_roles.end()) {
      throw ConfigError(
          fmt::format("arch.linear.roles: unknown role '{}'; valid roles: {}", r, fmt::join(k_roles, ", ")));
    }
  }
  quant.validate();
  program.validate();
  parasitics.validate("arch.linear");
  if (input == "bit_serial" && n_dac_bits < 1) {
    throw ConfigError("arch.linear: input = 'bit_serial' needs n_dac_bits >= 1 (one array read per input bit)");
  }
  if (g_hi_s > 0.0 && !(g_hi_s > g_lo_s)) {
    throw ConfigError(fmt::format("arch.linear: need g_hi_s > g_lo_s (got {} and {})", g_hi_s, g_lo_s));
  }
}

CrossbarLinearParams CrossbarLinearParams::from_config(core::Section& s) {
  CrossbarLinearParams p;
  p.roles = s.get_string_array("roles", p.roles);
  for (const auto& r : p.roles) {
    if (std::find(k_roles.begin(), k_roles.end(), r) == k_roles.end()) {
      s.fail("roles", fmt::format("unknown role '{}'; valid roles: {}", r, fmt::join(k_roles, ", ")));
    }
  }
  p.n_tile_rows = s.get_int("n_tile_rows", p.n_tile_rows, core::Range::closed(1, 1024));
  p.n_tile_cols = s.get_int("n_tile_cols", p.n_tile_cols, core::Range::closed(2, 1024));
  p.g_lo_s = s.get_double("g_lo_s", p.g_lo_s, core::Range::non_negative());
  p.g_hi_s = s.get_double("g_hi_s", p.g_hi_s, core::Range::non_negative());
  p.input = s.get_string("input", p.input, {"amplitude", "bit_serial"});
  p.n_dac_bits = s.get_int("n_dac_bits", p.n_dac_bits, core::Range::closed(0, 24));
  if (p.input == "bit_serial" && p.n_dac_bits < 1) {
    s.fail("n_dac_bits", "input = 'bit_serial' needs n_dac_bits >= 1 (one array read per input bit)");
  }
  p.v_read_v = s.get_double("v_read_v", p.v_read_v, core::Range{0.0, 1.0, false, true});
  p.dac_x_max = s.get_double("dac_x_max", p.dac_x_max, core::Range::non_negative());
  p.dac_margin_rel = s.get_double("dac_margin_rel", p.dac_margin_rel, core::Range::positive());
  p.r_tia_ohm = s.get_double("r_tia_ohm", p.r_tia_ohm, core::Range::positive());
  p.n_cols_per_adc = s.get_int("n_cols_per_adc", p.n_cols_per_adc, core::Range::closed(1, 1024));
  p.parasitics = xbar::Parasitics::from_config(s, p.parasitics);
  p.read_noise_sigma_rel = s.get_double("read_noise_sigma_rel", p.read_noise_sigma_rel, core::Range::non_negative());
  p.count_read_power = s.get_bool("count_read_power", p.count_read_power);
  p.output_gain_calibration = s.get_bool("output_gain_calibration", p.output_gain_calibration);
  p.n_threads = s.get_int("n_threads", p.n_threads, core::Range::closed(0, 256));
  auto m = s.section("mapping");
  p.mapping = m.get_string("type", p.mapping);
  p.quant.n_levels = m.get_int("n_levels", p.quant.n_levels, core::Range::closed(0, 1 << 20));
  p.quant.n_slices = m.get_int("n_slices", p.quant.n_slices, core::Range::closed(1, 32));
  try {
    p.quant.validate();
  } catch (const ConfigError& e) {
    m.fail("n_levels", e.what());
  }
  p.weight_scale = m.get_string("weight_scale", p.weight_scale, {"tile", "column"});
  p.program.n_write_verify = m.get_int("n_write_verify", p.program.n_write_verify, core::Range::closed(0, 1000));
  p.program.verify_tol_rel = m.get_double("verify_tol_rel", p.program.verify_tol_rel, core::Range::above(0));
  p.program.p_stuck_on_rel = m.get_double("p_stuck_on_rel", p.program.p_stuck_on_rel, core::Range::closed(0, 1));
  p.program.p_stuck_off_rel = m.get_double("p_stuck_off_rel", p.program.p_stuck_off_rel, core::Range::closed(0, 1));
  if (p.g_hi_s > 0.0 && !(p.g_hi_s > p.g_lo_s)) {
    s.fail("g_hi_s", fmt::format("need g_hi_s > g_lo_s = {}", p.g_lo_s));
  }
  p.validate();
  return p;
}

void CrossbarLinearParams::to_config(core::Section& s) const {
  s.set_string_array("roles", roles);
  s.set_int("n_tile_rows", n_tile_rows);
  s.set_int("n_tile_cols", n_tile_cols);
  s.set_double("g_lo_s", g_lo_s);
  s.set_double("g_hi_s", g_hi_s);
  s.set_string("input", input);
  s.set_int("n_dac_bits", n_dac_bits);
  s.set_double("v_read_v", v_read_v);
  s.set_double("dac_x_max", dac_x_max);
  s.set_double("dac_margin_rel", dac_margin_rel);
  s.set_double("r_tia_ohm", r_tia_ohm);
  s.set_int("n_cols_per_adc", n_cols_per_adc);
  parasitics.to_config(s);
  s.set_double("read_noise_sigma_rel", read_noise_sigma_rel);
  s.set_bool("count_read_power", count_read_power);
  s.set_bool("output_gain_calibration", output_gain_calibration);
  s.set_int("n_threads", n_threads);
  auto m = s.section("mapping");
  m.set_string("type", mapping);
  m.set_int("n_levels", quant.n_levels);
  m.set_int("n_slices", quant.n_slices);
  m.set_string("weight_scale", weight_scale);
  m.set_int("n_write_verify", program.n_write_verify);
  m.set_double("verify_tol_rel", program.verify_tol_rel);
  m.set_double("p_stuck_on_rel", program.p_stuck_on_rel);
  m.set_double("p_stuck_off_rel", program.p_stuck_off_rel);
}

CrossbarLinear::CrossbarLinear(core::Section& cfg, const LinearInit& init)
    : role_(init.role), layer_(init.layer), n_in_(init.weight.cols()), n_out_(init.weight.rows()) {
  p_ = CrossbarLinearParams::from_config(cfg);
  // Every sub-table is read (and its keys validated) by every instance, also digital ones.
  core::Section prog_sec = cfg.section("programming");
  const std::unique_ptr<xbar::ProgrammingModel> model = xbar::programming_registry().create(prog_sec, "ideal");
  core::Section adc_sec = cfg.section("adc");
  {
    core::Rng probe(0, "xbar.adc.probe");
    (void)xbar::adc_registry().create(adc_sec, "uniform", 1, &probe);
  }
  core::Section map_sec = cfg.section("mapping");
  enc_ = xbar::signed_encoding_registry().create_named(p_.mapping, map_sec);
  on_array_ = std::find(p_.roles.begin(), p_.roles.end(), role_) != p_.roles.end();
  if (!on_array_) {
    w_ = init.weight;
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  g_lo_s_ = p_.g_lo_s > 0.0 ? p_.g_lo_s : model->g_min_s();
  const double g_hi = p_.g_hi_s > 0.0 ? p_.g_hi_s : model->g_max_s();
  if (!(g_hi > g_lo_s_)) {
    cfg.fail("g_hi_s", fmt::format("mapping window [{}, {}] S is empty", g_lo_s_, g_hi));
  }
  dg_s_ = g_hi - g_lo_s_;
  const int64_t cpo = enc_->cols_per_output(p_.quant);
  outs_per_tile_ = (p_.n_tile_cols - enc_->extra_cols()) / cpo;
  if (outs_per_tile_ < 1) {
    cfg.fail("n_tile_cols",
             fmt::format("{} columns cannot hold one output of mapping '{}' ({} columns per output + {})",
                         p_.n_tile_cols, p_.mapping, cpo, enc_->extra_cols()));
  }
  if (p_.dac_x_max > 0.0) {
    dac_ = std::make_unique<xbar::Dac>(xbar::DacParams{.n_bits = p_.n_dac_bits,
                                                       .v_max_v = p_.v_read_v,
                                                       .x_max = p_.dac_x_max,
                                                       .n_slices = p_.input == "bit_serial" ? p_.n_dac_bits : 1});
    dac_ready_ = true;
  }
  const uint64_t mseed = core::Rng(init.seed, "arch.linear." + role_, static_cast<uint64_t>(layer_)).next_u64();
  n_row_blocks_ = (n_in_ + p_.n_tile_rows - 1) / p_.n_tile_rows;
  const int64_t n_col_blocks = (n_out_ + outs_per_tile_ - 1) / outs_per_tile_;
  for (int64_t rb = 0; rb < n_row_blocks_; ++rb) {
    for (int64_t cb = 0; cb < n_col_blocks; ++cb) {
      const auto idx = static_cast<uint64_t>(rb * n_col_blocks + cb);
      auto t = std::make_unique<Tile>(core::Rng(mseed, "arch.linear.noise", idx));
      t->r0 = rb * p_.n_tile_rows;
      t->nr = std::min(p_.n_tile_rows, n_in_ - t->r0);
      t->o0 = cb * outs_per_tile_;
      t->no = std::min(outs_per_tile_, n_out_ - t->o0);
      t->phys = enc_->physical_cols(t->no, p_.quant);
      core::Rng d2d(mseed, "xbar.adc.d2d", idx);
      t->adc = xbar::adc_registry().create(adc_sec, "uniform", t->phys, &d2d);
      tiles_.push_back(std::move(t));
    }
  }
  const std::optional<double> adc_range_v = tiles_.front()->adc->range_v();
  adc_ready_ = !adc_range_v || *adc_range_v > 0.0;  // an ADC with a range of 0 calibrates it from data
  // Program and characterise every tile (independent: threads over tiles).
  const int64_t n_threads =
      p_.n_threads > 0 ? p_.n_threads : static_cast<int64_t>(std::max(1U, std::thread::hardware_concurrency()));
  std::vector<xbar::ProgrammedCells> stats(tiles_.size());
  const Mat& w = init.weight;
  parallel_for(static_cast<int64_t>(tiles_.size()), n_threads, [&](int64_t k) {
    Tile& t = *tiles_[static_cast<size_t>(k)];
    Eigen::MatrixXd blk = w.block(t.o0, t.r0, t.no, t.nr).transpose().cast<double>();  // (nr, no)
    t.out_scale.resize(t.no);
    if (p_.weight_scale == "tile") {
      const double s = blk.cwiseAbs().maxCoeff();
      t.out_scale.setConstant(s > 0.0 ? s : 1.0);
    } else {
      for (int64_t j = 0; j < t.no; ++j) {
        const double s = blk.col(j).cwiseAbs().maxCoeff();
        t.out_scale(j) = s > 0.0 ? s : 1.0;
      }
    }
    const Eigen::MatrixXd levels = enc_->encode(blk * t.out_scale.cwiseInverse().asDiagonal(), p_.quant);
    const Eigen::MatrixXd target = (levels * dg_s_).array() + g_lo_s_;
    xbar::ProgrammedCells pc = xbar::program_cells(target, p_.program, *model, mseed, static_cast<uint64_t>(k));
    t.g_sum_s = pc.cells.a1_s.sum();
    if (p_.read_noise_sigma_rel > 0.0) {
      t.a1_sq = pc.cells.a1_s.cwiseAbs2().transpose().cast<float>();
    }
    xbar::CellArray lin;
    lin.a1_s = pc.cells.a1_s;
    xbar::SolverOptions so;
    so.boundary_last = true;  // cheap transfer matrix
    xbar::NodalSolver lin_solver(lin, p_.parasitics, so);
    const xbar::TransferMatrix tm = lin_solver.transfer_matrix();
    t.m = tm.bit_a_per_v.cast<float>();
    if (p_.count_read_power) {
      t.w_pow = tm.word_a_per_v.cast<float>();
    }
    if (pc.cells.nonlinear()) {
      t.solver = std::make_unique<xbar::NodalSolver>(pc.cells, p_.parasitics);
    }
    pc.cells = xbar::CellArray{};
    stats[static_cast<size_t>(k)] = std::move(pc);
  });
  for (const auto& s : stats) {
    n_pulses_ += s.n_pulses;
    n_clipped_ += s.n_clipped;
    n_stuck_ += s.n_stuck;
  }
  for (const auto& t : tiles_) {
    n_cells_ += t->nr * t->phys;
  }
  if (n_calibration_passes() > 0) {
    w_ = init.weight;  // the calibration passes return the exact product
  }
  t_characterise_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

CrossbarLinear::~CrossbarLinear() = default;

double CrossbarLinear::conductance_sum_s() const {
  double s = 0.0;
  for (const auto& t : tiles_) {
    s += t->g_sum_s;
  }
  return s;
}

int CrossbarLinear::n_calibration_passes() const {
  return on_array_ && (!dac_ready_ || !adc_ready_ || p_.output_gain_calibration) ? 2 : 0;
}

void CrossbarLinear::begin_calibration_pass(int pass) {
  calib_pass_ = on_array_ ? pass : -1;
  if (calib_pass_ == 1) {
    for (auto& t : tiles_) {
      t->v_cal_max = Eigen::VectorXd::Zero(t->phys);
    }
    gain_num_ = Eigen::VectorXd::Zero(n_out_);
    gain_den_ = Eigen::VectorXd::Zero(n_out_);
  }
}

void CrossbarLinear::end_calibration_pass(int pass) {
  if (!on_array_) {
    return;
  }
  calib_pass_ = -1;
  if (pass == 0 && !dac_ready_) {
    const double x_max = x_abs_max_ > 0.0 ? p_.dac_margin_rel * x_abs_max_ : 1.0;
    p_.dac_x_max = x_max;
    dac_ = std::make_unique<xbar::Dac>(xbar::DacParams{.n_bits = p_.n_dac_bits,
                                                       .v_max_v = p_.v_read_v,
                                                       .x_max = x_max,
                                                       .n_slices = p_.input == "bit_serial" ? p_.n_dac_bits : 1});
    dac_ready_ = true;
  } else if (pass == 1) {
    if (!adc_ready_) {
      for (auto& t : tiles_) {
        t->adc->calibrate(t->v_cal_max);  // (phys, 1): the per-column maxima, a batch of one
      }
      adc_ready_ = true;
    }
    if (p_.output_gain_calibration) {
      gain_ = Eigen::VectorXd::Ones(n_out_);
      for (int64_t j = 0; j < n_out_; ++j) {
        if (gain_den_(j) > 0.0) {
          gain_(j) = gain_num_(j) / gain_den_(j);
        }
      }
    }
  }
}

void CrossbarLinear::run_tile(Tile& t, const std::vector<Eigen::MatrixXd>& slices, double x_scale, bool ideal_adc,
                              Eigen::MatrixXd& yt, double& power_w) {
  for (size_t s = 0; s < slices.size(); ++s) {
    const Eigen::MatrixXd vd = slices[s].middleRows(t.r0, t.nr);  // (nr, n) volts
    const Eigen::MatrixXf vf = vd.cast<float>();
    Eigen::MatrixXd cur;  // (phys, n) amperes into the bit-line terminals
    if (t.solver) {
      xbar::Drive d;
      d.word_v = vd;
      const xbar::SolveResult r = t.solver->solve(d);
      cur = r.bit_currents_a;
      power_w += vd.cwiseProduct(r.word_currents_a).sum();
      const Eigen::MatrixXd lin = (t.m * vf).cast<double>();
      t.lin_err2 += (lin - cur).squaredNorm();
      t.lin_ref2 += cur.squaredNorm();
    } else {
      cur = (t.m * vf).cast<double>();
      if (t.w_pow.size() != 0) {
        power_w += static_cast<double>((t.w_pow * vf).cwiseProduct(vf).sum());
      }
    }
    if (t.a1_sq.size() != 0) {
      const Eigen::MatrixXd sd = (t.a1_sq * vf.cwiseAbs2()).cast<double>().cwiseSqrt() * p_.read_noise_sigma_rel;
      for (Eigen::Index k = 0; k < cur.cols(); ++k) {
        for (Eigen::Index j = 0; j < cur.rows(); ++j) {
          cur(j, k) += sd(j, k) * t.noise.normal();
        }
      }
    }
    Eigen::MatrixXd v = cur * p_.r_tia_ohm;
    if (calib_pass_ == 1) {
      t.v_cal_max = t.v_cal_max.cwiseMax(v.cwiseAbs().rowwise().maxCoeff());
    }
    if (!ideal_adc) {
      v = t.adc->convert(v, t.noise);
    }
    const Eigen::MatrixXd readings = v / (p_.r_tia_ohm * dg_s_);  // Σ_i V_i·level_i
    const Eigen::MatrixXd dec = enc_->decode(readings, vd.colwise().sum(), p_.quant);
    yt.middleRows(t.o0, t.no) +=
        dac_->slice_weight(static_cast<int64_t>(s), x_scale) * (t.out_scale.asDiagonal() * dec);
  }
}

void CrossbarLinear::run_tiles(const Eigen::MatrixXd& xt, Eigen::MatrixXd& yt, bool ideal_adc, OpCounts* counts) {
  double x_scale = 0.0;
  const std::vector<Eigen::MatrixXd> slices = dac_->slices(xt, x_scale);
  yt = Eigen::MatrixXd::Zero(n_out_, xt.cols());
  // Threads over output blocks (tiles of one output block write the same rows of yt, so one thread owns them).
  const int64_t n_col_blocks = static_cast<int64_t>(tiles_.size()) / n_row_blocks_;
  const int64_t hw =
      p_.n_threads > 0 ? p_.n_threads : static_cast<int64_t>(std::max(1U, std::thread::hardware_concurrency()));
  const int64_t n_threads = tiles_.size() * static_cast<size_t>(xt.cols()) >= 64 ? hw : 1;
  std::vector<double> power(static_cast<size_t>(n_col_blocks), 0.0);
  parallel_for(n_col_blocks, n_threads, [&](int64_t cb) {
    for (int64_t rb = 0; rb < n_row_blocks_; ++rb) {
      run_tile(*tiles_[static_cast<size_t>(rb * n_col_blocks + cb)], slices, x_scale, ideal_adc, yt,
               power[static_cast<size_t>(cb)]);
    }
  });
  if (counts == nullptr) {
    return;
  }
  const int64_t n = xt.cols();
  const auto reads = static_cast<int64_t>(slices.size());
  int64_t cells = 0, rows = 0, cols = 0, adds = 0;
  const bool offset = enc_->type() == "offset";
  for (const auto& t : tiles_) {
    cells += t->nr * t->phys;
    rows += t->nr;
    cols += t->phys;
    adds += reads * (t->phys - t->no + (offset ? t->no : 0)) + (reads - 1) * t->no;
  }
  adds += (n_row_blocks_ - 1) * n_out_;
  auto& ev = counts->events;
  ev["xbar.array_reads"] += n * reads * static_cast<int64_t>(tiles_.size()) * p_.n_cols_per_adc;
  ev["xbar.cells_read"] += n * reads * cells;
  ev["dac.conversions"] += n * reads * rows;
  ev["adc.conversions"] += n * reads * cols;
  ev["digital.adds"] += n * adds;
  double pw = 0.0;
  for (double x : power) {
    pw += x;
  }
  if (p_.count_read_power) {
    counts->sums["xbar.read_power_w"] += pw * static_cast<double>(p_.n_cols_per_adc);
  }
}

void CrossbarLinear::forward(const ConstMatRef& x, MatRef y, OpCounts& counts) {
  const int64_t n = x.rows();
  counts.calls += 1;
  counts.bytes_written += 4 * n * n_out_;
  if (!on_array_ || calib_pass_ >= 0) {
    // Exact product: digital roles, and the calibration passes (later layers see the digital activations).
    if (calib_pass_ == 0) {
      x_abs_max_ = std::max(x_abs_max_, static_cast<double>(x.cwiseAbs().maxCoeff()));
    }
    if (n == 1) {
      y.row(0).transpose().noalias() = w_ * x.row(0).transpose();
    } else {
      y.noalias() = x * w_.transpose();
    }
    if (calib_pass_ == 1) {
      Eigen::MatrixXd yt;  // (out, n) analog result with an ideal ADC
      run_tiles(x.transpose().cast<double>(), yt, true, nullptr);
      const Eigen::MatrixXd ye = y.transpose().cast<double>();
      gain_num_ += yt.cwiseProduct(ye).rowwise().sum();
      gain_den_ += yt.cwiseAbs2().rowwise().sum();
    }
    if (!on_array_) {
      counts.macs += n * n_in_ * n_out_;
      counts.bytes_read += 4 * (n_in_ * n_out_ + n * n_in_);
    }
    return;
  }
  if (!dac_ready_ || !adc_ready_) {
    throw NumericError(
        fmt::format("crossbar linear '{}' (layer {}): the {} range is not calibrated; run a calibration pass "
                    "(eval.n_calibration_stories > 0) or set arch.linear.dac_x_max and arch.linear.adc.v_range_v",
                    role_, layer_, !dac_ready_ ? "DAC" : "ADC"));
  }
  if (!programming_counted_) {
    counts.events["xbar.program_pulses"] += n_pulses_;
    counts.events["xbar.cells_programmed"] += n_cells_;
    programming_counted_ = true;
  }
  counts.macs += n * n_in_ * n_out_;  // performed in the arrays (analog)
  counts.bytes_read += 4 * n * n_in_;
  Eigen::MatrixXd yt;  // (out, n)
  run_tiles(x.transpose().cast<double>(), yt, false, &counts);
  if (gain_.size() != 0) {
    yt = gain_.asDiagonal() * yt;
  }
  y = yt.transpose().cast<float>();
}

void CrossbarLinear::write_stats(io::ResultFile& file, const std::string& group) const {
  if (!on_array_) {
    return;
  }
  file.write_scalar(group + "/n_tiles", static_cast<int64_t>(tiles_.size()), "count");
  file.write_scalar(group + "/n_cells", n_cells_, "count");
  file.write_scalar(group + "/n_cells_clipped", n_clipped_, "count");
  file.write_scalar(group + "/n_cells_stuck", n_stuck_, "count");
  file.write_scalar(group + "/n_program_pulses", n_pulses_, "count");
  file.write_scalar(group + "/conductance_sum_s", conductance_sum_s(), "S");
  file.write_scalar(group + "/dac_x_max", p_.dac_x_max, "1");
  file.write_scalar(group + "/t_characterise_s", t_characterise_s_, "s");
  if (gain_.size() != 0) {
    file.write(group + "/output_gain", std::span<const double>(gain_.data(), static_cast<size_t>(gain_.size())),
               {static_cast<size_t>(gain_.size())}, "1");
  }
  std::vector<double> ranges;
  for (const auto& t : tiles_) {
    if (const auto range_v = t->adc->range_v()) {
      ranges.push_back(*range_v);
    }
  }
  if (!ranges.empty()) {
    file.write(group + "/adc_range_v", std::span<const double>(ranges), {ranges.size()}, "V");
  }
  double e2 = 0.0, r2 = 0.0;
  for (const auto& t : tiles_) {
    e2 += t->lin_err2;
    r2 += t->lin_ref2;
  }
  if (r2 > 0.0) {
    file.write_scalar(group + "/linear_law_rms_rel_error", std::sqrt(e2 / r2), "1");
  }
}

}  // namespace pimtx::arch
