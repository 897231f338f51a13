#include "arch/kv_cache/gain_cell.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/errors.h"
#include "devices/card.h"
#include "io/h5.h"

namespace pimtx::arch {

namespace {
constexpr double k_boltzmann_j_per_k = 1.380649e-23;

// Per-head value of a (n_layers * n_heads) array, or `def` when the array is empty.
double per_head(core::Section& s, const char* key, const std::vector<double>& a, int layer, int n_heads, int h,
                double def) {
  if (a.empty()) {
    return def;
  }
  const size_t need = static_cast<size_t>(layer + 1) * static_cast<size_t>(n_heads);
  if (a.size() < need || a.size() % static_cast<size_t>(n_heads) != 0) {
    s.fail(key, fmt::format("has {} values; it needs one per (layer, head) = n_layers x {} (layer {} needs {})",
                            a.size(), n_heads, layer, need));
  }
  return a[static_cast<size_t>(layer) * static_cast<size_t>(n_heads) + static_cast<size_t>(h)];
}
}  // namespace

void GainCellKvParams::validate() const {
  if (n_levels < 2) {
    throw ConfigError(fmt::format("gain_cell kv_cache: n_levels = {} must be >= 2", n_levels));
  }
  if (n_window < 1) {
    throw ConfigError(fmt::format("gain_cell kv_cache: n_window = {} must be >= 1", n_window));
  }
  if (!(t_token_s > 0)) {
    throw ConfigError(fmt::format("gain_cell kv_cache: t_token_s = {} must be > 0", t_token_s));
  }
}

GainCellKvParams GainCellKvParams::from_config(core::Section& s) {
  using core::Range;
  GainCellKvParams p;
  p.exact = s.get_bool("exact", p.exact);
  p.device_card = s.get_path("device_card", p.device_card, true);
  p.n_levels = s.get_int("n_levels", p.n_levels, Range::closed(2, 1 << 20));
  p.v_store_min_v = s.get_double("v_store_min_v", p.v_store_min_v, Range::closed(0, 3));
  p.v_store_max_v = s.get_double("v_store_max_v", p.v_store_max_v, Range::closed(0, 3));
  p.v_read_v = s.get_double("v_read_v", p.v_read_v, Range::closed(0, 3));
  p.t_token_s = s.get_double("t_token_s", p.t_token_s, Range::positive());
  p.tau_ret_s = s.get_double("tau_ret_s", p.tau_ret_s, Range::non_negative());
  p.decay = s.get_bool("decay", p.decay);
  p.variation = s.get_bool("variation", p.variation);
  p.write_noise = s.get_bool("write_noise", p.write_noise);
  p.t_refresh_s = s.get_double("t_refresh_s", p.t_refresh_s, Range::non_negative());
  p.read_law = s.get_string("read_law", p.read_law, {"card", "linear"});
  p.level_spacing = s.get_string("level_spacing", p.level_spacing, {"current", "voltage"});
  p.n_window = s.get_int("n_window", p.n_window, Range::at_least(1));
  p.map_range_rel = s.get_double("map_range_rel", p.map_range_rel, Range::positive());
  p.k_lo_rel = s.get_double_array("k_lo_rel", {});
  p.k_hi_rel = s.get_double_array("k_hi_rel", {});
  p.v_lo_rel = s.get_double_array("v_lo_rel", {});
  p.v_hi_rel = s.get_double_array("v_hi_rel", {});
  if ((p.v_store_min_v == 0.0) != (p.v_store_max_v == 0.0) ||
      (p.v_store_max_v != 0.0 && !(p.v_store_max_v > p.v_store_min_v))) {
    s.fail("v_store_max_v", fmt::format("= {}: give both v_store_min_v < v_store_max_v or neither (min = {})",
                                        p.v_store_max_v, p.v_store_min_v));
  }
  p.validate();
  return p;
}

void GainCellKvParams::to_config(core::Section& s) const {
  s.set_bool("exact", exact);
  s.set_string("device_card", device_card);
  s.set_int("n_levels", n_levels);
  s.set_double("v_store_min_v", v_store_min_v);
  s.set_double("v_store_max_v", v_store_max_v);
  s.set_double("v_read_v", v_read_v);
  s.set_double("t_token_s", t_token_s);
  s.set_double("tau_ret_s", tau_ret_s);
  s.set_bool("decay", decay);
  s.set_bool("variation", variation);
  s.set_bool("write_noise", write_noise);
  s.set_double("t_refresh_s", t_refresh_s);
  s.set_string("read_law", read_law);
  s.set_string("level_spacing", level_spacing);
  s.set_int("n_window", n_window);
  s.set_double("map_range_rel", map_range_rel);
  s.set_double_array("k_lo_rel", k_lo_rel);
  s.set_double_array("k_hi_rel", k_hi_rel);
  s.set_double_array("v_lo_rel", v_lo_rel);
  s.set_double_array("v_hi_rel", v_hi_rel);
}

devices::GainCellParams load_gain_cell_card(core::Section& s, const std::string& key, const std::string& path) {
  devices::DeviceCard card;
  try {
    card = devices::load_device_card(path);
  } catch (const Error& e) {
    s.fail(key, fmt::format("cannot read device card '{}': {}", path, e.what()));
  }
  if (card.model != "gain_cell") {
    s.fail(key, fmt::format("device card '{}' is for model '{}', not gain_cell", path, card.model));
  }
  core::Config cc = core::Config::from_string(card.to_toml(), path);
  core::Section root = cc.root();
  (void)root.get_string("type", "");
  // Strings of a card other than the model's own (e.g. read.v_read_meaning) are descriptive.
  for (const auto& [k, v] : card.strings) {
    const auto dot = k.find('.');
    core::Section t = dot == std::string::npos ? root : root.section(k.substr(0, dot));
    (void)t.get_string(dot == std::string::npos ? k : k.substr(dot + 1), v);
  }
  auto p = devices::GainCellParams::from_config(root);
  cc.check_unknown();
  if (p.read.coef_si.empty()) {
    s.fail(key, fmt::format("device card '{}' has no read polynomial", path));
  }
  return p;
}

GainCellReadLaw::GainCellReadLaw(const devices::GainCellParams& p, double v_read_v, double v_min_v, double v_max_v,
                                 bool linear)
    : off_(p.read.v_store_offset_v),
      v_lo_(p.read.v_store_min_v),
      v_hi_(p.read.v_store_max_v),
      v_min_(v_min_v),
      v_max_(v_max_v),
      linear_(linear) {
  const auto& r = p.read;
  if (v_read_v < r.v_read_min_v - 1e-9 || v_read_v > r.v_read_max_v + 1e-9) {
    throw ConfigError(fmt::format("gain_cell: v_read_v = {} V is outside the card's read range [{}, {}] V", v_read_v,
                                  r.v_read_min_v, r.v_read_max_v));
  }
  // Collapse the 2-D polynomial at the fixed read level: a_i = Σ_j c_ij·v_read^j.
  a_.assign(static_cast<size_t>(r.n_degree + 1), 0.0);
  size_t k = 0;
  for (int i = 0; i <= r.n_degree; ++i) {
    double yj = 1.0;
    for (int j = 0; j <= r.n_degree - i; ++j) {
      a_[static_cast<size_t>(i)] += r.coef_si[k++] * yj;
      yj *= v_read_v;
    }
  }
  i_lo_ = poly(v_lo_);
  i_hi_ = poly(v_hi_);
  // Extensions as devices::ReadPolynomial::eval_extended: C1 exponential below, linear above.
  k_lo_per_v_ = (poly(v_lo_ + 1e-3) - i_lo_) / 1e-3 / i_lo_;
  slope_hi_ = (i_hi_ - poly(v_hi_ - 1e-3)) / 1e-3;
  linear_ = false;
  i_min_ = current_a(v_min_);
  i_max_ = current_a(v_max_);
  linear_ = linear;
  if (!(i_max_ > i_min_)) {
    throw ConfigError(fmt::format("gain_cell: the read law does not increase over [{}, {}] V ({} A to {} A)", v_min_,
                                  v_max_, i_min_, i_max_));
  }
}

double GainCellReadLaw::poly(double v) const {
  const double x = v - off_;
  double s = 0.0;
  for (size_t i = a_.size(); i-- > 0;) {
    s = s * x + a_[i];
  }
  return s;
}

double GainCellReadLaw::current_a(double v) const {
  if (linear_) {
    return i_min_ + (i_max_ - i_min_) * (v - v_min_) / (v_max_ - v_min_);
  }
  if (v < v_lo_) {
    return i_lo_ * std::exp(k_lo_per_v_ * (v - v_lo_));
  }
  if (v > v_hi_) {
    return i_hi_ + slope_hi_ * (v - v_hi_);
  }
  return poly(v);
}

void GainCellReadLaw::currents_a(const Eigen::ArrayXd& v, Eigen::ArrayXd& out) const {
  if (linear_) {
    out = i_min_ + (i_max_ - i_min_) * (v - v_min_) / (v_max_ - v_min_);
    return;
  }
  const Eigen::ArrayXd x = v - off_;
  Eigen::ArrayXd p = Eigen::ArrayXd::Constant(v.size(), a_.back());
  for (size_t i = a_.size() - 1; i-- > 0;) {
    p = p * x + a_[i];
  }
  out = (v < v_lo_).select(i_lo_ * (k_lo_per_v_ * (v - v_lo_)).exp(),
                           (v > v_hi_).select(i_hi_ + slope_hi_ * (v - v_hi_), p));
}

double GainCellReadLaw::inverse_v(double i_a) const {
  double a = v_min_, b = v_max_;
  for (int it = 0; it < 60 && b - a > 1e-12; ++it) {
    const double m = 0.5 * (a + b);
    (current_a(m) < i_a ? a : b) = m;
  }
  return 0.5 * (a + b);
}

GainCellKvCache::GainCellKvCache(core::Section& cfg, const KvCacheInit& init)
    : init_(init),
      p_(GainCellKvParams::from_config(cfg)),
      noise_(init.seed, "arch.kv_cache.gain_cell.write_noise", static_cast<uint64_t>(init.layer)),
      reservoir_(init.seed, "arch.kv_cache.gain_cell.reservoir", static_cast<uint64_t>(init.layer)) {
  dev_ = load_gain_cell_card(cfg, "device_card", p_.device_card);
  v_min_ = p_.v_store_max_v > 0 ? p_.v_store_min_v : dev_.read.v_store_min_v;
  v_max_ = p_.v_store_max_v > 0 ? p_.v_store_max_v : dev_.read.v_store_max_v;
  tau_s_ = !p_.decay ? std::numeric_limits<double>::infinity() : (p_.tau_ret_s > 0 ? p_.tau_ret_s : dev_.tau_ret_s);
  if (dev_.retention != "exponential") {
    cfg.fail("device_card", "the gain_cell kv cache needs a card with exponential retention");
  }
  try {
    law_ = std::make_unique<GainCellReadLaw>(dev_, p_.v_read_v, v_min_, v_max_, p_.read_law == "linear");
  } catch (const ConfigError& e) {
    cfg.fail("v_read_v", e.what());
  }
  // DAC level table (see level_spacing in the header).
  level_v_.resize(static_cast<size_t>(p_.n_levels));
  const double steps = static_cast<double>(p_.n_levels - 1);
  for (int64_t k = 0; k < p_.n_levels; ++k) {
    const double f = static_cast<double>(k) / steps;
    level_v_[static_cast<size_t>(k)] = p_.level_spacing == "voltage"
                                           ? v_min_ + f * (v_max_ - v_min_)
                                           : law_->inverse_v(law_->i_min_a() + f * (law_->i_max_a() - law_->i_min_a()));
  }
  const int nh = init.n_kv_heads, hd = init.head_dim;
  n_slots_ = std::min<int64_t>(p_.n_window, init.max_seq_len);
  for (int h = 0; h < nh; ++h) {
    const double r = p_.map_range_rel;
    lo_.push_back({per_head(cfg, "k_lo_rel", p_.k_lo_rel, init.layer, nh, h, -r),
                   per_head(cfg, "v_lo_rel", p_.v_lo_rel, init.layer, nh, h, -r)});
    hi_.push_back({per_head(cfg, "k_hi_rel", p_.k_hi_rel, init.layer, nh, h, r),
                   per_head(cfg, "v_hi_rel", p_.v_hi_rel, init.layer, nh, h, r)});
    for (int w = 0; w < 2; ++w) {
      if (!(hi_.back()[w] > lo_.back()[w])) {
        cfg.fail(w == 0 ? "k_hi_rel" : "v_hi_rel",
                 fmt::format("layer {} head {}: hi {} must exceed lo {}", init.layer, h, hi_.back()[w], lo_.back()[w]));
      }
    }
  }
  // Per-cell constants, drawn once per physical slot (d2d stream, independent of run-time noise).
  core::Rng d2d(init.seed, "arch.kv_cache.gain_cell.d2d", static_cast<uint64_t>(init.layer));
  const bool var = p_.variation;
  v_written_.resize(nh);
  rate_per_s_.resize(nh);
  shift_v_.resize(nh);
  gain_.resize(nh);
  for (int h = 0; h < nh; ++h) {
    for (int w = 0; w < 2; ++w) {
      v_written_[h][w] = Eigen::ArrayXXd::Zero(init.max_seq_len, hd);
      auto& rate = rate_per_s_[h][w];
      auto& shift = shift_v_[h][w];
      auto& gain = gain_[h][w];
      rate.resize(n_slots_, hd);
      shift.resize(n_slots_, hd);
      gain.resize(n_slots_, hd);
      for (int64_t sl = 0; sl < n_slots_; ++sl) {
        for (int c = 0; c < hd; ++c) {
          const double xt = d2d.normal(), xv = d2d.normal(), xg = d2d.normal();
          const double tau = var ? tau_s_ * std::exp(dev_.tau_ret_d2d_sigma_rel * xt) : tau_s_;
          rate(sl, c) = static_cast<float>(1.0 / tau);
          shift(sl, c) = static_cast<float>(var ? dev_.read.v_shift_d2d_sigma_v * xv : 0.0);
          gain(sl, c) = static_cast<float>(var ? 1.0 + dev_.read.gain_d2d_sigma_rel * xg : 1.0);
        }
      }
    }
  }
  keys_.assign(nh, Mat::Zero(init.max_seq_len, hd));
  values_.assign(nh, Mat::Zero(init.max_seq_len, hd));
  positions_.resize(init.max_seq_len);
  std::iota(positions_.begin(), positions_.end(), int64_t{0});
  samples_.resize(nh);
  n_seen_.assign(nh, {0, 0});
  stats_.assign(nh, {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()});
}

// The write-noise stream restarts with every sequence, so a sequence after reset() is exactly what a fresh cache
// gives (the arch contract); the calibration statistics (exact mode) deliberately span all sequences.
void GainCellKvCache::reset() {
  n_ = 0;
  noise_ = core::Rng(init_.seed, "arch.kv_cache.gain_cell.write_noise", static_cast<uint64_t>(init_.layer));
}

double GainCellKvCache::age_s(int64_t s, int64_t p_now) const {
  const double t_now = static_cast<double>(p_now) * p_.t_token_s;
  double t_w = static_cast<double>(s) * p_.t_token_s;
  if (p_.t_refresh_s > 0) {
    t_w = std::max(t_w, std::floor(t_now / p_.t_refresh_s) * p_.t_refresh_s);
  }
  return t_now - t_w;
}

void GainCellKvCache::append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) {
  const int64_t n_new = k.rows();
  if (pos0 != n_ || pos0 + n_new > init_.max_seq_len) {
    throw NumericError(fmt::format("kv_cache layer {}: append at position {} of {} tokens, cache holds {} of {}",
                                   init_.layer, pos0, n_new, n_, init_.max_seq_len));
  }
  const int hd = init_.head_dim, nh = init_.n_kv_heads;
  const double sigma = p_.write_noise ? std::sqrt(k_boltzmann_j_per_k * dev_.temperature_k / dev_.c_store_f) : 0.0;
  const double n_steps = static_cast<double>(p_.n_levels - 1);
  for (int64_t t = 0; t < n_new; ++t) {
    for (int h = 0; h < nh; ++h) {
      for (int w = 0; w < 2; ++w) {
        const auto src = (w == 0 ? k : v).row(t).segment(h * hd, hd);
        auto& stat = stats_[h];
        for (int c = 0; c < hd; ++c) {
          const double x = src(c);
          stat[2 * w] = std::min(stat[2 * w], x);
          stat[2 * w + 1] = std::max(stat[2 * w + 1], x);
          if (p_.exact) {
            (w == 0 ? keys_ : values_)[h](pos0 + t, c) = static_cast<float>(x);
            auto& smp = samples_[h][w];
            const int64_t seen = ++n_seen_[h][w];
            constexpr int64_t k_cap = 16384;
            if (seen <= k_cap) {
              smp.push_back(static_cast<float>(x));
            } else {
              const uint64_t r = reservoir_.uniform_int(static_cast<uint64_t>(seen));
              if (r < static_cast<uint64_t>(k_cap)) {
                smp[r] = static_cast<float>(x);
              }
            }
            continue;
          }
          // DAC: the affine map into [v_min, v_max], rounded to n_levels; then kT/C noise of the write switch.
          const double u = std::clamp((x - lo_[h][w]) / (hi_[h][w] - lo_[h][w]), 0.0, 1.0);
          double vw = level_v_[static_cast<size_t>(std::lround(u * n_steps))];
          if (sigma > 0) {
            vw += sigma * noise_.normal();
          }
          v_written_[h][w](pos0 + t, c) = vw;
        }
      }
    }
  }
  // Refresh instants in (t_{pos0-1}, t_{pos0+n_new-1}]: every held cell is rewritten.
  int64_t refreshes = 0;
  if (p_.t_refresh_s > 0 && !p_.exact) {
    for (int64_t q = pos0; q < pos0 + n_new; ++q) {
      if (q == 0) {
        continue;
      }
      const auto k_now = static_cast<int64_t>(std::floor(static_cast<double>(q) * p_.t_token_s / p_.t_refresh_s));
      const auto k_prev = static_cast<int64_t>(std::floor(static_cast<double>(q - 1) * p_.t_token_s / p_.t_refresh_s));
      refreshes += (k_now - k_prev) * std::min<int64_t>(q, n_slots_) * 2 * nh * hd;
    }
  }
  n_ = pos0 + n_new;
  const int64_t elems = 2 * n_new * nh * hd;
  if (!p_.exact) {
    counts.events["gain_cell.writes"] += elems + refreshes;
    counts.events["dac.conversions"] += elems;
    counts.events["gain_cell.refreshes"] += refreshes;
  }
  counts.kv_entries_stored += n_new * nh;
  counts.bytes_written += 2 * 4 * n_new * nh * hd;
  counts.calls += 1;
  if (!p_.exact) {
    refresh_view();
  }
}

void GainCellKvCache::read_currents(int h, int w, int64_t s0, int64_t s1, int64_t p_now,
                                    Eigen::Ref<Eigen::ArrayXXd> out) const {
  const int hd = init_.head_dim;
  const double v_hold = dev_.v_hold_v;
  const auto& vw = v_written_[h][w];
  const auto& rate = rate_per_s_[h][w];
  const auto& shift = shift_v_[h][w];
  const auto& gain = gain_[h][w];
  Eigen::ArrayXd v(hd), cur(hd);
  for (int64_t s = s0; s < s1; ++s) {
    const double age = age_s(s, p_now);
    const int64_t sl = s % n_slots_;
    // V(t) = v_hold + (V0 − v_hold)·exp(−age/τ_cell), read with the cell's shift and gain.
    if (age > 0 && tau_s_ < std::numeric_limits<double>::infinity()) {
      v = v_hold + (vw.row(s).transpose() - v_hold) * (-age * rate.row(sl).transpose().cast<double>()).exp();
    } else {
      v = vw.row(s).transpose();
    }
    v -= shift.row(sl).transpose().cast<double>();
    law_->currents_a(v, cur);
    out.row(s - s0) = (gain.row(sl).transpose().cast<double>() * cur).transpose();
  }
}

GainCellKvCache::Decode GainCellKvCache::decode(int h, int w) const {
  return Decode{.lo = lo_[h][w],
                .i_min_a = law_->i_min_a(),
                .x_per_a = (hi_[h][w] - lo_[h][w]) / (law_->i_max_a() - law_->i_min_a())};
}

std::vector<double> GainCellKvCache::statistic(const std::string& name, int index) const {
  if (index < 0 || static_cast<size_t>(index) >= stats_.size()) {
    return {};
  }
  const auto h = static_cast<size_t>(index);
  const int w = name.rfind("key_", 0) == 0 ? 0 : 1;
  if (name == "key_range" || name == "value_range") {
    return {stats_[h][static_cast<size_t>(2 * w)], stats_[h][static_cast<size_t>(2 * w + 1)]};
  }
  if (name == "key_samples" || name == "value_samples") {
    const auto& smp = samples_[h][static_cast<size_t>(w)];
    return std::vector<double>(smp.begin(), smp.end());
  }
  return {};
}

void GainCellKvCache::refresh_view() {
  // Digital read-back of every held element at the newest position's time (see the header).
  const int hd = init_.head_dim;
  Eigen::ArrayXXd cur(n_, hd);
  for (int h = 0; h < init_.n_kv_heads; ++h) {
    for (int w = 0; w < 2; ++w) {
      read_currents(h, w, 0, n_, n_ - 1, cur);
      const Decode d = decode(h, w);
      (w == 0 ? keys_ : values_)[h].topRows(n_) = (d.lo + (cur - d.i_min_a) * d.x_per_a).cast<float>().matrix();
    }
  }
}

KvView GainCellKvCache::view(int kv_head) const {
  return KvView{.keys = keys_[kv_head].topRows(n_),
                .values = values_[kv_head].topRows(n_),
                .positions = std::span<const int64_t>(positions_.data(), static_cast<size_t>(n_)),
                .gain_cell = this};
}

void GainCellKvCache::write_stats(io::ResultFile& file, const std::string& group) const {
  std::vector<double> lo, hi;
  for (size_t h = 0; h < lo_.size(); ++h) {
    lo.insert(lo.end(), {lo_[h][0], lo_[h][1]});
    hi.insert(hi.end(), {hi_[h][0], hi_[h][1]});
  }
  const std::vector<size_t> shape{lo_.size(), 2};
  file.write(group + "/map_lo_rel", lo, shape, "1");
  file.write(group + "/map_hi_rel", hi, shape, "1");
  file.write_scalar(group + "/v_store_min_v", v_min_, "V");
  file.write_scalar(group + "/v_store_max_v", v_max_, "V");
  file.write_scalar(group + "/tau_ret_s", std::isfinite(tau_s_) ? tau_s_ : 0.0, "s");
  file.write_scalar(group + "/i_read_min_a", law_->i_min_a(), "A");
  file.write_scalar(group + "/i_read_max_a", law_->i_max_a(), "A");
}

}  // namespace pimtx::arch
