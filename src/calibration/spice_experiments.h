// SPICE calibration experiments run through the worker pool (spice_runner.h): Monte-Carlo populations of
// single cells on the device bench (circuits/device_bench.h) and gain-cell write/hold/read transients
// (circuits/gaincell.h, circuits/gaincell_3t.sub with the BSIM4 card gc_nmos.mod).
//
// Contract: each run_* builds the netlists, runs them, and returns the measured quantities per device/point
// plus the SpiceRun (provenance, failed points). A failed netlist marks its devices/points as failed
// (reported in SpiceRun::failed, excluded by the caller), it never aborts the run. Device-to-device draws use
// core::Rng(seed, "calibrate.spice.d2d", device), a stream used nowhere else. Units SI.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calibration/measured_data.h"
#include "calibration/spice_runner.h"
#include "calibration/vteam_fit.h"
#include "devices/vteam.h"

namespace pimtx::calibration {

// ---- VTEAM (circuits/vteam.sub) ----
struct VteamSpiceOptions {
  size_t cells_per_netlist = 50;
  // Tight transient tolerances: the Odeint/SPICE agreement (≤ 1e-3) needs the state integrated to ~1e-5.
  std::string options = ".options reltol=1e-7 abstol=1e-15 vntol=1e-12";
  double tmax_per_width = 0.05;  // tmax = this × the narrowest pulse or read (bounded step)
};

// Effective (d2d-drawn) parameters of n devices of the model `truth` (its *_d2d_sigma_rel spreads).
std::vector<devices::VteamParams> draw_vteam_population(const devices::VteamParams& truth, size_t n, uint64_t seed);

// The transient of one device bench: all `pop` devices from state x0 under `wave`; returns, per device, the
// current (A) at `t_sample_s` and the state x at the same times (nullopt where its netlist failed).
struct VteamTraces {
  std::vector<std::optional<std::vector<double>>> current_a, state;  // (n_devices)(n_samples)
  SpiceRun run;
};
VteamTraces run_vteam_bench(spice::WorkerPool& pool, const std::vector<devices::VteamParams>& pop, double x0,
                            const devices::Waveform& wave, double min_width_s, const std::vector<double>& t_sample_s,
                            const VteamSpiceOptions& opt, const std::string& label);

// Conductance update of one pulse (v, t_w) from state x0, read at the protocol's read level before and after.
struct UpdateMc {
  double v_pulse_v = 0, t_pulse_s = 0;
  std::vector<double> dg_s;  // (devices that did not fail)
  double mean_s = 0, std_s = 0;
};
devices::Waveform update_wave(const VteamProtocol& p, double v_pulse_v, double t_pulse_s);
UpdateMc run_vteam_update(spice::WorkerPool& pool, const std::vector<devices::VteamParams>& pop, double x0,
                          const VteamProtocol& p, double v_pulse_v, double t_pulse_s, const VteamSpiceOptions& opt,
                          SpiceRun& prov);
// The same update sampled from the (calibrated) stochastic model: n devices drawn with
// Rng(seed, "calibrate.model.d2d", k), Odeint integration of the same waveform.
UpdateMc sample_vteam_update(const devices::VteamParams& model, size_t n, uint64_t seed, double x0,
                             const VteamProtocol& p, double v_pulse_v, double t_pulse_s);

// ---- metal-oxide (circuits/metal_oxide.sub, mo_device_g0) ----
struct MoIvPopulation {
  std::vector<double> g0_s;  // (n_g0)
  std::vector<double> v_v;   // (n_v) sweep points
  // (n_g0 × n_devices) per-device I–V, row-major g0 then device; nullopt where the netlist failed.
  std::vector<std::optional<std::vector<double>>> i_a;
  std::vector<double> xi;  // (n_devices) d2d draws used in SPICE
  size_t n_devices = 0;
  SpiceRun run;
};
MoIvPopulation run_metal_oxide_iv(spice::WorkerPool& pool, const std::vector<double>& g0_s, size_t n_devices,
                                  double temperature_k, double v_max_v, double v_step_v, uint64_t seed);

// ---- 3T gain cell (circuits/gaincell_3t.sub) ----
struct GainCellSpiceOptions {
  double w_m = 0.2e-6, l_m = 0.1e-6, c_sn_f = 1e-15;
  double v_wwl_on_v = 1.3, v_rbl_v = 0.45, v_wbl_hold_v = 0.0;
};
// Retention: cells written with WBL levels `v_write_v`, then held (WBL at v_wbl_hold_v, WWL off, RWL off) for
// t_hold_s; V_SN sampled at n_samples log-spaced times after the write.
RetentionData run_gaincell_retention(spice::WorkerPool& pool, const GainCellSpiceOptions& o,
                                     const std::vector<double>& v_write_v, double t_hold_s, size_t n_samples,
                                     SpiceRun& prov);
// Read: for each RWL level in v_rwl_v one transient writes the WBL levels `v_write_v` (one cell each), holds
// t_hold_s and reads; V_SN is sampled as stored (just before the RWL ramp: the read bootstraps the node by a few
// mV) and the read current mid-read. v_read_v in ReadData = the RWL level.
// Energy per access from the same read transients (energy != nullptr): the energy the write word line and the write
// bit lines deliver, -∫V·I dt over the write phase (slot start to WWL off), and the energy the read bit lines and
// the read word line deliver over the read pulse, each per cell and averaged over the cells with
// V_SN >= v_store_min_v, at the RWL level nearest v_rwl_energy_v. Units J; t_read_s = the read pulse's flat part.
struct GainCellEnergy {
  double e_write_j = 0, e_read_j = 0, t_read_s = 0, v_rwl_v = 0;
  size_t n_cells = 0;
};
ReadData run_gaincell_read(spice::WorkerPool& pool, const GainCellSpiceOptions& o, const std::vector<double>& v_write_v,
                           const std::vector<double>& v_rwl_v, SpiceRun& prov, GainCellEnergy* energy = nullptr,
                           double v_store_min_v = 0.0, double v_rwl_energy_v = 0.9);

// Device-to-device Monte Carlo (card version 2): n_cells cells, each with its own V_T offsets dvt_v (n_cells, 3) of
// MW, MS, MR (BSIM4 delvto; the caller draws them by Pelgrom's law). One transient writes retention_write_v into
// every cell and holds t_hold_s (retention per cell: `retention`, cells 0..n_cells-1); one transient writes each
// level of read_write_v into every cell plus one offset-free reference cell per level and reads at v_rwl_v
// (i_read_a / v_store_v (n_cells, n_levels), ref_* (n_levels)).
struct GainCellMc {
  RetentionData retention;
  std::vector<double> i_read_a, v_store_v;          // (n_cells, n_levels)
  std::vector<double> ref_i_read_a, ref_v_store_v;  // (n_levels)
  size_t n_cells = 0, n_levels = 0;
  bool read_ok = false;
};
GainCellMc run_gaincell_mc(spice::WorkerPool& pool, const GainCellSpiceOptions& o, const std::vector<double>& dvt_v,
                           double retention_write_v, double t_hold_s, size_t n_samples,
                           const std::vector<double>& read_write_v, double v_rwl_v, SpiceRun& prov);

// ∫_{t0}^{t1} -v(node)·i(branch) dt (trapezoid on the transient's own time points, the ends interpolated).
double delivered_energy_j(const spice::Result& r, const std::string& v_node, const std::string& i_branch, double t0,
                          double t1);

// Value of vector `name` at time t (exact at an ngspice time point, else linear interpolation).
double sample_at(const spice::Result& r, const std::string& name, double t);

// Append b's provenance and failures to a.
void merge_runs(SpiceRun& a, const SpiceRun& b);

}  // namespace pimtx::calibration
