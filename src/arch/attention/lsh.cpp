#include "arch/attention/lsh.h"

#include <cmath>
#include <limits>

#include "core/errors.h"
#include "io/h5.h"

namespace pimtx::arch {

LshAttention::LshAttention(core::Section& cfg, const AttentionInit& init) : init_(init) {
  p_ = lsh::LshParams::from_config(cfg);
  core::Section planes_cfg = cfg.section("planes");
  plane_type_ = planes_cfg.get_string("type", "gaussian");
  const lsh::HashShape shape{init.head_dim, p_.n_bits, p_.n_rounds};
  planes_ = lsh::plane_source_registry().create_named(plane_type_, planes_cfg, init.seed, shape);
  for (int h = 0; h < init.n_kv_heads; ++h) {
    hashers_.push_back(planes_->make_hasher(init.layer, h));
  }
  const auto nr = static_cast<size_t>(p_.n_rounds);
  key_ids_.assign(static_cast<size_t>(init.n_kv_heads),
                  std::vector<uint32_t>(static_cast<size_t>(init.max_seq_len) * nr, 0u));
  n_hashed_.assign(static_cast<size_t>(init.n_kv_heads), 0);
  const size_t per_layer = static_cast<size_t>(init.n_kv_heads) * static_cast<size_t>(init.head_dim);
  offset_ = lsh::layer_key_offset(cfg, p_.key_offset, init.n_layers, init.n_kv_heads, init.head_dim, init.layer);
  centred_.resize(static_cast<size_t>(init.head_dim));
  key_sum_.assign(per_layer, 0.0);
  n_keys_.assign(static_cast<size_t>(init.n_kv_heads), 0);
  const auto nh = static_cast<size_t>(init.n_heads);
  const size_t npos = nh * static_cast<size_t>(init.max_seq_len);
  frac_sum_.assign(nh, 0.0);
  frac_sum_beyond_.assign(nh, 0.0);
  frac_sum_pos_.assign(npos, 0.0);
  n_queries_.assign(nh, 0);
  n_queries_beyond_.assign(nh, 0);
  n_queries_pos_.assign(npos, 0);
  attended_pairs_.assign(nh, 0);
  visible_pairs_.assign(nh, 0);
}

void LshAttention::reset() { std::fill(n_hashed_.begin(), n_hashed_.end(), 0); }

std::span<const uint32_t> LshAttention::key_ids(int kv_head) const {
  const auto& ids = key_ids_[static_cast<size_t>(kv_head)];
  return {ids.data(), static_cast<size_t>(n_hashed_[static_cast<size_t>(kv_head)]) * static_cast<size_t>(p_.n_rounds)};
}

double LshAttention::attended_frac_beyond(int head) const {
  const auto h = static_cast<size_t>(head);
  return n_queries_beyond_[h] == 0 ? std::numeric_limits<double>::quiet_NaN()
                                   : frac_sum_beyond_[h] / static_cast<double>(n_queries_beyond_[h]);
}

double LshAttention::attended_frac(int head) const {
  const auto h = static_cast<size_t>(head);
  return n_queries_[h] == 0 ? std::numeric_limits<double>::quiet_NaN()
                            : frac_sum_[h] / static_cast<double>(n_queries_[h]);
}

std::vector<double> LshAttention::statistic(const std::string& name, int index) const {
  if (name == "attended_frac") {
    return {attended_frac(index)};
  }
  if (name == "attended_frac_beyond") {
    return {attended_frac_beyond(index)};
  }
  if (name == "key_mean") {
    return key_mean(index);
  }
  return {};
}

std::vector<double> LshAttention::key_mean(int kv_head) const {
  const auto h = static_cast<size_t>(kv_head);
  const auto hd = static_cast<size_t>(init_.head_dim);
  std::vector<double> m(hd, 0.0);
  for (size_t i = 0; i < hd && n_keys_[h] > 0; ++i) {
    m[i] = key_sum_[h * hd + i] / static_cast<double>(n_keys_[h]);
  }
  return m;
}

void LshAttention::hash_new_keys(const AttentionCall& call) {
  const auto h = static_cast<size_t>(call.kv_head);
  lsh::Hasher& hasher = *hashers_[h];
  const auto nr = static_cast<size_t>(p_.n_rounds);
  const auto& pos = call.kv.positions;
  const core::Rng base = core::Rng(init_.seed, "arch.attention.lsh.noise", static_cast<uint64_t>(init_.layer))
                             .child("kv_head", h)
                             .child("key");
  int64_t last = n_hashed_[h] - 1;
  for (size_t s = 0; s < pos.size(); ++s) {
    const int64_t j = pos[s];
    if (j < n_hashed_[h]) {
      continue;
    }
    if (j >= init_.max_seq_len) {
      throw NumericError(fmt::format("lsh attention: key position {} beyond max_seq_len {}", j, init_.max_seq_len));
    }
    std::span<uint32_t> out(key_ids_[h].data() + static_cast<size_t>(j) * nr, nr);
    const auto row = call.kv.keys.row(static_cast<Eigen::Index>(s));
    const auto hd = static_cast<size_t>(call.head_dim);
    std::span<const float> x(row.data(), hd);
    for (size_t i = 0; i < hd; ++i) {
      key_sum_[h * hd + i] += row(static_cast<Eigen::Index>(i));
    }
    n_keys_[h] += 1;
    if (!offset_.empty()) {
      for (size_t i = 0; i < hd; ++i) {
        centred_[i] = row(static_cast<Eigen::Index>(i)) - offset_[h * hd + i];
      }
      x = centred_;
    }
    if (hasher.uses_noise()) {
      core::Rng noise = base.child("pos", static_cast<uint64_t>(j));
      hasher.hash(x, &noise, out);
    } else {
      hasher.hash(x, nullptr, out);
    }
    last = std::max(last, j);
  }
  n_hashed_[h] = last + 1;
}

void LshAttention::forward(AttentionCall& call, OpCounts& counts) {
  hash_new_keys(call);
  const int64_t n_new = call.q.rows();
  const int hd = call.head_dim;
  const auto nr = static_cast<size_t>(p_.n_rounds);
  const auto h = static_cast<size_t>(call.kv_head);
  lsh::Hasher& hasher = *hashers_[h];
  q_ids_.resize(static_cast<size_t>(n_new) * nr);
  n_att_.resize(static_cast<size_t>(n_new));
  n_vis_.resize(static_cast<size_t>(n_new));
  int64_t pairs = 0;
  for (int j = 0; j < call.group; ++j) {
    const int qh = call.kv_head * call.group + j;
    // Hash this query head's queries with the kv head's planes.
    const core::Rng base = core::Rng(init_.seed, "arch.attention.lsh.noise", static_cast<uint64_t>(init_.layer))
                               .child("kv_head", h)
                               .child("query_head", static_cast<uint64_t>(qh));
    for (int64_t t = 0; t < n_new; ++t) {
      const auto row = call.q.row(t).segment(j * hd, hd);
      std::span<const float> x(row.data(), static_cast<size_t>(hd));
      std::span<uint32_t> out(q_ids_.data() + static_cast<size_t>(t) * nr, nr);
      if (hasher.uses_noise()) {
        core::Rng noise = base.child("pos", static_cast<uint64_t>(call.q_pos0 + t));
        hasher.hash(x, &noise, out);
      } else {
        hasher.hash(x, nullptr, out);
      }
    }
    lsh::HeadInputs in{call.q.middleCols(j * hd, hd),
                       call.q_pos0,
                       call.scale,
                       &call.kv,
                       q_ids_,
                       key_ids_[h],
                       p_.n_rounds,
                       p_.n_window,
                       p_.n_sink};
    lsh::lsh_attention_head(in, call.out.middleCols(j * hd, hd), scores_, n_att_, n_vis_);
    // Statistics: attended fraction of the causal keys, per query head and position.
    const auto qhs = static_cast<size_t>(qh);
    for (int64_t t = 0; t < n_new; ++t) {
      const int64_t p = call.q_pos0 + t;
      const double frac =
          static_cast<double>(n_att_[static_cast<size_t>(t)]) / static_cast<double>(n_vis_[static_cast<size_t>(t)]);
      frac_sum_[qhs] += frac;
      n_queries_[qhs] += 1;
      if (p >= p_.n_sparsity_skip_pos) {
        frac_sum_beyond_[qhs] += frac;
        n_queries_beyond_[qhs] += 1;
      }
      if (p < init_.max_seq_len) {
        const size_t k = qhs * static_cast<size_t>(init_.max_seq_len) + static_cast<size_t>(p);
        frac_sum_pos_[k] += frac;
        n_queries_pos_[k] += 1;
      }
      attended_pairs_[qhs] += n_att_[static_cast<size_t>(t)];
      visible_pairs_[qhs] += n_vis_[static_cast<size_t>(t)];
      pairs += n_att_[static_cast<size_t>(t)];
    }
  }
  // In memory, only attended pairs cost q.k and p.v (head_dim MACs each); hashing costs
  // n_bits * n_rounds * head_dim MACs per query (group of them) and per new key.
  const int64_t n_new_keys = n_new;  // the engine appends n_new keys per call
  const int64_t hash_macs = static_cast<int64_t>(p_.n_bits) * p_.n_rounds * hd * (n_new * call.group + n_new_keys);
  counts.macs += 2 * pairs * hd + hash_macs;
  counts.kv_entries_read += pairs;
  counts.bytes_read += 4 * (2 * pairs * hd + n_new * call.group * hd);
  counts.bytes_written += 4 * n_new * call.group * hd;
  counts.calls += 1;
}

void LshAttention::write_stats(io::ResultFile& file, const std::string& group) const {
  const auto nh = static_cast<size_t>(init_.n_heads);
  const auto ns = static_cast<size_t>(init_.max_seq_len);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> mean(nh), mean_beyond(nh), by_pos(nh * ns);
  for (size_t h = 0; h < nh; ++h) {
    mean[h] = n_queries_[h] ? frac_sum_[h] / static_cast<double>(n_queries_[h]) : nan;
    mean_beyond[h] = n_queries_beyond_[h] ? frac_sum_beyond_[h] / static_cast<double>(n_queries_beyond_[h]) : nan;
  }
  for (size_t k = 0; k < nh * ns; ++k) {
    by_pos[k] = n_queries_pos_[k] ? frac_sum_pos_[k] / static_cast<double>(n_queries_pos_[k]) : nan;
  }
  file.write(group + "/attended_frac", mean, {nh}, "1");
  file.write(group + "/attended_frac_beyond", mean_beyond, {nh}, "1");
  file.write(group + "/attended_frac_by_pos", by_pos, {nh, ns}, "1");
  file.write(group + "/n_queries", n_queries_, {nh}, "count");
  file.write(group + "/n_queries_beyond", n_queries_beyond_, {nh}, "count");
  file.write(group + "/attended_pairs", attended_pairs_, {nh}, "count");
  file.write(group + "/visible_pairs", visible_pairs_, {nh}, "count");
  file.set_attr(group, "n_bits", static_cast<int64_t>(p_.n_bits));
  file.set_attr(group, "n_rounds", static_cast<int64_t>(p_.n_rounds));
  file.set_attr(group, "n_window", static_cast<int64_t>(p_.n_window));
  file.set_attr(group, "n_sink", static_cast<int64_t>(p_.n_sink));
  file.set_attr(group, "key_centred", static_cast<int64_t>(offset_.empty() ? 0 : 1));
  file.set_attr(group, "n_sparsity_skip_pos", static_cast<int64_t>(p_.n_sparsity_skip_pos));
  file.set_attr(group, "planes", plane_type_);
}

}  // namespace pimtx::arch
