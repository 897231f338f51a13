#include "calibration/spice_experiments.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "circuits/device_bench.h"
#include "circuits/gaincell.h"
#include "circuits/netlist.h"
#include "core/errors.h"
#include "core/rng.h"

namespace pimtx::calibration {

namespace {

circuits::VteamCellParams to_cell(const devices::VteamParams& q) {
  circuits::VteamCellParams c;
  c.r_on_ohm = q.r_on_ohm;
  c.r_off_ohm = q.r_off_ohm;
  c.v_on_v = q.v_on_v;
  c.v_off_v = q.v_off_v;
  c.k_on_per_s = q.k_on_per_s;
  c.k_off_per_s = q.k_off_per_s;
  c.alpha_on_ratio = q.alpha_on_ratio;
  c.alpha_off_ratio = q.alpha_off_ratio;
  return c;
}

std::vector<std::pair<double, double>> pwl_points(const devices::Waveform& w) {
  std::vector<std::pair<double, double>> p;
  for (size_t i = 0; i < w.t_s.size(); ++i) {
    p.emplace_back(w.t_s[i], w.v_v[i]);
  }
  return p;
}

}  // namespace

void merge_runs(SpiceRun& a, const SpiceRun& b) {
  a.failed.insert(a.failed.end(), b.failed.begin(), b.failed.end());
  a.netlist_names.insert(a.netlist_names.end(), b.netlist_names.begin(), b.netlist_names.end());
  a.netlist_sha256.insert(a.netlist_sha256.end(), b.netlist_sha256.begin(), b.netlist_sha256.end());
  a.wall_s += b.wall_s;
}

double sample_at(const spice::Result& r, const std::string& name, double t) {
  const auto& ts = r.at("time").real;
  const auto& v = r.at(name).real;
  auto it = std::lower_bound(ts.begin(), ts.end(), t);
  if (it == ts.end()) {
    throw SpiceError(fmt::format("sample of {} at t = {} s: the transient ends at {} s", name, t, ts.back()));
  }
  const auto k = static_cast<size_t>(it - ts.begin());
  if (*it - t <= 1e-12 * std::max(t, 1e-12) || k == 0) {
    return v[k];
  }
  const double f = (t - ts[k - 1]) / (ts[k] - ts[k - 1]);
  return v[k - 1] + f * (v[k] - v[k - 1]);
}

std::vector<devices::VteamParams> draw_vteam_population(const devices::VteamParams& truth, size_t n, uint64_t seed) {
  const devices::Vteam m(truth);
  std::vector<devices::VteamParams> out;
  for (size_t k = 0; k < n; ++k) {
    core::Rng rng(seed, "calibrate.spice.d2d", k);
    out.push_back(m.effective(m.make_instance(m.g_min_s(), &rng)));
  }
  return out;
}

VteamTraces run_vteam_bench(spice::WorkerPool& pool, const std::vector<devices::VteamParams>& pop, double x0,
                            const devices::Waveform& wave, double min_width_s, const std::vector<double>& t_sample_s,
                            const VteamSpiceOptions& opt, const std::string& label) {
  std::vector<SpicePoint> pts;
  const size_t per = std::max<size_t>(1, opt.cells_per_netlist);
  const double tmax = opt.tmax_per_width * min_width_s;
  for (size_t b = 0; b < pop.size(); b += per) {
    const size_t e = std::min(pop.size(), b + per);
    circuits::DeviceBenchSpec s;
    s.cell = circuits::CellType::vteam;
    for (size_t k = b; k < e; ++k) {
      s.vteam.push_back(to_cell(pop[k]));
      s.x0.push_back(x0);
    }
    s.drive_pwl = pwl_points(wave);
    s.options = opt.options;
    s.command = "pimtx calibrate (src/calibration/spice_experiments.cpp, " + label + ")";
    spice::Job job;
    job.netlist = circuits::device_bench_lines(s);
    job.commands = {
        fmt::format("tran {} {} 0 {} uic", circuits::num(tmax), circuits::num(wave.t_end_s()), circuits::num(tmax))};
    job.save = {"time"};
    for (size_t k = 0; k < e - b; ++k) {
      job.save.push_back(circuits::cell_current_vector(k));
      job.save.push_back(circuits::vteam_state_vector(k));
    }
    job.timeout_s = 300;
    pts.push_back({fmt::format("{} devices {}..{}", label, b, e - 1), std::move(job)});
  }
  VteamTraces out;
  out.run = run_points(pool, pts, "spice " + label);
  out.current_a.resize(pop.size());
  out.state.resize(pop.size());
  for (size_t j = 0; j < pts.size(); ++j) {
    if (!out.run.results[j]) {
      continue;
    }
    const auto& r = *out.run.results[j];
    for (size_t k = j * per; k < std::min(pop.size(), (j + 1) * per); ++k) {
      std::vector<double> i, x;
      for (double t : t_sample_s) {
        i.push_back(sample_at(r, circuits::cell_current_vector(k - j * per), t));
        x.push_back(sample_at(r, circuits::vteam_state_vector(k - j * per), t));
      }
      out.current_a[k] = std::move(i);
      out.state[k] = std::move(x);
    }
  }
  return out;
}

devices::Waveform update_wave(const VteamProtocol& p, double v, double t_w) {
  devices::Waveform w;
  double t = 0;
  auto add = [&](double dt, double volt) {
    t += dt;
    w.t_s.push_back(t);
    w.v_v.push_back(volt);
  };
  w.t_s.push_back(0);
  w.v_v.push_back(0);
  for (auto [amp, width] : {std::pair{p.v_read_v, p.t_read_s}, std::pair{v, t_w}, std::pair{p.v_read_v, p.t_read_s}}) {
    add(p.t_gap_s, 0);
    add(p.t_edge_s, amp);
    add(width, amp);
    add(p.t_edge_s, 0);
  }
  add(p.t_gap_s, 0);
  return w;
}

namespace {
// Mid-plateau times of the two reads of update_wave().
std::vector<double> update_reads(const VteamProtocol& p, double t_w) {
  const double r0 = p.t_gap_s + p.t_edge_s + 0.5 * p.t_read_s;
  const double r1 =
      r0 + 0.5 * p.t_read_s + p.t_edge_s + p.t_gap_s + 2 * p.t_edge_s + t_w + p.t_gap_s + p.t_edge_s + 0.5 * p.t_read_s;
  return {r0, r1};
}
void finish_stats(UpdateMc& u) {
  u.mean_s = mean(u.dg_s);
  u.std_s = stddev(u.dg_s);
}
}  // namespace

UpdateMc run_vteam_update(spice::WorkerPool& pool, const std::vector<devices::VteamParams>& pop, double x0,
                          const VteamProtocol& p, double v, double t_w, const VteamSpiceOptions& opt, SpiceRun& prov) {
  const auto w = update_wave(p, v, t_w);
  const auto reads = update_reads(p, t_w);
  const auto tr =
      run_vteam_bench(pool, pop, x0, w, std::min(t_w, p.t_read_s), reads, opt, fmt::format("vteam_update_{}V", v));
  merge_runs(prov, tr.run);
  UpdateMc u{v, t_w, {}, 0, 0};
  for (const auto& i : tr.current_a) {
    if (i) {
      u.dg_s.push_back(((*i)[1] - (*i)[0]) / p.v_read_v);
    }
  }
  if (u.dg_s.size() < 2) {
    throw CalibrationError(fmt::format("vteam update at {} V: fewer than 2 devices simulated", v));
  }
  finish_stats(u);
  return u;
}

UpdateMc sample_vteam_update(const devices::VteamParams& model, size_t n, uint64_t seed, double x0,
                             const VteamProtocol& p, double v, double t_w) {
  const devices::Vteam m(model);
  // Only the pulse itself (reads are below threshold and leave the state alone).
  const devices::Waveform w{{0, p.t_edge_s, p.t_edge_s + t_w, 2 * p.t_edge_s + t_w}, {0, v, v, 0}};
  UpdateMc u{v, t_w, {}, 0, 0};
  for (size_t k = 0; k < n; ++k) {
    core::Rng rng(seed, "calibrate.model.d2d", k);
    auto dev = m.make_instance(m.g_min_s(), &rng);
    dev.state = x0;
    const double g0 = m.conductance_s(dev);
    m.program(dev, w, nullptr);
    u.dg_s.push_back(m.conductance_s(dev) - g0);
  }
  finish_stats(u);
  return u;
}

MoIvPopulation run_metal_oxide_iv(spice::WorkerPool& pool, const std::vector<double>& g0_s, size_t n_devices,
                                  double temperature_k, double v_max_v, double v_step_v, uint64_t seed) {
  MoIvPopulation out;
  out.g0_s = g0_s;
  out.n_devices = n_devices;
  for (size_t k = 0; k < n_devices; ++k) {
    core::Rng rng(seed, "calibrate.spice.d2d", k);
    out.xi.push_back(rng.normal());
  }
  const auto n_v = static_cast<size_t>(std::llround(2 * v_max_v / v_step_v)) + 1;
  for (size_t j = 0; j < n_v; ++j) {
    out.v_v.push_back(-v_max_v + static_cast<double>(j) * v_step_v);
  }
  std::vector<SpicePoint> pts;
  for (double g0 : g0_s) {
    circuits::DeviceBenchSpec s;
    s.cell = circuits::CellType::metal_oxide;
    s.g0_s.assign(n_devices, g0);
    s.xi = out.xi;
    s.temperature_k = temperature_k;
    s.command = "pimtx calibrate (src/calibration/spice_experiments.cpp, metal-oxide I-V)";
    spice::Job job;
    job.netlist = circuits::device_bench_lines(s);
    job.commands = {fmt::format("dc vd {} {} {}", circuits::num(-v_max_v), circuits::num(v_max_v + 0.5 * v_step_v),
                                circuits::num(v_step_v))};
    job.save = {circuits::drive_vector()};
    for (size_t k = 0; k < n_devices; ++k) {
      job.save.push_back(circuits::cell_current_vector(k));
    }
    job.timeout_s = 120;
    pts.push_back({fmt::format("metal_oxide I-V sweep at G0 = {} S ({} devices)", g0, n_devices), std::move(job)});
  }
  out.run = run_points(pool, pts, "spice metal_oxide I-V");
  out.i_a.resize(g0_s.size() * n_devices);
  for (size_t g = 0; g < g0_s.size(); ++g) {
    if (!out.run.results[g]) {
      continue;
    }
    const auto& r = *out.run.results[g];
    if (r.at(circuits::drive_vector()).real.size() != n_v) {
      out.run.failed.push_back(fmt::format("{}: {} sweep points, expected {}", pts[g].label,
                                           r.at(circuits::drive_vector()).real.size(), n_v));
      continue;
    }
    for (size_t k = 0; k < n_devices; ++k) {
      out.i_a[g * n_devices + k] = r.at(circuits::cell_current_vector(k)).real;
    }
  }
  return out;
}

namespace {
circuits::GainCellSpec gc_spec(const GainCellSpiceOptions& o, const std::vector<double>& v_write_v) {
  circuits::GainCellSpec s;
  s.n_rows = 1;
  s.n_cols = v_write_v.size();
  s.type = circuits::GainCellType::t3;
  s.w_m = o.w_m;
  s.l_m = o.l_m;
  s.c_sn_f = o.c_sn_f;
  s.v_store_v = v_write_v;
  s.v_wwl_on_v = o.v_wwl_on_v;
  s.v_rbl_v = o.v_rbl_v;
  s.v_wbl_hold_v = o.v_wbl_hold_v;
  s.command = "pimtx calibrate (src/calibration/spice_experiments.cpp, gain cell)";
  // Runs through spice::WorkerPool, which gives every job one ngspice OpenMP thread (src/spice/pool.cpp).
  return s;
}
}  // namespace

RetentionData run_gaincell_retention(spice::WorkerPool& pool, const GainCellSpiceOptions& o,
                                     const std::vector<double>& v_write_v, double t_hold_s, size_t n_samples,
                                     SpiceRun& prov) {
  auto s = gc_spec(o, v_write_v);
  s.t_hold_s = t_hold_s;
  s.v_read_v = {0.0};  // no read: the row's RWL stays off
  const double t_end = circuits::total_duration_s(s);
  // Retention clock starts when the write transistor is off again (end of the write slot).
  const double t0 = circuits::write_end_s(s) + s.t_edge_s;
  spice::Job job;
  job.netlist = circuits::gaincell_lines(s);
  job.commands = {fmt::format("tran 1n {} 0 {}", circuits::num(t_end), circuits::num(t_hold_s / 400))};
  job.save = {"time"};
  for (size_t c = 0; c < v_write_v.size(); ++c) {
    job.save.push_back(circuits::storage_vector(0, c));
  }
  job.timeout_s = 300;
  auto run = run_points(pool, {{"gain-cell retention transient", job}}, "spice gain-cell retention");
  merge_runs(prov, run);
  RetentionData d;
  if (!run.results[0]) {
    return d;
  }
  for (size_t c = 0; c < v_write_v.size(); ++c) {
    for (size_t k = 0; k < n_samples; ++k) {
      // Log-spaced from 10 ns to t_hold: the early (nearly flat) and late parts both get points.
      const double tt = 1e-8 * std::pow(t_hold_s / 1e-8, static_cast<double>(k) / static_cast<double>(n_samples - 1));
      d.cell.push_back(static_cast<double>(c));
      d.t_s.push_back(tt);
      d.v_store_v.push_back(sample_at(*run.results[0], circuits::storage_vector(0, c), t0 + tt));
    }
  }
  return d;
}

double delivered_energy_j(const spice::Result& r, const std::string& v_node, const std::string& i_branch, double t0,
                          double t1) {
  const auto& ts = r.at("time").real;
  t1 = std::min(t1, ts.back());  // the read pulse's falling edge ends with the transient (rounding of the stop time)
  auto power = [&](double t) { return -sample_at(r, v_node, t) * sample_at(r, i_branch, t); };
  const auto& v = r.at(v_node).real;
  const auto& i = r.at(i_branch).real;
  double e = 0.0, t_prev = t0, p_prev = power(t0);
  for (size_t k = 0; k < ts.size(); ++k) {
    if (ts[k] <= t0) {
      continue;
    }
    if (ts[k] >= t1) {
      break;
    }
    const double p = -v[k] * i[k];
    e += 0.5 * (p + p_prev) * (ts[k] - t_prev);
    t_prev = ts[k];
    p_prev = p;
  }
  return e + 0.5 * (power(t1) + p_prev) * (t1 - t_prev);
}

ReadData run_gaincell_read(spice::WorkerPool& pool, const GainCellSpiceOptions& o, const std::vector<double>& v_write_v,
                           const std::vector<double>& v_rwl_v, SpiceRun& prov, GainCellEnergy* energy,
                           double v_store_min_v, double v_rwl_energy_v) {
  std::vector<SpicePoint> pts;
  std::vector<circuits::GainCellSpec> specs;
  for (double vr : v_rwl_v) {
    auto s = gc_spec(o, v_write_v);
    s.t_hold_s = 20e-9;
    s.t_read_s = 20e-9;
    s.v_read_v = {vr};
    spice::Job job;
    job.netlist = circuits::gaincell_lines(s);
    job.commands = {fmt::format("tran 0.1n {} 0 0.5n", circuits::num(circuits::total_duration_s(s)))};
    job.save = {"time"};
    for (size_t c = 0; c < v_write_v.size(); ++c) {
      job.save.push_back(circuits::storage_vector(0, c));
      job.save.push_back(circuits::rbl_vector(c));
      if (energy != nullptr) {
        for (const auto& n : {fmt::format("wbl{}", c), fmt::format("rbl{}", c)}) {
          job.save.push_back("v(" + n + ")");
          job.save.push_back("v" + n + "#branch");
        }
      }
    }
    if (energy != nullptr) {
      job.save.insert(job.save.end(), {"v(wwl0)", "vwwl0#branch", "v(rwl0)", "vrwl0#branch"});
    }
    job.timeout_s = 120;
    pts.push_back({fmt::format("gain-cell read transient at RWL = {} V", vr), std::move(job)});
    specs.push_back(s);
  }
  auto run = run_points(pool, pts, "spice gain-cell read");
  merge_runs(prov, run);
  ReadData d;
  for (size_t j = 0; j < pts.size(); ++j) {
    if (!run.results[j]) {
      continue;
    }
    const auto [a, b] = circuits::read_window(specs[j]);
    const double tm = 0.5 * (a + b);
    for (size_t c = 0; c < v_write_v.size(); ++c) {
      // V_SN as stored, just before the RWL ramp: the read word line bootstraps the node during the read, and the
      // law maps the held voltage (what a model of the cell knows) to the read current.
      d.v_store_v.push_back(sample_at(*run.results[j], circuits::storage_vector(0, c), a - specs[j].t_edge_s));
      d.v_read_v.push_back(v_rwl_v[j]);
      d.i_read_a.push_back(-sample_at(*run.results[j], circuits::rbl_vector(c), tm));
    }
  }
  if (energy != nullptr) {
    // The transient at the RWL level nearest v_rwl_energy_v. Write phase: [0, WWL off]; read: the RWL pulse with
    // its edges. Shared word lines are split evenly over the cells of the row.
    size_t jb = 0;
    for (size_t j = 0; j < pts.size(); ++j) {
      if (std::abs(v_rwl_v[j] - v_rwl_energy_v) < std::abs(v_rwl_v[jb] - v_rwl_energy_v)) {
        jb = j;
      }
    }
    *energy = GainCellEnergy{};
    if (run.results[jb]) {
      const auto& r = *run.results[jb];
      const auto& s = specs[jb];
      const double t_w1 = circuits::write_end_s(s);
      const auto [a, b] = circuits::read_window(s);
      const double nc = static_cast<double>(v_write_v.size());
      const double e_wwl = delivered_energy_j(r, "v(wwl0)", "vwwl0#branch", 0.0, t_w1) / nc;
      const double e_rwl = delivered_energy_j(r, "v(rwl0)", "vrwl0#branch", a - s.t_edge_s, b + s.t_edge_s) / nc;
      double ew = 0, er = 0;
      size_t n = 0;
      for (size_t c = 0; c < v_write_v.size(); ++c) {
        const double vsn = sample_at(r, circuits::storage_vector(0, c), 0.5 * (a + b));
        if (vsn < v_store_min_v) {
          continue;
        }
        ew += e_wwl + delivered_energy_j(r, fmt::format("v(wbl{})", c), fmt::format("vwbl{}#branch", c), 0.0, t_w1);
        er += e_rwl + delivered_energy_j(r, fmt::format("v(rbl{})", c), fmt::format("vrbl{}#branch", c), a - s.t_edge_s,
                                         b + s.t_edge_s);
        ++n;
      }
      if (n > 0) {
        energy->e_write_j = ew / static_cast<double>(n);
        energy->e_read_j = er / static_cast<double>(n);
      }
      energy->n_cells = n;
      energy->t_read_s = s.t_read_s;
      energy->v_rwl_v = v_rwl_v[jb];
    }
  }
  return d;
}

GainCellMc run_gaincell_mc(spice::WorkerPool& pool, const GainCellSpiceOptions& o, const std::vector<double>& dvt_v,
                           double retention_write_v, double t_hold_s, size_t n_samples,
                           const std::vector<double>& read_write_v, double v_rwl_v, SpiceRun& prov) {
  GainCellMc out;
  out.n_cells = dvt_v.size() / 3;
  out.n_levels = read_write_v.size();
  const size_t nc = out.n_cells, nl = out.n_levels;
  // Retention: one row of n_cells mismatched cells.
  auto sr = gc_spec(o, std::vector<double>(nc, retention_write_v));
  sr.dvt_v = dvt_v;
  sr.t_hold_s = t_hold_s;
  sr.v_read_v = {0.0};
  const double t0 = circuits::write_end_s(sr) + sr.t_edge_s;
  spice::Job jr;
  jr.netlist = circuits::gaincell_lines(sr);
  jr.commands = {
      fmt::format("tran 1n {} 0 {}", circuits::num(circuits::total_duration_s(sr)), circuits::num(t_hold_s / 400))};
  jr.save = {"time"};
  for (size_t c = 0; c < nc; ++c) {
    jr.save.push_back(circuits::storage_vector(0, c));
  }
  jr.timeout_s = 600;
  // Read: columns (cell k, level l) at k * nl + l, then the nl reference cells.
  std::vector<double> levels, dvt;
  for (size_t k = 0; k <= nc; ++k) {
    for (size_t l = 0; l < nl; ++l) {
      levels.push_back(read_write_v[l]);
      for (size_t q = 0; q < 3; ++q) {
        dvt.push_back(k < nc ? dvt_v[3 * k + q] : 0.0);
      }
    }
  }
  auto sd = gc_spec(o, levels);
  sd.dvt_v = dvt;
  sd.t_hold_s = 20e-9;
  sd.t_read_s = 20e-9;
  sd.v_read_v = {v_rwl_v};
  spice::Job jd;
  jd.netlist = circuits::gaincell_lines(sd);
  jd.commands = {fmt::format("tran 0.1n {} 0 0.5n", circuits::num(circuits::total_duration_s(sd)))};
  jd.save = {"time"};
  for (size_t c = 0; c < levels.size(); ++c) {
    jd.save.push_back(circuits::storage_vector(0, c));
    jd.save.push_back(circuits::rbl_vector(c));
  }
  jd.timeout_s = 600;
  auto run = run_points(pool,
                        {{"gain-cell Monte-Carlo retention transient", jr},
                         {fmt::format("gain-cell Monte-Carlo read transient at RWL = {} V", v_rwl_v), jd}},
                        "spice gain-cell Monte Carlo");
  merge_runs(prov, run);
  if (run.results[0]) {
    for (size_t c = 0; c < nc; ++c) {
      for (size_t k = 0; k < n_samples; ++k) {
        const double tt = 1e-8 * std::pow(t_hold_s / 1e-8, static_cast<double>(k) / static_cast<double>(n_samples - 1));
        out.retention.cell.push_back(static_cast<double>(c));
        out.retention.t_s.push_back(tt);
        out.retention.v_store_v.push_back(sample_at(*run.results[0], circuits::storage_vector(0, c), t0 + tt));
      }
    }
  }
  if (run.results[1]) {
    const auto [a, b] = circuits::read_window(sd);
    const double tm = 0.5 * (a + b);
    for (size_t c = 0; c < levels.size(); ++c) {
      const double v = sample_at(*run.results[1], circuits::storage_vector(0, c), a - sd.t_edge_s);  // as stored
      const double i = -sample_at(*run.results[1], circuits::rbl_vector(c), tm);
      (c < nc * nl ? out.v_store_v : out.ref_v_store_v).push_back(v);
      (c < nc * nl ? out.i_read_a : out.ref_i_read_a).push_back(i);
    }
    out.read_ok = true;
  }
  return out;
}

}  // namespace pimtx::calibration
