// Issue 11: every parameter struct with a from_config() has the inverse to_config(), so a card or a resolved config
// written from a struct reads back to the same struct, field by field (operator==).
//
// For each struct P: a non-default p (several fields changed from their defaults, so a dropped key shows) is written
// with p.to_config() into an empty config, the document goes through TOML text (as a file or card would), and
// P::from_config() reads it back: the test checks p2 == p, that every written key was read (check_unknown) and that
// every key from_config() read was written (the keys of the resolved config equal the written ones), so to_config()
// writes exactly the keys from_config() reads. The same for the default struct (for CostSettings and ModelShape, which
// have no usable default-constructed value, the struct that from_config() makes from a minimal table).
// Cross-module (devices, circuits, xbar, arch, cost), hence here and not beside one area.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include "arch/attention/cam.h"
#include "arch/attention/gain_cell.h"
#include "arch/attention/lsh_core.h"
#include "arch/attention/lsh_planes_memristive.h"
#include "arch/kv_cache/cpq.h"
#include "arch/kv_cache/gain_cell.h"
#include "arch/linear/crossbar.h"
#include "circuits/parasitics.h"
#include "core/config.h"
#include "cost/cost_config.h"
#include "cost/unit_models.h"
#include "devices/cam_row.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"
#include "devices/read_noise.h"
#include "devices/switching.h"
#include "devices/vteam.h"
#include "experiments/lsh_attention.h"
#include "xbar/device_programming.h"
#include "xbar/mapping.h"
#include "xbar/peripherals.h"
#include "xbar/programming.h"
#include "xbar/stochastic_vmm.h"
#include "xbar/tile.h"

using namespace pimtx;

namespace {

// Dotted paths of the leaf keys under `s` (sub-tables walked).
void leaf_keys(core::Section s, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& k : s.keys()) {
    if (s.kind(k) == core::Section::Kind::table) {
      leaf_keys(s.section(k), prefix + k + ".", out);
    } else {
      out.insert(prefix + k);
    }
  }
}

std::set<std::string> leaf_keys(core::Section s) {
  std::set<std::string> out;
  leaf_keys(std::move(s), "", out);
  return out;
}

int g_structs = 0;  // distinct structs checked (printed at the end)

// Write p under [unit], reread it through TOML text with `read`, check the keys both ways and return the result.
template <class P>
P through_config(const P& p, const std::function<P(core::Section&)>& read) {
  core::Config written;
  {
    core::Section unit = written.root().section("unit");
    p.to_config(unit);
  }
  const std::string text = written.document_text();
  INFO("written:\n" << text);
  core::Config back = core::Config::from_string(text, "roundtrip");
  core::Section unit = back.section("unit");
  if (unit.kind("type") == core::Section::Kind::string) {
    (void)unit.get_string("type", "");  // device cards name their model; the registry reads `type`
  }
  P q = read(unit);
  CHECK_NOTHROW(back.check_unknown());  // every key to_config() wrote is one from_config() reads
  // Every key from_config() read (defaults included) was written: a key to_config() dropped would be read at
  // its default and appear here but not in the written table.
  core::Config resolved = core::Config::from_string(back.resolved_text(), "resolved");
  const auto read_keys = leaf_keys(resolved.section("unit"));
  const auto written_keys = leaf_keys(core::Config::from_string(text, "written").section("unit"));
  CHECK(read_keys == written_keys);
  return q;
}

// Round trip of a non-default p and of `def` (the default), both with `read`.
template <class P>
void check_round_trip(const std::string& name, const P& p, const P& def, const std::function<P(core::Section&)>& read) {
  INFO("struct " << name);
  CHECK_FALSE(p == def);  // the test value differs from the default
  const P p2 = through_config(p, read);
  CHECK(p2 == p);
  const P d2 = through_config(def, read);
  CHECK(d2 == def);
  ++g_structs;
}

// A second non-default value of an already counted struct (fields that exclude the first value's ones).
template <class P>
void check_variant(const std::string& name, const P& p, const std::function<P(core::Section&)>& read) {
  INFO("struct " << name << " (variant)");
  CHECK(through_config(p, read) == p);
}

template <class P>
void check_round_trip(const std::string& name, const P& p) {
  P def;  // default-initialised (GCC 12 reports a false maybe-uninitialized for P{} of nested aggregates)
  check_round_trip<P>(name, p, def, [](core::Section& s) { return P::from_config(s); });
}

// A read-noise unit built from a config table, as the registries build it.
std::shared_ptr<const devices::ReadNoise> white_rtn(double sigma_rel) {
  devices::WhiteRtnParams w;
  w.white_sigma_rel = sigma_rel;
  w.rtn_amplitude_rel = -0.03;
  return std::make_shared<devices::WhiteRtnNoise>(w);
}

}  // namespace

static void check_devices() {
  devices::SwitchingParams sw;
  sw.type = "hazard";
  sw.tau0_s = 3.5e-3;
  sw.v0_v = 0.0731;
  check_round_trip("devices::SwitchingParams", sw);

  devices::MetalOxideParams mo;
  mo.temperature_k = 313.15;
  mo.g_min_s = 5e-6;
  mo.g_max_s = 2e-4;
  mo.v_read_max_v = 0.35;
  mo.a1_law_si[1] = 0.95;
  mo.sigma_a3_law_si[4] = -2.4e-3;
  mo.iv_d2d_scale_rel = 0.5;
  mo.update_d2d_scale_rel = 0.75;
  mo.update_c2c_sigma_rel = 0.02;
  mo.bands[1].c_set[0] *= 1.25;
  mo.switching = sw;
  check_round_trip("devices::MetalOxideParams", mo);

  devices::VteamParams vt;
  vt.r_on_ohm = 2e3;
  vt.r_off_ohm = 2e5;
  vt.v_on_v = -0.7;
  vt.v_off_v = 0.5;
  vt.k_on_per_s = -3e5;
  vt.k_off_per_s = 2e5;
  vt.alpha_on_ratio = 2.5;
  vt.alpha_off_ratio = 4.0;
  vt.k_d2d_sigma_rel = 0.05;
  vt.v_th_d2d_sigma_rel = 0.02;
  vt.r_d2d_sigma_rel = 0.03;
  vt.k_c2c_sigma_rel = 0.04;
  vt.ode_rtol_rel = 3e-8;
  vt.ode_atol = 7e-12;
  vt.ode_max_step_s = 1e-7;
  vt.switching = sw;
  check_round_trip("devices::VteamParams", vt);

  devices::GainCellParams gc;
  gc.c_store_f = 2e-15;
  gc.temperature_k = 330.0;
  gc.v_hold_v = 0.1;
  gc.write_noise = false;
  gc.retention = "leakage_ode";
  gc.tau_ret_s = 2e-4;
  gc.tau_ret_d2d_sigma_rel = 0.3;
  gc.i0_a = 2.5e-7;
  gc.v_t_v = 0.35;
  gc.n_ratio = 1.3;
  gc.dibl_ratio = 0.05;
  gc.v_wwl_hold_v = -0.1;
  gc.read.n_degree = 1;
  gc.read.v_store_offset_v = 0.4;
  gc.read.coef_si = {1e-6, 2e-6, 3e-6};
  gc.read.v_store_min_v = 0.1;
  gc.read.v_store_max_v = 0.8;
  gc.read.v_read_min_v = 0.2;
  gc.read.v_read_max_v = 1.0;
  gc.read.v_shift_d2d_sigma_v = 0.01;
  gc.read.gain_d2d_sigma_rel = 0.02;
  gc.e_write_j = 1e-15;
  gc.e_read_j = 2e-15;
  gc.t_read_s = 1e-9;
  check_round_trip("devices::GainCellParams", gc);

  devices::CamRowParams cr;
  cr.n_bits_row = 32;
  cr.vdd_v = 0.9;
  cr.v_law_coef_v = {0.01, 0.8, 0.05};
  cr.sigma_law_coef_v = {0.002, 0.001};
  cr.e_search_row_j = 1e-15;
  cr.t_settle_s = 2e-10;
  check_round_trip<devices::CamRowParams>("devices::CamRowParams", cr, devices::CamRowParams{},
                                          [](core::Section& s) { return devices::CamRowParams::from_config(s); });

  devices::WhiteRtnParams rn;
  rn.white_sigma_rel = 0.02;
  rn.thermal_bandwidth_hz = 1e8;
  rn.temperature_k = 320.0;
  rn.rtn_amplitude_rel = -0.05;
  rn.rtn_tau_low_s = 2e-3;
  rn.rtn_tau_high_s = 5e-4;
  check_round_trip("devices::WhiteRtnParams", rn);
}

static void check_circuits_xbar() {
  const circuits::Parasitics spice_defaults{2.5, 2.5, 10.0, 10.0};  // crossbar.h's defaults, as callers pass them
  check_round_trip<circuits::Parasitics>(
      "circuits::Parasitics", circuits::Parasitics{1.5, 3.0, 12.0, 0.0}, spice_defaults,
      [&](core::Section& s) { return circuits::Parasitics::from_config(s, spice_defaults); });

  check_round_trip("xbar::DacParams", xbar::DacParams{8, 0.3, 2.5, 2});
  check_round_trip("xbar::TiaParams", xbar::TiaParams{2500.0, 0.8});
  check_round_trip("xbar::UniformAdcParams", xbar::UniformAdcParams{6, 0.5, 1.2, 1e-3, 2e-4});
  check_round_trip("xbar::GaussianProgrammingParams",
                   xbar::GaussianProgrammingParams{1e-6, 1e-4, 0.05, 0.02, 0.03, 0.1});

  xbar::MappingParams mp;
  mp.scheme = "offset";
  mp.w_max = 1.5;
  mp.n_write_verify = 3;
  mp.verify_tol_rel = 0.01;
  mp.p_stuck_on_rel = 0.001;
  mp.p_stuck_off_rel = 0.002;
  check_round_trip("xbar::MappingParams", mp);

  xbar::DeviceProgrammingParams dp;
  dp.v_set_v = 1.1;
  dp.v_reset_v = -1.0;
  dp.t_pulse_s = 1e-4;
  dp.n_max_pulses = 500;
  dp.g_reset_s = 4e-6;
  dp.rand_v_min_v = -1.3;
  dp.rand_v_max_v = -0.9;
  dp.rand_t_pulse_s = 2e-4;
  dp.v_fit_v = 0.1;
  dp.read_law = "linear";
  check_round_trip("xbar::DeviceProgrammingParams", dp);

  xbar::StochasticVmmParams sv;
  sv.n_inputs = 32;
  sv.n_bits = 8;
  sv.planes = "pulses";
  sv.g_spread_s = 40e-6;
  sv.n_pulses = 10;
  sv.v_read_v = 0.3;
  sv.parasitics = {2.0, 3.0, 4.0, 5.0};
  sv.comparator_offset_sigma_a = 1e-7;
  sv.comparator_noise_sigma_a = 2e-7;
  sv.read_noise = white_rtn(0.02);
  sv.t_read_s = 2e-6;
  check_round_trip("xbar::StochasticVmmParams", sv);

  xbar::TileParams tp;
  tp.solver = "approx";
  tp.approx_sweeps = 5;
  tp.solver_options.kind = xbar::LinearSolverKind::pcg;
  tp.solver_options.pcg_rel_tol = 1e-11;
  tp.parasitics = {1.0, 2.0, 3.0, 4.0};
  tp.mapping = mp;
  tp.dac = {6, 0.25, 1.0, 1};
  tp.tia = {800.0, 0.5};
  tp.read_noise_sigma_rel = 0.01;
  tp.read_noise = white_rtn(0.03);
  tp.t_read_s = 3e-6;
  // TileParams keeps the ADC table as written (the unit fills in its defaults), so every key is given here for
  // the written keys to equal the read ones.
  core::Config adc_table = core::Config::from_string(
      "type = 'uniform'\nn_bits = 6\nv_range_v = 0.3\ncalibration_margin_rel = 1.1\noffset_sigma_v = 2e-4\n"
      "noise_sigma_v = 1e-4\n");
  tp.adc = adc_table.root();
  check_round_trip("xbar::TileParams", tp);

  // The ADC table and the read-noise unit take part in ==, so a tile differing only there is not equal.
  xbar::TileParams other_adc = tp;
  core::Config adc8 = core::Config::from_string("type = 'uniform'\nn_bits = 8\nnoise_sigma_v = 1e-4\n");
  other_adc.adc = adc8.root();
  CHECK_FALSE(other_adc == tp);
  xbar::TileParams other_noise = tp;
  other_noise.read_noise = white_rtn(0.04);
  CHECK_FALSE(other_noise == tp);
}

static void check_arch_cost() {
  arch::CrossbarLinearParams cl;
  cl.roles = {"wq", "wk"};
  cl.n_tile_rows = 64;
  cl.n_tile_cols = 32;
  cl.mapping = "offset";
  cl.quant.n_levels = 4;
  cl.quant.n_slices = 2;
  cl.weight_scale = "tile";
  cl.program.n_write_verify = 2;
  cl.program.verify_tol_rel = 0.01;
  cl.program.p_stuck_on_rel = 0.001;
  cl.program.p_stuck_off_rel = 0.002;
  cl.g_lo_s = 1e-6;
  cl.g_hi_s = 1e-4;
  cl.input = "bit_serial";
  cl.n_dac_bits = 4;
  cl.v_read_v = 0.3;
  cl.dac_x_max = 2.0;
  cl.dac_margin_rel = 1.5;
  cl.r_tia_ohm = 500.0;
  cl.n_cols_per_adc = 4;
  cl.parasitics = {1.0, 2.0, 3.0, 4.0};
  cl.read_noise_sigma_rel = 0.01;
  cl.count_read_power = false;
  cl.output_gain_calibration = true;
  cl.n_threads = 2;
  check_round_trip("arch::CrossbarLinearParams", cl);

  arch::lsh::LshParams lp;
  lp.n_bits = 6;
  lp.n_rounds = 3;
  lp.n_window = 8;
  lp.n_sink = 1;
  lp.n_sparsity_skip_pos = 32;
  lp.key_offset = {0.5, -0.25, 1.0};
  check_round_trip("arch::lsh::LshParams", lp);

  arch::CamParams cp;
  cp.n_bits = 16;
  cp.k = 8;
  cp.k_first = 12;
  cp.n_tile_rows = 32;
  cp.n_adc_bits = 5;
  cp.score = "hamming";
  cp.key_offset = {0.1, 0.2};
  cp.cam_card = "data/devices/cam_row64.h5";  // the test runs in the source directory (tests/CMakeLists.txt)
  cp.cam_noise = false;
  cp.n_window = 4;
  check_round_trip("arch::CamParams", cp);
  arch::CamParams cp_cal = cp;  // calibrate_key_offset excludes a given key_offset
  cp_cal.key_offset.clear();
  cp_cal.calibrate_key_offset = true;
  check_variant<arch::CamParams>("arch::CamParams", cp_cal,
                                 [](core::Section& s) { return arch::CamParams::from_config(s); });

  arch::GainCellAttentionParams ga;
  ga.n_array_rows = 32;
  ga.n_array_cols = 16;
  ga.n_window = 128;
  ga.score_readout = "hard_sigmoid";
  ga.n_adc_bits = 6;
  ga.t_max_s = 10e-9;
  ga.s_sat = 3.0;
  ga.n_input_levels = 8;
  ga.n_output_levels = 16;
  ga.map_range_rel = 3.0;
  ga.score_range_default_rel = 12.0;
  ga.out_range_default_rel = 3.0;
  ga.q_scale_rel = {1.0, 2.0};
  ga.score_range_rel = {3.0};
  ga.out_range_rel = {4.0};
  ga.hs_offset_rel = {0.5};
  ga.hs_sat_rel = {0.25};
  ga.out_gain_rel = {1.1};
  ga.exact = true;
  ga.n_reservoir_rows = 64;
  check_round_trip("arch::GainCellAttentionParams", ga);

  const arch::lsh::HashShape shape{16, 4, 2};
  arch::lsh::MemristivePlanesParams mpp;
  mpp.n_tile_rows = 32;
  mpp.n_tile_cols = 16;
  mpp.tiling = true;
  mpp.realisation = "gaussian";
  mpp.n_pulses = 10;
  mpp.g_spread_s = 40e-6;
  mpp.v_read_v = 0.3;
  mpp.n_dac_bits = 6;
  mpp.parasitics = {5.0, 6.0, 7.0, 8.0};
  mpp.comparator_offset_sigma_a = 1e-6;
  mpp.comparator_noise_sigma_a = 3e-7;
  mpp.reprogram_per_round = true;
  check_round_trip<arch::lsh::MemristivePlanesParams>(
      "arch::lsh::MemristivePlanesParams", mpp, arch::lsh::MemristivePlanesParams{},
      [&](core::Section& s) { return arch::lsh::MemristivePlanesParams::from_config(s, shape); });

  arch::GainCellKvParams gk;
  gk.device_card = "data/devices/si_3t_gaincell.h5";  // the default card (must exist: from_config checks)
  gk.n_levels = 16;
  gk.v_store_min_v = 0.1;
  gk.v_store_max_v = 0.8;
  gk.v_read_v = 0.8;
  gk.t_token_s = 50e-9;
  gk.tau_ret_s = 1e-4;
  gk.decay = false;
  gk.variation = false;
  gk.write_noise = false;
  gk.t_refresh_s = 1e-5;
  gk.read_law = "linear";
  gk.level_spacing = "voltage";
  gk.n_window = 256;
  gk.map_range_rel = 3.0;
  gk.k_lo_rel = {-1.0};
  gk.k_hi_rel = {1.0};
  gk.v_lo_rel = {-2.0};
  gk.v_hi_rel = {2.0};
  gk.exact = true;
  check_round_trip("arch::GainCellKvParams", gk);

  arch::KvCacheInit init;
  init.n_layers = 1;
  init.n_kv_heads = 2;
  init.head_dim = 8;
  init.max_seq_len = 16;
  arch::CpqParams cq;
  cq.n_bits_k = 3;
  cq.n_bits_v = 5;
  cq.n_group_k = 2;
  cq.n_group_v = 8;
  cq.n_scale_bits = 6;
  cq.scale_headroom_ratio = 3.0;
  cq.prune_ratio = 0.25;
  cq.threshold_rel = 0.1;
  cq.prune_threshold_k = {0.1, 0.2};
  cq.prune_threshold_v = {0.3, 0.4};
  cq.channel_scale_k = std::vector<double>(16, 1.5);
  cq.channel_scale_v = std::vector<double>(16, 0.5);
  check_round_trip<arch::CpqParams>("arch::CpqParams", cq, arch::CpqParams{},
                                    [&](core::Section& s) { return arch::CpqParams::from_config(s, init); });
  arch::CpqParams cq_cal = cq;  // the calibrate_* flags exclude given thresholds and scales
  cq_cal.prune_threshold_k.clear();
  cq_cal.prune_threshold_v.clear();
  cq_cal.channel_scale_k.clear();
  cq_cal.channel_scale_v.clear();
  cq_cal.calibrate_thresholds = true;
  cq_cal.calibrate_channel_scales = true;
  check_variant<arch::CpqParams>("arch::CpqParams", cq_cal,
                                 [&](core::Section& s) { return arch::CpqParams::from_config(s, init); });

  // CostSettings and ModelShape: the default is what from_config() makes of a minimal table (the catalog path
  // default is resolved at read time; ModelShape requires dim, n_layers, n_heads).
  core::Config empty;
  core::Section none = empty.root();
  const cost::CostSettings cs_def = cost::CostSettings::from_config(none);
  cost::CostSettings cs = cs_def;
  cs.context = 512;
  cs.catalog_overrides = {"dac.e_conversion_j=1e-12", "adc.e_conversion_j=2e-12"};
  check_round_trip<cost::CostSettings>("cost::CostSettings", cs, cs_def,
                                       [](core::Section& s) { return cost::CostSettings::from_config(s); });

  core::Config minimal = core::Config::from_string("dim = 64\nn_layers = 2\nn_heads = 4\n");
  core::Section ms = minimal.root();
  const cost::ModelShape shape_def = cost::ModelShape::from_config(ms);
  cost::ModelShape m;
  m.family = "gpt2";
  m.dim = 768;
  m.hidden_dim = 3072;
  m.n_layers = 12;
  m.n_heads = 12;
  m.n_kv_heads = 4;
  m.vocab_size = 50257;
  m.seq_len = 2048;
  check_round_trip<cost::ModelShape>("cost::ModelShape", m, shape_def,
                                     [](core::Section& s) { return cost::ModelShape::from_config(s); });
}

// Experiments: LshAttentionParams (its file paths must exist: the shipped data/ files, tests run from the source root).
static void check_experiments() {
  core::Config base = core::Config::from_string(
      "model = \"data/models/stories260K.bin\"\ntokenizer = \"data/models/tok512.bin\"\n"
      "text = \"data/text/tinystories_valid_excerpt.txt\"\n");
  core::Section b = base.root();
  const experiments::LshAttentionParams def = experiments::LshAttentionParams::from_config(b);
  experiments::LshAttentionParams p = def;
  p.max_tokens = 123;
  p.n_bits = {0, 8};
  p.n_rounds = {3};
  p.n_window = 5;
  p.n_sink = 2;
  p.n_sparsity_skip_pos = 7;
  p.sources = {"memristive"};
  p.center_keys = false;
  p.n_calibration_stories = 11;
  p.n_seeds = 4;
  p.collision_theta_rad = {0.25, 1.0 / 3.0};
  p.n_collision_pairs = 9;
  p.n_collision_slots = 3;
  p.n_collision_bits = 5;
  p.n_collision_rounds = 6;
  check_round_trip<experiments::LshAttentionParams>("experiments::LshAttentionParams", p, def, [](core::Section& s) {
    return experiments::LshAttentionParams::from_config(s);
  });
}

// The parameter structs of src/: headers declaring a static from_config(core::Section&, ...) (one per struct).
// Jobs read from a whole core::Config (experiments' XbarSolveJob: generated arrays, not parameters) are not counted.
static int count_from_config_structs() {
  const std::regex decl(R"(static\s+\w+\s+from_config\s*\(\s*(const\s+)?core::Section\s*&)");
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::filesystem::path(PIMTX_SOURCE_DIR) / "src")) {
    if (e.path().extension() != ".h") {
      continue;
    }
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    n += static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), decl), std::sregex_iterator()));
  }
  return n;
}

TEST_CASE("params round trip: from_config(to_config(p)) == p for every parameter struct", "[params][roundtrip]") {
  g_structs = 0;
  check_devices();
  check_circuits_xbar();
  check_arch_cost();
  check_experiments();
  const int n_src = count_from_config_structs();
  std::cout << "params round trip: " << g_structs << " structs checked; " << n_src
            << " static from_config(core::Section&) declarations in src/\n";
  CHECK(g_structs == n_src);  // a new struct with from_config() needs its round trip here
}
