#include "arch/attention/cam.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

#include "arch/attention/lsh_core.h"
#include "core/errors.h"
#include "core/rng.h"
#include "devices/card.h"
#include "io/h5.h"

namespace pimtx::arch {

namespace {

devices::CamRow load_row(core::Section& s, const CamParams& p) {
  if (p.cam_card.empty()) {
    return devices::CamRow(devices::CamRowParams{});
  }
  devices::DeviceCard card;
  try {
    card = devices::load_device_card(p.cam_card);
  } catch (const Error& e) {
    s.fail("cam_card", fmt::format("cannot read CAM card '{}': {}", p.cam_card, e.what()));
  }
  if (card.model != "cam") {
    s.fail("cam_card", fmt::format("card '{}' is for model '{}', not 'cam'", p.cam_card, card.model));
  }
  core::Config cc = core::Config::from_string(card.to_toml(), p.cam_card);
  core::Section root = cc.root();
  auto row = devices::CamRow(devices::CamRowParams::from_config(root));
  return row;
}

}  // namespace

CamParams CamParams::from_config(core::Section& s) {
  using core::Range;
  CamParams p;
  p.n_bits = static_cast<int>(s.get_int("n_bits", p.n_bits, Range::closed(0, 4096)));
  p.k = static_cast<int>(s.get_int("k", p.k, Range::closed(1, 1e9)));
  p.k_first = static_cast<int>(s.get_int("k_first", p.k, Range::closed(1, 1e9)));
  p.n_tile_rows = static_cast<int>(s.get_int("n_tile_rows", p.n_tile_rows, Range::closed(1, 1e9)));
  p.n_adc_bits = static_cast<int>(s.get_int("n_adc_bits", p.n_adc_bits, Range::closed(1, 16)));
  p.score = s.get_string("score", p.score, {"exact", "hamming"});
  p.key_offset = s.get_double_array("key_offset", {});
  p.cam_card = s.has("cam_card") ? s.get_path("cam_card", "", true) : "";
  p.cam_noise = s.get_bool("cam_noise", p.cam_noise);
  p.n_window = static_cast<int>(s.get_int("n_window", p.n_window, Range::closed(0, 1e9)));
  p.calibrate_key_offset = s.get_bool("calibrate_key_offset", p.calibrate_key_offset);
  if (p.calibrate_key_offset && !p.key_offset.empty()) {
    s.fail("calibrate_key_offset", "= true, but key_offset is given too: choose one");
  }
  return p;
}

void CamParams::to_config(core::Section& s) const {
  s.set_int("n_bits", n_bits);
  s.set_int("k", k);
  s.set_int("k_first", k_first);
  s.set_int("n_tile_rows", n_tile_rows);
  s.set_int("n_adc_bits", n_adc_bits);
  s.set_string("score", score);
  s.set_double_array("key_offset", key_offset);
  if (!cam_card.empty()) {  // absent = the ideal row (an empty path is not a valid value of the key)
    s.set_string("cam_card", cam_card);
  }
  s.set_bool("cam_noise", cam_noise);
  s.set_int("n_window", n_window);
  s.set_bool("calibrate_key_offset", calibrate_key_offset);
}

CamAttention::CamAttention(core::Section& cfg, const AttentionInit& init)
    : init_(init), p_(CamParams::from_config(cfg)), row_(load_row(cfg, p_)) {
  const auto hd = static_cast<size_t>(init.head_dim);
  const auto nh = static_cast<size_t>(init.n_kv_heads);
  n_code_ = p_.n_bits > 0 ? p_.n_bits : init.head_dim;
  n_words_ = (n_code_ + 63) / 64;
  if (p_.n_bits > 0) {
    planes_.resize(nh * static_cast<size_t>(n_code_) * hd);
    for (size_t h = 0; h < nh; ++h) {
      core::Rng rng = core::Rng(init.seed, "arch.attention.cam", static_cast<uint64_t>(init.layer)).child("kv_head", h);
      for (size_t i = 0; i < static_cast<size_t>(n_code_) * hd; ++i) {
        planes_[h * static_cast<size_t>(n_code_) * hd + i] = static_cast<float>(rng.normal());
      }
    }
  }
  const size_t per_layer = nh * hd;
  offset_ = lsh::layer_key_offset(cfg, p_.key_offset, init.n_layers, init.n_kv_heads, init.head_dim, init.layer);
  key_bits_.assign(nh, std::vector<uint64_t>(static_cast<size_t>(init.max_seq_len) * static_cast<size_t>(n_words_)));
  key_norm_.assign(nh, std::vector<float>(static_cast<size_t>(init.max_seq_len)));
  n_encoded_.assign(nh, 0);
  key_sum_.assign(per_layer, 0.0);
  n_keys_.assign(nh, 0);
  centred_.resize(hd);
  q_bits_.resize(static_cast<size_t>(n_words_));
  const auto nq = static_cast<size_t>(init.n_heads);
  frac_sum_.assign(nq, 0.0);
  n_queries_.assign(nq, 0);
  selected_pairs_.assign(nq, 0);
  visible_pairs_.assign(nq, 0);
}

void CamAttention::reset() { std::fill(n_encoded_.begin(), n_encoded_.end(), 0); }

std::vector<double> CamAttention::statistic(const std::string& name, int index) const {
  if (name == "attended_frac") {
    return {attended_frac(index)};
  }
  if (name == "key_mean") {
    return key_mean(index);
  }
  return {};
}

void CamAttention::clear_statistics() {
  std::fill(key_sum_.begin(), key_sum_.end(), 0.0);
  std::fill(n_keys_.begin(), n_keys_.end(), 0);
  std::fill(frac_sum_.begin(), frac_sum_.end(), 0.0);
  std::fill(n_queries_.begin(), n_queries_.end(), 0);
  std::fill(selected_pairs_.begin(), selected_pairs_.end(), 0);
  std::fill(visible_pairs_.begin(), visible_pairs_.end(), 0);
}

void CamAttention::begin_calibration_pass(int /*pass*/) {
  if (!p_.calibrate_key_offset) {
    return;
  }
  clear_statistics();
  saved_ = p_;
  p_.k = p_.k_first = init_.max_seq_len;  // every visible key, exact scores: dense attention
  p_.score = "exact";
  offset_.clear();
  reset();
}

void CamAttention::end_calibration_pass(int /*pass*/) {
  if (!saved_) {
    return;
  }
  p_ = *saved_;
  saved_.reset();
  const auto hd = static_cast<size_t>(init_.head_dim);
  offset_.assign(key_sum_.size(), 0.0f);
  for (size_t h = 0; h < n_keys_.size(); ++h) {
    const std::vector<double> m = key_mean(static_cast<int>(h));
    for (size_t i = 0; i < hd; ++i) {
      offset_[h * hd + i] = static_cast<float>(m[i]);
    }
  }
  clear_statistics();
  reset();
}

double CamAttention::attended_frac(int head) const {
  const auto h = static_cast<size_t>(head);
  return n_queries_[h] == 0 ? std::numeric_limits<double>::quiet_NaN()
                            : frac_sum_[h] / static_cast<double>(n_queries_[h]);
}

std::vector<double> CamAttention::key_mean(int kv_head) const {
  const auto h = static_cast<size_t>(kv_head);
  const auto hd = static_cast<size_t>(init_.head_dim);
  std::vector<double> m(hd, 0.0);
  for (size_t i = 0; i < hd && n_keys_[h] > 0; ++i) {
    m[i] = key_sum_[h * hd + i] / static_cast<double>(n_keys_[h]);
  }
  return m;
}

void CamAttention::binarise(const float* x, size_t kv_head, bool is_key, uint64_t* out, float& norm) {
  const auto hd = static_cast<size_t>(init_.head_dim);
  double n2 = 0.0;
  for (size_t i = 0; i < hd; ++i) {
    centred_[i] = is_key && !offset_.empty() ? x[i] - offset_[kv_head * hd + i] : x[i];
    n2 += static_cast<double>(centred_[i]) * centred_[i];
  }
  norm = static_cast<float>(std::sqrt(n2));
  std::fill(out, out + n_words_, uint64_t{0});
  for (int b = 0; b < n_code_; ++b) {
    float y = 0.0f;
    if (planes_.empty()) {
      y = centred_[static_cast<size_t>(b)];
    } else {
      const float* w = &planes_[(kv_head * static_cast<size_t>(n_code_) + static_cast<size_t>(b)) * hd];
      for (size_t i = 0; i < hd; ++i) {
        y += w[i] * centred_[i];
      }
    }
    if (y > 0.0f) {
      out[b / 64] |= uint64_t{1} << (b % 64);
    }
  }
}

void CamAttention::encode_new_keys(const AttentionCall& call) {
  const auto h = static_cast<size_t>(call.kv_head);
  const auto hd = static_cast<size_t>(call.head_dim);
  const auto& pos = call.kv.positions;
  int64_t last = n_encoded_[h] - 1;
  for (size_t s = 0; s < pos.size(); ++s) {
    const int64_t j = pos[s];
    if (j < n_encoded_[h]) {
      continue;
    }
    if (j >= init_.max_seq_len) {
      throw NumericError(fmt::format("cam attention: key position {} beyond max_seq_len {}", j, init_.max_seq_len));
    }
    const auto row = call.kv.keys.row(static_cast<Eigen::Index>(s));
    for (size_t i = 0; i < hd; ++i) {
      key_sum_[h * hd + i] += row(static_cast<Eigen::Index>(i));
    }
    n_keys_[h] += 1;
    binarise(row.data(), h, true, &key_bits_[h][static_cast<size_t>(j) * static_cast<size_t>(n_words_)],
             key_norm_[h][static_cast<size_t>(j)]);
    last = std::max(last, j);
  }
  n_encoded_[h] = last + 1;
}

void CamAttention::forward(AttentionCall& call, OpCounts& counts) {
  const int64_t n_before = n_encoded_[static_cast<size_t>(call.kv_head)];
  encode_new_keys(call);
  const int64_t n_new_keys = n_encoded_[static_cast<size_t>(call.kv_head)] - n_before;
  const int64_t n_new = call.q.rows();
  const int64_t n_held = call.kv.keys.rows();
  const int hd = call.head_dim;
  const auto h = static_cast<size_t>(call.kv_head);
  const auto& pos = call.kv.positions;
  const int n_levels = (1 << p_.n_adc_bits) - 1;
  const double v0 = row_.v_zero(), v1 = row_.v_full();
  const bool noisy = p_.cam_noise && !row_.noiseless();
  const int nc = n_code_;
  // Noiseless code of each match count, and the match fraction each ADC code stands for (inverse of the law).
  std::vector<int> code_of_h(static_cast<size_t>(nc) + 1);
  for (int m = 0; m <= nc; ++m) {
    const double v = row_.voltage(static_cast<double>(m) / nc);
    code_of_h[static_cast<size_t>(m)] =
        static_cast<int>(std::clamp(std::round((v - v0) / (v1 - v0) * n_levels), 0.0, static_cast<double>(n_levels)));
  }
  std::vector<double> frac_of_code;
  if (p_.score == "hamming") {
    frac_of_code.resize(static_cast<size_t>(n_levels) + 1);
    for (int c = 0; c <= n_levels; ++c) {
      const double target = v0 + (v1 - v0) * c / n_levels;
      double lo = 0.0, hi = 1.0;  // bisection on the increasing law
      for (int it = 0; it < 40; ++it) {
        const double mid = 0.5 * (lo + hi);
        (row_.voltage(mid) < target ? lo : hi) = mid;
      }
      frac_of_code[static_cast<size_t>(c)] = 0.5 * (lo + hi);
    }
  }
  const uint64_t last_mask = nc % 64 == 0 ? ~uint64_t{0} : ((uint64_t{1} << (nc % 64)) - 1);
  auto better = [this](int64_t a, int64_t b) {
    const int ca = codes_[static_cast<size_t>(a)], cb = codes_[static_cast<size_t>(b)];
    return ca != cb ? ca > cb : a > b;  // higher code first; ties: later position
  };
  int64_t selected_total = 0, rows_total = 0, searches = 0, comparisons = 0;
  codes_.resize(static_cast<size_t>(n_held));
  for (int j = 0; j < call.group; ++j) {
    const int qh = call.kv_head * call.group + j;
    const core::Rng base = core::Rng(init_.seed, "arch.attention.cam.noise", static_cast<uint64_t>(init_.layer))
                               .child("kv_head", h)
                               .child("query_head", static_cast<uint64_t>(qh));
    int64_t visible = 0;
    for (int64_t t = 0; t < n_new; ++t) {
      const int64_t p = call.q_pos0 + t;
      while (visible < n_held && pos[static_cast<size_t>(visible)] <= p) {
        ++visible;
      }
      const auto qrow = call.q.row(t).segment(j * hd, hd);
      float q_norm = 0.0f;
      binarise(qrow.data(), h, false, q_bits_.data(), q_norm);
      // Search: match count, match-line voltage, ADC code of every visible row.
      core::Rng noise = base.child("pos", static_cast<uint64_t>(p));
      for (int64_t s = 0; s < visible; ++s) {
        const uint64_t* kb =
            &key_bits_[h][static_cast<size_t>(pos[static_cast<size_t>(s)]) * static_cast<size_t>(n_words_)];
        int diff = 0;
        for (int w = 0; w < n_words_; ++w) {
          const uint64_t x = (q_bits_[static_cast<size_t>(w)] ^ kb[w]) & (w == n_words_ - 1 ? last_mask : ~uint64_t{0});
          diff += std::popcount(x);
        }
        const int m = nc - diff;
        if (noisy) {
          const double frac = static_cast<double>(m) / nc;
          const double v = row_.voltage(frac) + row_.sigma(frac, nc) * noise.normal();
          codes_[static_cast<size_t>(s)] = static_cast<int>(
              std::clamp(std::round((v - v0) / (v1 - v0) * n_levels), 0.0, static_cast<double>(n_levels)));
        } else {
          codes_[static_cast<size_t>(s)] = code_of_h[static_cast<size_t>(m)];
        }
      }
      // Stage 1: the best k_first rows of each tile (tile = position / n_tile_rows).
      cand_.clear();
      int64_t s0 = 0;
      while (s0 < visible) {
        const int64_t tile = pos[static_cast<size_t>(s0)] / p_.n_tile_rows;
        int64_t s1 = s0;
        while (s1 < visible && pos[static_cast<size_t>(s1)] / p_.n_tile_rows == tile) {
          ++s1;
        }
        const size_t c0 = cand_.size();
        for (int64_t s = s0; s < s1; ++s) {
          cand_.push_back(s);
        }
        if (s1 - s0 > p_.k_first) {
          std::nth_element(cand_.begin() + static_cast<std::ptrdiff_t>(c0),
                           cand_.begin() + static_cast<std::ptrdiff_t>(c0) + p_.k_first, cand_.end(), better);
          cand_.resize(c0 + static_cast<size_t>(p_.k_first));
        }
        comparisons += (s1 - s0) * p_.k_first;
        searches += 1;
        s0 = s1;
      }
      // Stage 2: the best k of the candidates.
      comparisons += static_cast<int64_t>(cand_.size()) * p_.k;
      sel_ = cand_;
      if (static_cast<int64_t>(sel_.size()) > p_.k) {
        std::nth_element(sel_.begin(), sel_.begin() + p_.k, sel_.end(), better);
        sel_.resize(static_cast<size_t>(p_.k));
      }
      // Local window: the n_window most recent keys are always kept (their rows bypass the top-k).
      for (int64_t s = std::max<int64_t>(0, visible - p_.n_window); s < visible; ++s) {
        sel_.push_back(s);
      }
      std::sort(sel_.begin(), sel_.end());
      sel_.erase(std::unique(sel_.begin(), sel_.end()), sel_.end());
      // Softmax over the selected keys (max-subtracted, float32 as the dense unit), then p·V.
      const auto ns = sel_.size();
      w_.resize(ns);
      float max_s = -std::numeric_limits<float>::infinity();
      for (size_t i = 0; i < ns; ++i) {
        const auto s = static_cast<Eigen::Index>(sel_[i]);
        float sc = 0.0f;
        if (p_.score == "exact") {
          sc = qrow.dot(call.kv.keys.row(s)) * call.scale;
        } else {
          const double frac = frac_of_code[static_cast<size_t>(codes_[static_cast<size_t>(s)])];
          sc = static_cast<float>(q_norm * key_norm_[h][static_cast<size_t>(pos[static_cast<size_t>(s)])] *
                                  std::cos(std::numbers::pi * (1.0 - frac)) * call.scale);
        }
        w_[i] = sc;
        max_s = std::max(max_s, sc);
      }
      float sum = 0.0f;
      for (size_t i = 0; i < ns; ++i) {
        w_[i] = std::exp(w_[i] - max_s);
        sum += w_[i];
      }
      const float inv = 1.0f / sum;
      auto out = call.out.row(t).segment(j * hd, hd);
      out.setZero();
      for (size_t i = 0; i < ns; ++i) {
        out.noalias() += (w_[i] * inv) * call.kv.values.row(static_cast<Eigen::Index>(sel_[i]));
      }
      // Statistics.
      const auto qhs = static_cast<size_t>(qh);
      frac_sum_[qhs] += static_cast<double>(ns) / static_cast<double>(visible);
      n_queries_[qhs] += 1;
      selected_pairs_[qhs] += static_cast<int64_t>(ns);
      visible_pairs_[qhs] += visible;
      selected_total += static_cast<int64_t>(ns);
      rows_total += visible;
    }
  }
  const int64_t score_macs = p_.score == "exact" ? selected_total * hd : 0;
  counts.macs += score_macs + selected_total * hd;
  counts.kv_entries_read += selected_total;
  counts.bytes_read += 4 * ((p_.score == "exact" ? 2 : 1) * selected_total * hd + n_new * call.group * hd);
  counts.bytes_written += 4 * n_new * call.group * hd;
  counts.calls += 1;
  counts.events["cam.searches"] += searches;
  counts.events["cam.rows_searched"] += rows_total;
  counts.events["cam.rows_written"] += n_new_keys;
  counts.events["adc.conversions"] += rows_total;
  counts.events["topk.comparisons"] += comparisons;
  if (row_.params().e_search_row_j > 0.0) {
    counts.sums["cam.search_energy_j"] += static_cast<double>(rows_total) * row_.params().e_search_row_j;
  }
}

void CamAttention::write_stats(io::ResultFile& file, const std::string& group) const {
  const auto nh = static_cast<size_t>(init_.n_heads);
  std::vector<double> mean(nh);
  for (size_t h = 0; h < nh; ++h) {
    mean[h] = attended_frac(static_cast<int>(h));
  }
  file.write(group + "/attended_frac", mean, {nh}, "1");
  file.write(group + "/n_queries", n_queries_, {nh}, "count");
  file.write(group + "/selected_pairs", selected_pairs_, {nh}, "count");
  file.write(group + "/visible_pairs", visible_pairs_, {nh}, "count");
  file.set_attr(group, "n_code_bits", static_cast<int64_t>(n_code_));
  file.set_attr(group, "k", static_cast<int64_t>(p_.k));
  file.set_attr(group, "k_first", static_cast<int64_t>(p_.k_first));
  file.set_attr(group, "n_tile_rows", static_cast<int64_t>(p_.n_tile_rows));
  file.set_attr(group, "n_adc_bits", static_cast<int64_t>(p_.n_adc_bits));
  file.set_attr(group, "n_window", static_cast<int64_t>(p_.n_window));
  file.set_attr(group, "score", p_.score);
  file.set_attr(group, "key_centred", static_cast<int64_t>(offset_.empty() ? 0 : 1));
  file.set_attr(group, "cam_card", p_.cam_card.empty() ? std::string("ideal") : p_.cam_card);
}

}  // namespace pimtx::arch
