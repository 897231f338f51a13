// Binary-attention CAM row netlist generator (issue 14; CAMformer's voltage-domain BA-CAM, arXiv 2511.19740).
//
// One row of n_bits cells. Cell i (the 4 search transistors of CAMformer's 10T1C cell; the 6T SRAM that holds the
// stored bit is represented by ideal sources on its outputs s{i} / sb{i} at v_boost_v or 0):
//   M1_i  a{i}  gate s{i}   source q{i}    pass the query line  when the stored bit is 1
//   M2_i  a{i}  gate sb{i}  source qb{i}   pass the query's complement when the stored bit is 0
//         -> a{i} = XNOR(query bit, stored bit) at the search-line level (vdd_v or 0)
//   M3_i  x{i}  gate ev     a{i}           evaluate: charge the unit capacitor C_i (x{i} to ground) to a{i}
//   M4_i  ml    gate sh     x{i}           share: connect C_i to the match line ml
// plus the match-line capacitance c_ml_f (ml to ground) and the reset transistor Mrst (ml to ground, gate rst, width
// 2 w_m). All transistors are gc_nmos (circuits/gc_nmos.mod, BSIM4 defaults), W = w_m, L = l_m; the control gates
// (s, sb, ev, sh, rst) swing to v_boost_v so the NMOS pass gates carry the full vdd_v (word-line boost, as the gain
// cell's write word line).
// After charge sharing V_ml ≈ vdd·h·C_u / (n_bits·C_u + C_ml) (h = matching cells) plus charge injection and
// clock feedthrough, which the SPICE sweep measures and the calibration fits.
// Phases (t_edge_s ramps; te = t_edge_s):
//   reset  [0, t_reset_s]: rst = sh = boost (ml and every C_i to 0); sh falls at t_reset_s, rst 2te later
//   search lines rise at t_q = t_reset_s + 4te; ev rises at t_q + 2te, is held t_eval_s, falls (t_ev_off)
//   share  sh rises at t_ev_off + 2te and stays high for t_share_s; V_ml is read at the end (share_window())
//   search lines fall after the share starts (C_i are isolated by M3 by then).
// Mismatch inputs: delvto_v (per transistor threshold shift, (n_bits, 4) row-major M1..M4, then Mrst; BSIM4
// instance parameter delvto) and c_unit_rel (per-cell capacitor multipliers, n_bits); empty = nominal.
// Temperature: `.options temp=` temp_c.
//
// Contract: cam_row_netlist() validates (ConfigError naming the field and value) and returns the netlist text
// with a header comment (generator, parameters, regenerating command), the embedded model card, the sources and
// cells, optional .options / analysis cards and ".end". Pure text.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pimtx::circuits {

struct CamRowSpec {
  size_t n_bits = 64;
  std::vector<int> stored;  // (n_bits) 0/1; empty = alternating 1, 0, 1, ...
  std::vector<int> query;   // (n_bits) 0/1; empty = equal to stored (all match)
  double w_m = 0.2e-6;
  double l_m = 0.1e-6;
  double c_unit_f = 1e-15;
  double c_ml_f = 2e-15;
  double vdd_v = 1.0;
  double v_boost_v = 1.8;
  double temp_c = 27.0;
  std::vector<double> delvto_v;    // (4 n_bits + 1) or empty
  std::vector<double> c_unit_rel;  // (n_bits) or empty
  double t_edge_s = 50e-12;
  double t_reset_s = 1e-9;
  double t_eval_s = 1.5e-9;
  double t_share_s = 1.5e-9;
  std::string options;
  std::string analysis;  // e.g. ".tran 10p 5n 0 20p"; empty = none (the caller sends its own command)
  std::string command;

  void validate() const;
};

std::string cam_row_netlist(const CamRowSpec& spec);

std::pair<double, double> cam_share_window(const CamRowSpec& spec);  // [share start (sh rising), end] (s)
double cam_total_duration_s(const CamRowSpec& spec);
// Names of every voltage source of the netlist ("vq0", ...), whose branch currents give the search energy.
std::vector<std::string> cam_sources(const CamRowSpec& spec);
// Number of matching cells of the spec (h).
size_t cam_matches(const CamRowSpec& spec);

}  // namespace pimtx::circuits
