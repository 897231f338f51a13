#include "arch/kv_cache/cpq.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>

#include "core/errors.h"
#include "io/h5.h"

namespace pimtx::arch {

namespace {

// Smallest float >= x with an 11-bit significand (the FP16 mantissa; FP16's exponent range is not enforced, the
// activations of the models used here stay far inside it).
float fp16_round_up(float x) {
  if (x <= 0.0f) {
    return 0.0f;
  }
  int e = 0;
  const double m = std::frexp(static_cast<double>(x), &e);  // x = m * 2^e, m in [0.5, 1)
  return static_cast<float>(std::ldexp(std::ceil(m * 2048.0) / 2048.0, e));
}

std::vector<double> thresholds_of(core::Section& s, const char* key, const std::vector<double>& all,
                                  const KvCacheInit& init) {
  const auto per_layer = static_cast<size_t>(init.n_kv_heads);
  if (all.empty()) {
    return std::vector<double>(per_layer, 0.0);
  }
  if (all.size() != per_layer * static_cast<size_t>(init.n_layers)) {
    s.fail(key, fmt::format("has {} values; need n_layers * n_kv_heads = {} * {} = {}", all.size(), init.n_layers,
                            init.n_kv_heads, per_layer * static_cast<size_t>(init.n_layers)));
  }
  const size_t o = per_layer * static_cast<size_t>(init.layer);
  return {all.begin() + static_cast<std::ptrdiff_t>(o), all.begin() + static_cast<std::ptrdiff_t>(o + per_layer)};
}

std::vector<double> channel_scales_of(core::Section& s, const char* key, const std::vector<double>& all,
                                      const KvCacheInit& init) {
  const auto per_layer = static_cast<size_t>(init.n_kv_heads) * static_cast<size_t>(init.head_dim);
  if (all.empty()) {
    return {};
  }
  if (all.size() != per_layer * static_cast<size_t>(init.n_layers)) {
    s.fail(key,
           fmt::format("has {} values; need n_layers * n_kv_heads * head_dim = {} * {} * {} = {}", all.size(),
                       init.n_layers, init.n_kv_heads, init.head_dim, per_layer * static_cast<size_t>(init.n_layers)));
  }
  const size_t o = per_layer * static_cast<size_t>(init.layer);
  return {all.begin() + static_cast<std::ptrdiff_t>(o), all.begin() + static_cast<std::ptrdiff_t>(o + per_layer)};
}

}  // namespace

CpqParams CpqParams::from_config(core::Section& s, const KvCacheInit& init) {
  using core::Range;
  CpqParams p;
  const double hd = init.head_dim > 0 ? init.head_dim : 1;
  p.n_bits_k = static_cast<int>(s.get_int("n_bits_k", p.n_bits_k, Range::closed(1, 16)));
  p.n_bits_v = static_cast<int>(s.get_int("n_bits_v", p.n_bits_v, Range::closed(1, 16)));
  p.n_group_k =
      static_cast<int>(s.get_int("n_group_k", std::min<int64_t>(p.n_group_k, init.head_dim), Range::closed(1, hd)));
  p.n_group_v =
      static_cast<int>(s.get_int("n_group_v", std::min<int64_t>(p.n_group_v, init.head_dim), Range::closed(1, hd)));
  p.n_scale_bits = static_cast<int>(s.get_int("n_scale_bits", p.n_scale_bits, Range::closed(0, 8)));
  p.scale_headroom_ratio = s.get_double("scale_headroom_ratio", p.scale_headroom_ratio, Range::closed(1.0, 16.0));
  p.prune_ratio = s.get_double("prune_ratio", p.prune_ratio, Range{0.0, 1.0, true, false});
  p.threshold_rel = s.get_double("threshold_rel", p.threshold_rel, Range{0.0, 1.0, true, false});
  p.prune_threshold_k = s.get_double_array("prune_threshold_k", {}, Range::non_negative());
  p.prune_threshold_v = s.get_double_array("prune_threshold_v", {}, Range::non_negative());
  p.channel_scale_k = s.get_double_array("channel_scale_k", {}, Range::positive());
  p.channel_scale_v = s.get_double_array("channel_scale_v", {}, Range::positive());
  p.calibrate_thresholds = s.get_bool("calibrate_thresholds", p.calibrate_thresholds);
  p.calibrate_channel_scales = s.get_bool("calibrate_channel_scales", p.calibrate_channel_scales);
  if (p.calibrate_thresholds && (!p.prune_threshold_k.empty() || !p.prune_threshold_v.empty())) {
    s.fail("calibrate_thresholds", "= true, but prune_threshold_k / prune_threshold_v are given too: choose one");
  }
  if (p.calibrate_channel_scales && (!p.channel_scale_k.empty() || !p.channel_scale_v.empty())) {
    s.fail("calibrate_channel_scales", "= true, but channel_scale_k / channel_scale_v are given too: choose one");
  }
  if (p.prune_ratio > 0.0 && !p.calibrate_thresholds && (p.prune_threshold_k.empty() || p.prune_threshold_v.empty())) {
    s.fail(
        "prune_ratio",
        fmt::format("= {}: needs prune_threshold_k and prune_threshold_v calibrated for it (the |x| quantiles of the "
                    "calibration stories per layer and kv head; experiment kv_cam computes them), or "
                    "calibrate_thresholds = true with calibration text (eval.n_calibration_stories > 0)",
                    p.prune_ratio));
  }
  return p;
}

void CpqParams::to_config(core::Section& s) const {
  s.set_int("n_bits_k", n_bits_k);
  s.set_int("n_bits_v", n_bits_v);
  s.set_int("n_group_k", n_group_k);
  s.set_int("n_group_v", n_group_v);
  s.set_int("n_scale_bits", n_scale_bits);
  s.set_double("scale_headroom_ratio", scale_headroom_ratio);
  s.set_double("prune_ratio", prune_ratio);
  s.set_double("threshold_rel", threshold_rel);
  s.set_double_array("prune_threshold_k", prune_threshold_k);
  s.set_double_array("prune_threshold_v", prune_threshold_v);
  s.set_double_array("channel_scale_k", channel_scale_k);
  s.set_double_array("channel_scale_v", channel_scale_v);
  s.set_bool("calibrate_thresholds", calibrate_thresholds);
  s.set_bool("calibrate_channel_scales", calibrate_channel_scales);
}

void MagnitudeHistogram::add(float x) {
  const double a = std::abs(static_cast<double>(x));
  int b = 0;
  if (a < k_lo) {
    b = 0;
  } else if (a >= k_hi) {
    b = k_bins + 1;
  } else {
    b = 1 + static_cast<int>(std::log(a / k_lo) / std::log(k_hi / k_lo) * k_bins);
    b = std::min(b, k_bins);
  }
  bins_[static_cast<size_t>(b)] += 1;
  n_ += 1;
}

double MagnitudeHistogram::quantile(double q) const {
  if (n_ == 0 || q <= 0.0) {
    return 0.0;
  }
  const double target = q * static_cast<double>(n_);
  double cum = 0.0;
  const double step = std::log(k_hi / k_lo) / k_bins;
  for (size_t b = 0; b < bins_.size(); ++b) {
    const auto c = static_cast<double>(bins_[b]);
    if (cum + c >= target && c > 0) {
      if (b == 0) {
        return k_lo;
      }
      if (b == k_bins + 1) {
        return k_hi;
      }
      // Geometric interpolation inside bin b = [k_lo e^{(b-1) step}, k_lo e^{b step}).
      const double f = (target - cum) / c;
      return k_lo * std::exp((static_cast<double>(b) - 1.0 + f) * step);
    }
    cum += c;
  }
  return k_hi;
}

CpqKvCache::CpqKvCache(core::Section& cfg, const KvCacheInit& init) : init_(init) {
  p_ = CpqParams::from_config(cfg, init);
  k_.n_bits = p_.n_bits_k;
  v_.n_bits = p_.n_bits_v;
  k_.n_group = p_.n_group_k;
  v_.n_group = p_.n_group_v;
  k_.threshold = thresholds_of(cfg, "prune_threshold_k", p_.prune_threshold_k, init);
  v_.threshold = thresholds_of(cfg, "prune_threshold_v", p_.prune_threshold_v, init);
  k_.channel_scale = channel_scales_of(cfg, "channel_scale_k", p_.channel_scale_k, init);
  v_.channel_scale = channel_scales_of(cfg, "channel_scale_v", p_.channel_scale_v, init);
  const auto nh = static_cast<size_t>(init.n_kv_heads);
  for (Side* s : {&k_, &v_}) {
    s->data.assign(nh, Mat::Zero(init.max_seq_len, init.head_dim));
    s->hist.assign(nh, MagnitudeHistogram{});
    s->n_elem.assign(nh, 0);
    s->n_zero_pruned.assign(nh, 0);
    s->n_zero_quant.assign(nh, 0);
    s->absmax.assign(nh * static_cast<size_t>(init.head_dim), 0.0);
  }
  positions_.resize(static_cast<size_t>(init.max_seq_len));
  std::iota(positions_.begin(), positions_.end(), int64_t{0});
  row_bytes_.assign(static_cast<size_t>(init.max_seq_len), 0);
  scratch_.resize(nh * static_cast<size_t>(init.head_dim));
}

int64_t CpqKvCache::compress_row(Side& side, const float* row, int64_t pos) {
  const int hd = init_.head_dim;
  const int nh = init_.n_kv_heads;
  const int kv_dim = hd * nh;
  if (calibrating_) {  // exact values; only the |x| statistics the calibration reads
    for (int h = 0; h < nh; ++h) {
      float* out = &side.data[static_cast<size_t>(h)](pos, 0);
      for (int i = 0; i < hd; ++i) {
        const float x = row[h * hd + i];
        side.record(h, h * hd + i, x);
        out[i] = x;
      }
    }
    return 4 * static_cast<int64_t>(kv_dim);
  }
  // 1. Prune per head.
  float smax = 0.0f;
  for (int h = 0; h < nh; ++h) {
    float hmax = 0.0f;
    for (int i = 0; i < hd; ++i) {
      hmax = std::max(hmax, std::abs(row[h * hd + i]));
    }
    const auto t = static_cast<float>(
        std::max(side.threshold[static_cast<size_t>(h)], p_.threshold_rel * static_cast<double>(hmax)));
    for (int i = 0; i < hd; ++i) {
      const float x = row[h * hd + i];
      side.record(h, h * hd + i, x);
      const float y = std::abs(x) < t ? 0.0f : x;
      scratch_[static_cast<size_t>(h * hd + i)] = y;
      smax = std::max(smax, std::abs(y));
      side.n_zero_pruned[static_cast<size_t>(h)] += y == 0.0f ? 1 : 0;
      side.n_elem[static_cast<size_t>(h)] += 1;
    }
  }
  // 2. Level 1: static channel scales, or one FP16 scale of the row; level 2: group codes; 3. quantise.
  const bool per_channel = !side.channel_scale.empty();
  const float s_row = per_channel ? 0.0f : fp16_round_up(smax);
  const double n_codes = p_.n_scale_bits > 0 ? std::ldexp(1.0, p_.n_scale_bits) - 1.0 : 0.0;
  const double levels = side.n_bits >= 2 ? std::ldexp(1.0, side.n_bits - 1) - 1.0 : 1.0;
  auto base = [&](int h, int i) {  // level-1 scale of channel i of head h
    return per_channel ? std::max(side.channel_scale[static_cast<size_t>(h * hd + i)], 1e-30)
                       : static_cast<double>(s_row);
  };
  int64_t nnz = 0;
  int64_t n_groups = 0;
  for (int h = 0; h < nh; ++h) {
    float* out = &side.data[static_cast<size_t>(h)](pos, 0);  // row-major (max_seq_len, head_dim)
    for (int g0 = 0; g0 < hd; g0 += side.n_group) {
      const int g1 = std::min(hd, g0 + side.n_group);
      n_groups += 1;
      // Ratios |x| / level-1 scale of the group's survivors: max (n_bits >= 2) or mean (n_bits = 1).
      double rmax = 0.0, rsum = 0.0;
      int gn = 0;
      for (int i = g0; i < g1; ++i) {
        const double a = std::abs(static_cast<double>(scratch_[static_cast<size_t>(h * hd + i)]));
        if (a > 0.0) {
          const double r = a / base(h, i);
          rmax = std::max(rmax, r);
          rsum += r;
          gn += 1;
        }
      }
      // Code range (0, hr]: hr = headroom over the static channel scales, 1 over the row's own max.
      const double hr = per_channel ? p_.scale_headroom_ratio : 1.0;
      double r = hr;
      if (side.n_bits == 1) {
        const double mean = gn > 0 ? rsum / gn : 0.0;
        r = n_codes > 0 ? std::clamp(std::round(mean / hr * n_codes), 1.0, n_codes) * hr / n_codes : mean;
      } else if (n_codes > 0) {
        r = std::clamp(std::ceil(rmax / hr * n_codes - 1e-9), 1.0, n_codes) * hr / n_codes;
      }
      for (int i = g0; i < g1; ++i) {
        const double x = scratch_[static_cast<size_t>(h * hd + i)];
        const double sc = base(h, i) * r;
        double y = 0.0;
        if (x != 0.0 && sc > 0.0 && (per_channel || s_row > 0.0f)) {
          if (side.n_bits == 1) {
            y = x > 0 ? sc : -sc;
          } else {
            const double q = std::clamp(std::round(x / sc * levels), -levels, levels);
            y = q * sc / levels;
          }
        }
        out[i] = static_cast<float>(y);
        nnz += y != 0.0 ? 1 : 0;
        side.n_zero_quant[static_cast<size_t>(h)] += y == 0.0 ? 1 : 0;
      }
    }
  }
  // 4. Movement: dense or bitmap-sparse payload, format bit, group scale codes, FP16 row scale (per-token mode).
  const int64_t dense = static_cast<int64_t>(kv_dim) * side.n_bits;
  const int64_t sparse = kv_dim + nnz * side.n_bits;
  const int64_t bits = 1 + std::min(dense, sparse) + (per_channel ? 0 : 16) + n_groups * p_.n_scale_bits;
  side.bits += bits;
  side.n_elements += kv_dim;
  return (bits + 7) / 8;
}

void CpqKvCache::append(int64_t pos0, const ConstMatRef& k, const ConstMatRef& v, OpCounts& counts) {
  const int64_t n_new = k.rows();
  if (pos0 != n_ || pos0 + n_new > init_.max_seq_len) {
    throw NumericError(fmt::format("kv_cache layer {}: append at position {} of {} tokens, cache holds {} of {}",
                                   init_.layer, pos0, n_new, n_, init_.max_seq_len));
  }
  const int64_t kv_dim = static_cast<int64_t>(init_.n_kv_heads) * init_.head_dim;
  const int64_t fp16_row = 2 * 2 * kv_dim;  // K and V, 2 bytes per element
  int64_t written = 0, read = 0, read_fp16 = 0;
  for (int64_t t = 0; t < n_new; ++t) {
    const int64_t p = pos0 + t;
    const int64_t b = compress_row(k_, k.row(t).data(), p) + compress_row(v_, v.row(t).data(), p);
    row_bytes_[static_cast<size_t>(p)] = b;
    cum_bytes_ += b;
    written += b;
    read += cum_bytes_;               // a decode step at p reads rows 0..p
    read_fp16 += (p + 1) * fp16_row;  // ... which an FP16 cache holds in 4 bytes per (K, V) element pair
  }
  n_ = pos0 + n_new;
  const int64_t written_fp16 = n_new * fp16_row;
  counts.kv_entries_stored += n_new * init_.n_kv_heads;
  counts.bytes_written += written;
  counts.calls += 1;
  counts.events["kv.bytes_written"] += written;
  counts.events["kv.bytes_read"] += read;
  counts.events["kv.bytes_written_fp16"] += written_fp16;
  counts.events["kv.bytes_read_fp16"] += read_fp16;
  bytes_written_ += written;
  bytes_written_fp16_ += written_fp16;
  bytes_read_ += read;
  bytes_read_fp16_ += read_fp16;
}

KvView CpqKvCache::view(int kv_head) const {
  const auto h = static_cast<size_t>(kv_head);
  return KvView{.keys = k_.data[h].topRows(n_),
                .values = v_.data[h].topRows(n_),
                .positions = std::span<const int64_t>(positions_.data(), static_cast<size_t>(n_))};
}

std::vector<double> CpqKvCache::statistic(const std::string& name, int index) const {
  const std::map<std::string, int64_t> totals = {{"bytes_written", bytes_written_},
                                                 {"bytes_written_fp16", bytes_written_fp16_},
                                                 {"bytes_read", bytes_read_},
                                                 {"bytes_read_fp16", bytes_read_fp16_}};
  if (const auto it = totals.find(name); it != totals.end()) {
    return {static_cast<double>(it->second)};
  }
  for (const bool key : {true, false}) {
    const std::string prefix = key ? "magnitude_quantile_k:" : "magnitude_quantile_v:";
    if (name.rfind(prefix, 0) == 0) {
      const std::string q_text = name.substr(prefix.size());
      char* end = nullptr;
      const double q = std::strtod(q_text.c_str(), &end);
      if (q_text.empty() || *end != '\0' || !(q >= 0.0 && q <= 1.0) || index < 0 || index >= init_.n_kv_heads) {
        return {};
      }
      return {magnitude_quantile(key, index, q)};
    }
  }
  if (name.size() < 2 || name[name.size() - 2] != '_' || (name.back() != 'k' && name.back() != 'v')) {
    return {};
  }
  const bool key = name.back() == 'k';
  const std::string base = name.substr(0, name.size() - 2);
  if (base == "mean_bits_per_element") {
    return {mean_bits_per_element(key)};
  }
  if (index < 0 || index >= init_.n_kv_heads) {
    return {};
  }
  if (base == "sparsity_pruned" || base == "sparsity_quantised") {
    return {sparsity(key, index, base == "sparsity_quantised")};
  }
  if (base == "channel_absmax") {
    return channel_absmax(key, index);
  }
  return {};
}

void CpqKvCache::clear_statistics() {
  for (Side* s : {&k_, &v_}) {
    std::fill(s->hist.begin(), s->hist.end(), MagnitudeHistogram{});
    std::fill(s->n_elem.begin(), s->n_elem.end(), 0);
    std::fill(s->n_zero_pruned.begin(), s->n_zero_pruned.end(), 0);
    std::fill(s->n_zero_quant.begin(), s->n_zero_quant.end(), 0);
    std::fill(s->absmax.begin(), s->absmax.end(), 0.0);
    s->bits = 0;
    s->n_elements = 0;
  }
  bytes_written_ = bytes_written_fp16_ = bytes_read_ = bytes_read_fp16_ = 0;
}

void CpqKvCache::begin_calibration_pass(int /*pass*/) {
  if (n_calibration_passes() == 0) {
    return;
  }
  clear_statistics();
  calibrating_ = true;
}

void CpqKvCache::end_calibration_pass(int /*pass*/) {
  if (!calibrating_) {
    return;
  }
  calibrating_ = false;
  const int nh = init_.n_kv_heads;
  for (Side* s : {&k_, &v_}) {
    if (p_.calibrate_thresholds) {
      for (int h = 0; h < nh; ++h) {
        s->threshold[static_cast<size_t>(h)] = s->hist[static_cast<size_t>(h)].quantile(p_.prune_ratio);
      }
    }
    if (p_.calibrate_channel_scales) {
      s->channel_scale.resize(s->absmax.size());
      for (size_t i = 0; i < s->absmax.size(); ++i) {
        s->channel_scale[i] = std::max(s->absmax[i], 1e-6);  // a channel never non-zero: scales must be > 0
      }
    }
  }
  clear_statistics();
}

double CpqKvCache::magnitude_quantile(bool key, int kv_head, double q) const {
  return (key ? k_ : v_).hist[static_cast<size_t>(kv_head)].quantile(q);
}

std::vector<double> CpqKvCache::channel_absmax(bool key, int kv_head) const {
  const Side& s = key ? k_ : v_;
  const auto hd = static_cast<size_t>(init_.head_dim);
  const auto o = static_cast<size_t>(kv_head) * hd;
  return {s.absmax.begin() + static_cast<std::ptrdiff_t>(o), s.absmax.begin() + static_cast<std::ptrdiff_t>(o + hd)};
}

std::vector<double> CpqKvCache::channel_scale(bool key, int kv_head) const {
  const Side& s = key ? k_ : v_;
  if (s.channel_scale.empty()) {
    return {};
  }
  const auto hd = static_cast<size_t>(init_.head_dim);
  const auto o = static_cast<size_t>(kv_head) * hd;
  return {s.channel_scale.begin() + static_cast<std::ptrdiff_t>(o),
          s.channel_scale.begin() + static_cast<std::ptrdiff_t>(o + hd)};
}

double CpqKvCache::sparsity(bool key, int kv_head, bool after_quantisation) const {
  const Side& s = key ? k_ : v_;
  const auto h = static_cast<size_t>(kv_head);
  if (s.n_elem[h] == 0) {
    return 0.0;
  }
  return static_cast<double>(after_quantisation ? s.n_zero_quant[h] : s.n_zero_pruned[h]) /
         static_cast<double>(s.n_elem[h]);
}

void CpqKvCache::write_stats(io::ResultFile& file, const std::string& group) const {
  const auto nh = static_cast<size_t>(init_.n_kv_heads);
  for (const bool key : {true, false}) {
    const Side& s = key ? k_ : v_;
    const std::string n = key ? "k" : "v";
    std::vector<double> before(nh), after(nh);
    for (size_t h = 0; h < nh; ++h) {
      before[h] = sparsity(key, static_cast<int>(h), false);
      after[h] = sparsity(key, static_cast<int>(h), true);
    }
    file.write(group + "/" + n + "_sparsity_before_quant", before, {nh}, "1");
    file.write(group + "/" + n + "_sparsity_after_quant", after, {nh}, "1");
    file.write(group + "/" + n + "_prune_threshold", s.threshold, {nh}, "1");
    file.write_scalar(group + "/" + n + "_mean_bits_per_element",
                      s.n_elements > 0 ? static_cast<double>(s.bits) / static_cast<double>(s.n_elements) : 0.0, "bit");
  }
  file.write_scalar(group + "/bytes_written", bytes_written_, "byte");
  file.write_scalar(group + "/bytes_written_fp16", bytes_written_fp16_, "byte");
  file.write_scalar(group + "/bytes_read", bytes_read_, "byte");
  file.write_scalar(group + "/bytes_read_fp16", bytes_read_fp16_, "byte");
  file.set_attr(group, "n_bits_k", static_cast<int64_t>(p_.n_bits_k));
  file.set_attr(group, "n_bits_v", static_cast<int64_t>(p_.n_bits_v));
  file.set_attr(group, "n_group_k", static_cast<int64_t>(p_.n_group_k));
  file.set_attr(group, "n_group_v", static_cast<int64_t>(p_.n_group_v));
  file.set_attr(group, "n_scale_bits", static_cast<int64_t>(p_.n_scale_bits));
  file.set_attr(group, "scale_headroom_ratio", p_.scale_headroom_ratio);
  file.set_attr(group, "prune_ratio", p_.prune_ratio);
  file.set_attr(group, "threshold_rel", p_.threshold_rel);
  file.set_attr(group, "channel_scales", static_cast<int64_t>(k_.channel_scale.empty() ? 0 : 1));
}

}  // namespace pimtx::arch
