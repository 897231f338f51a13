#include "arch/attention/gain_cell.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "arch/kv_cache/gain_cell.h"
#include "core/errors.h"
#include "io/h5.h"

namespace pimtx::arch {

namespace {

// Round u in [lo, hi] (clipped) to one of n evenly spaced levels.
double quantize(double u, double lo, double hi, int64_t n) {
  const double steps = static_cast<double>(n - 1);
  const double f = std::clamp((u - lo) / (hi - lo), 0.0, 1.0);
  return lo + std::round(f * steps) / steps * (hi - lo);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

double per_head(core::Section& s, const char* key, const std::vector<double>& a, int layer, int n_heads, int h,
                double def) {
  if (a.empty()) {
    return def;
  }
  const size_t need = static_cast<size_t>(layer + 1) * static_cast<size_t>(n_heads);
  if (a.size() < need || a.size() % static_cast<size_t>(n_heads) != 0) {
    s.fail(key, fmt::format("has {} values; it needs one per (layer, query head) = n_layers x {}", a.size(), n_heads));
  }
  const double v = a[static_cast<size_t>(layer) * static_cast<size_t>(n_heads) + static_cast<size_t>(h)];
  if (!(v > 0) && std::string(key) != "hs_offset_rel") {
    s.fail(key, fmt::format("layer {} head {}: {} must be > 0", layer, h, v));
  }
  return v;
}

}  // namespace

void GainCellAttentionParams::validate() const {
  if (n_window < 1) {
    throw ConfigError(fmt::format("gain_cell attention: n_window = {} must be >= 1", n_window));
  }
  if (n_input_levels < 2 || n_output_levels < 2) {
    throw ConfigError(fmt::format("gain_cell attention: n_input_levels = {} and n_output_levels = {} must be >= 2",
                                  n_input_levels, n_output_levels));
  }
}

GainCellAttentionParams GainCellAttentionParams::from_config(core::Section& s) {
  using core::Range;
  GainCellAttentionParams p;
  p.exact = s.get_bool("exact", p.exact);
  p.n_array_rows = s.get_int("n_array_rows", p.n_array_rows, Range::closed(1, 1 << 16));
  p.n_array_cols = s.get_int("n_array_cols", p.n_array_cols, Range::closed(1, 1 << 16));
  p.n_window = s.get_int("n_window", p.n_window, Range::at_least(1));
  p.score_readout = s.get_string("score_readout", p.score_readout, {"adc", "hard_sigmoid"});
  p.n_adc_bits = s.get_int("n_adc_bits", p.n_adc_bits, Range::closed(1, 24));
  p.t_max_s = s.get_double("t_max_s", p.t_max_s, Range::positive());
  p.s_sat = s.get_double("s_sat", p.s_sat, Range::positive());
  p.n_input_levels = s.get_int("n_input_levels", p.n_input_levels, Range::closed(2, 1 << 24));
  p.n_output_levels = s.get_int("n_output_levels", p.n_output_levels, Range::closed(2, 1 << 24));
  p.map_range_rel = s.get_double("map_range_rel", p.map_range_rel, Range::positive());
  p.score_range_default_rel = s.get_double("score_range_default_rel", p.score_range_default_rel, Range::positive());
  p.out_range_default_rel = s.get_double("out_range_default_rel", p.out_range_default_rel, Range::positive());
  p.q_scale_rel = s.get_double_array("q_scale_rel", {});
  p.score_range_rel = s.get_double_array("score_range_rel", {});
  p.out_range_rel = s.get_double_array("out_range_rel", {});
  p.hs_offset_rel = s.get_double_array("hs_offset_rel", {});
  p.hs_sat_rel = s.get_double_array("hs_sat_rel", {});
  p.out_gain_rel = s.get_double_array("out_gain_rel", {});
  p.n_reservoir_rows = s.get_int("n_reservoir_rows", p.n_reservoir_rows, Range::closed(1, 1 << 20));
  p.validate();
  return p;
}

void GainCellAttentionParams::to_config(core::Section& s) const {
  s.set_bool("exact", exact);
  s.set_int("n_array_rows", n_array_rows);
  s.set_int("n_array_cols", n_array_cols);
  s.set_int("n_window", n_window);
  s.set_string("score_readout", score_readout);
  s.set_int("n_adc_bits", n_adc_bits);
  s.set_double("t_max_s", t_max_s);
  s.set_double("s_sat", s_sat);
  s.set_int("n_input_levels", n_input_levels);
  s.set_int("n_output_levels", n_output_levels);
  s.set_double("map_range_rel", map_range_rel);
  s.set_double("score_range_default_rel", score_range_default_rel);
  s.set_double("out_range_default_rel", out_range_default_rel);
  s.set_double_array("q_scale_rel", q_scale_rel);
  s.set_double_array("score_range_rel", score_range_rel);
  s.set_double_array("out_range_rel", out_range_rel);
  s.set_double_array("hs_offset_rel", hs_offset_rel);
  s.set_double_array("hs_sat_rel", hs_sat_rel);
  s.set_double_array("out_gain_rel", out_gain_rel);
  s.set_int("n_reservoir_rows", n_reservoir_rows);
}

GainCellAttention::GainCellAttention(core::Section& cfg, const AttentionInit& init)
    : init_(init),
      p_(GainCellAttentionParams::from_config(cfg)),
      reservoir_(init.seed, "arch.attention.gain_cell.reservoir", static_cast<uint64_t>(init.layer)) {
  const int nh = init.n_heads, l = init.layer;
  for (int h = 0; h < nh; ++h) {
    Head hd;
    hd.q_scale = per_head(cfg, "q_scale_rel", p_.q_scale_rel, l, nh, h, 1.0 / p_.map_range_rel);
    hd.score_range = per_head(cfg, "score_range_rel", p_.score_range_rel, l, nh, h, p_.score_range_default_rel);
    hd.out_range = per_head(cfg, "out_range_rel", p_.out_range_rel, l, nh, h, p_.out_range_default_rel);
    hd.hs_offset = per_head(cfg, "hs_offset_rel", p_.hs_offset_rel, l, nh, h, 0.0);
    hd.hs_sat = per_head(cfg, "hs_sat_rel", p_.hs_sat_rel, l, nh, h, p_.s_sat);
    hd.out_gain = per_head(cfg, "out_gain_rel", p_.out_gain_rel, l, nh, h, 1.0);
    heads_.push_back(hd);
  }
  stats_.resize(nh);
}

void GainCellAttention::forward_exact(AttentionCall& call, OpCounts& counts) {
  const int64_t n_new = call.q.rows();
  const int hd = call.head_dim;
  const auto& pos = call.kv.positions;
  const int64_t n_held = call.kv.keys.rows();
  std::vector<double> sc;
  int64_t pairs = 0;
  for (int j = 0; j < call.group; ++j) {
    const int qh = call.kv_head * call.group + j;
    HeadStats& st = stats_[qh];
    for (int64_t t = 0; t < n_new; ++t) {
      const int64_t p = call.q_pos0 + t;
      const auto q = call.q.row(t).segment(j * hd, hd);
      st.q_abs_max = std::max(st.q_abs_max, static_cast<double>(q.cwiseAbs().maxCoeff()));
      // Visible keys: positions in (p − n_window, p].
      int64_t s0 = 0, s1 = 0;
      while (s1 < n_held && pos[s1] <= p) {
        ++s1;
      }
      while (s0 < s1 && pos[s0] <= p - p_.n_window) {
        ++s0;
      }
      sc.assign(static_cast<size_t>(s1 - s0), 0.0);
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t s = s0; s < s1; ++s) {
        const double v = static_cast<double>(q.dot(call.kv.keys.row(s))) * call.scale;
        sc[s - s0] = v;
        mx = std::max(mx, v);
        st.score_abs_max = std::max(st.score_abs_max, std::abs(v));
      }
      // Reservoir of score rows (Algorithm R) for the HardSigmoid fit.
      ++st.rows_seen;
      if (static_cast<int64_t>(st.rows.size()) < p_.n_reservoir_rows) {
        st.rows.emplace_back(sc.begin(), sc.end());
      } else {
        const uint64_t r = reservoir_.uniform_int(static_cast<uint64_t>(st.rows_seen));
        if (r < static_cast<uint64_t>(p_.n_reservoir_rows)) {
          st.rows[r].assign(sc.begin(), sc.end());
        }
      }
      double sum = 0;
      for (double& v : sc) {
        v = std::exp(v - mx);
        sum += v;
      }
      auto out = call.out.row(t).segment(j * hd, hd);
      out.setZero();
      for (int64_t s = s0; s < s1; ++s) {
        out += static_cast<float>(sc[s - s0] / sum) * call.kv.values.row(s);
      }
      st.out_abs_max = std::max(st.out_abs_max, static_cast<double>(out.cwiseAbs().maxCoeff()));
      pairs += s1 - s0;
    }
  }
  counts.macs += 2 * pairs * hd;
  counts.kv_entries_read += pairs;
  counts.calls += 1;
}

void GainCellAttention::forward(AttentionCall& call, OpCounts& counts) {
  if (p_.exact) {
    forward_exact(call, counts);
    return;
  }
  const GainCellKvCache* cache = call.kv.gain_cell;
  if (cache == nullptr || cache->exact()) {
    throw ConfigError(
        "attention type 'gain_cell' reads the stored voltages of the gain-cell KV cache: set [arch.kv_cache] type = "
        "\"gain_cell\" (with exact = false)");
  }
  const int64_t n_new = call.q.rows();
  const int hd = call.head_dim;
  const int64_t n_held = call.kv.keys.rows();
  const auto& pos = call.kv.positions;
  const bool adc = p_.score_readout == "adc";
  const auto dk = cache->decode(call.kv_head, 0);
  const auto dv = cache->decode(call.kv_head, 1);
  const int64_t R = p_.n_array_rows, C = p_.n_array_cols;
  const double adc_levels = std::ldexp(1.0, static_cast<int>(p_.n_adc_bits));
  Eigen::ArrayXXd ik, iv;  // (n_vis, hd) read currents at this query's time
  Eigen::VectorXd charges;
  std::vector<double> x(static_cast<size_t>(hd)), w;
  int64_t pairs = 0;
  auto& ev = counts.events;
  double cell_time_s = 0;
  for (int64_t t = 0; t < n_new; ++t) {
    const int64_t p = call.q_pos0 + t;
    int64_t s0 = 0, s1 = 0;
    while (s1 < n_held && pos[s1] <= p) {
      ++s1;
    }
    while (s0 < s1 && pos[s0] <= p - p_.n_window) {
      ++s0;
    }
    const int64_t nv = s1 - s0;
    ik.resize(nv, hd);
    iv.resize(nv, hd);
    // Positions are 0..n_held-1 in a gain-cell cache, so row index = position.
    cache->read_currents(call.kv_head, 0, pos[s0], pos[s0] + nv, p, ik);
    cache->read_currents(call.kv_head, 1, pos[s0], pos[s0] + nv, p, iv);
    for (int j = 0; j < call.group; ++j) {
      const int qh = call.kv_head * call.group + j;
      const Head& H = heads_[qh];
      const auto q = call.q.row(t).segment(j * hd, hd);
      // 1. Query DAC.
      double sum_x = 0, sum_abs_x = 0;
      for (int i = 0; i < hd; ++i) {
        x[i] = quantize(static_cast<double>(q(i)) * H.q_scale, -1.0, 1.0, p_.n_input_levels);
        sum_x += x[i];
        sum_abs_x += std::abs(x[i]);
      }
      // 2. First array: charges on the key bit lines, decoded to scores.
      w.assign(static_cast<size_t>(nv), 0.0);
      double mx = -std::numeric_limits<double>::infinity();
      const Eigen::Map<const Eigen::VectorXd> xv(x.data(), hd);
      charges = ik.matrix() * xv;  // (n_vis): Σ_i x_i·I_K(s, i)
      for (int64_t s = 0; s < nv; ++s) {
        const double charge = charges(s);
        const double dot = dk.lo * sum_x + (charge - dk.i_min_a * sum_x) * dk.x_per_a;
        double score = dot / H.q_scale * static_cast<double>(call.scale);
        // 3. Readout.
        if (adc) {
          score = quantize(score, -H.score_range, H.score_range, static_cast<int64_t>(adc_levels));
          mx = std::max(mx, score);
        } else {
          score = std::clamp((score - H.hs_offset) / H.hs_sat, 0.0, 1.0);
        }
        w[s] = score;
      }
      if (adc) {
        double sum = 0;
        for (double& v : w) {
          v = std::exp(v - mx);
          sum += v;
        }
        for (double& v : w) {
          v = quantize(v / sum, 0.0, 1.0, p_.n_input_levels);
        }
      }
      // 4. Second array per sub-array of R keys, decoded, scaled, quantised, summed digitally.
      auto out = call.out.row(t).segment(j * hd, hd);
      out.setZero();
      const double out_gain = adc ? 1.0 : H.out_gain;  // softmax weights sum to 1; φ needs the fitted gain
      double sum_w_all = 0;
      for (int64_t b0 = 0; b0 < nv; b0 += R) {
        const int64_t b1 = std::min(nv, b0 + R);
        double sum_w = 0;
        for (int64_t s = b0; s < b1; ++s) {
          sum_w += w[s];
        }
        sum_w_all += sum_w;
        const Eigen::Map<const Eigen::VectorXd> wb(w.data() + b0, b1 - b0);
        charges = iv.middleRows(b0, b1 - b0).matrix().transpose() * wb;  // (hd): Σ_s w_s·I_V(s, c)
        for (int c = 0; c < hd; ++c) {
          const double charge = charges(c);
          const double o = (dv.lo * sum_w + (charge - dv.i_min_a * sum_w) * dv.x_per_a) * out_gain;
          out(c) += static_cast<float>(quantize(o, -H.out_range, H.out_range, p_.n_output_levels));
        }
      }
      // Counts of this (row, query head).
      const int64_t nb_k = ceil_div(nv, R), nd = ceil_div(hd, R);
      ev["gain_cell.reads"] += 2 * nv * hd;
      ev["gain_cell.array_activations"] += nd * ceil_div(nv, C) + nb_k * ceil_div(hd, C);
      ev["dac.conversions"] += hd + (adc ? nv : 0);
      ev["adc.conversions"] += nb_k * hd + (adc ? nv : 0);
      if (!adc) {
        ev["gain_cell.phi_pulses"] += nv;
      }
      ev["digital.adds"] += (nd - 1) * nv + (nb_k - 1) * hd;
      cell_time_s += p_.t_max_s * (sum_abs_x * static_cast<double>(nv) + sum_w_all * hd);
      pairs += nv;
    }
  }
  counts.sums["gain_cell.read_cell_time_s"] += cell_time_s;
  counts.macs += 2 * pairs * hd;
  counts.kv_entries_read += pairs;
  counts.bytes_written += 4 * n_new * call.group * hd;
  counts.calls += 1;
}

std::vector<double> GainCellAttention::statistic(const std::string& name, int index) const {
  if (index < 0 || static_cast<size_t>(index) >= stats_.size()) {
    return {};
  }
  const HeadStats& st = stats_[static_cast<size_t>(index)];
  if (name == "q_abs_max") {
    return {st.q_abs_max};
  }
  if (name == "score_abs_max") {
    return {st.score_abs_max};
  }
  if (name == "out_abs_max") {
    return {st.out_abs_max};
  }
  if (name == "score_rows") {
    std::vector<double> out;
    for (const auto& row : st.rows) {
      out.push_back(static_cast<double>(row.size()));
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }
  return {};
}

void GainCellAttention::write_stats(io::ResultFile& file, const std::string& group) const {
  std::vector<double> a, b, c, d, e, f;
  for (const auto& h : heads_) {
    a.push_back(h.q_scale);
    b.push_back(h.score_range);
    c.push_back(h.out_range);
    d.push_back(h.hs_offset);
    e.push_back(h.hs_sat);
    f.push_back(h.out_gain);
  }
  file.write(group + "/q_scale_rel", a, {}, "1");
  file.write(group + "/score_range_rel", b, {}, "1");
  file.write(group + "/out_range_rel", c, {}, "1");
  file.write(group + "/hs_offset_rel", d, {}, "1");
  file.write(group + "/hs_sat_rel", e, {}, "1");
  file.write(group + "/out_gain_rel", f, {}, "1");
}

}  // namespace pimtx::arch
