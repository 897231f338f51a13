#include "arch/attention/lsh_nn.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "core/rng.h"

namespace pimtx::arch::lsh {

HashShape nn_hash_shape(const NnSearchParams& p) { return HashShape{p.n_dim + (p.bias ? 1 : 0), p.n_bits, p.n_tables}; }

NnSearchResult nn_search(const PlaneSource& planes, const NnSearchParams& p, uint64_t seed) {
  const auto n = static_cast<size_t>(p.n_vectors);
  const auto d = static_cast<size_t>(p.n_dim);
  const auto nt = static_cast<size_t>(p.n_tables);
  // Vectors (n, d), N(0, 1).
  std::vector<double> x(n * d);
  core::Rng vr(seed, "lsh_nn.vectors");
  for (double& v : x) {
    v = vr.normal();
  }
  auto dist2 = [&](size_t i, size_t j) {
    double s = 0.0;
    for (size_t k = 0; k < d; ++k) {
      const double t = x[i * d + k] - x[j * d + k];
      s += t * t;
    }
    return s;
  };
  // Exact 10 nearest neighbours of each vector (brute force; ties broken by index).
  const size_t k_max = std::min<size_t>(10, n > 0 ? n - 1 : 0);
  std::vector<size_t> knn(n * k_max);
  {
    std::vector<std::pair<double, size_t>> all;
    all.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      all.clear();
      for (size_t j = 0; j < n; ++j) {
        if (j != i) {
          all.emplace_back(dist2(i, j), j);
        }
      }
      std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k_max), all.end());
      for (size_t k = 0; k < k_max; ++k) {
        knn[i * k_max + k] = all[k].second;
      }
    }
  }
  // Hash every vector into every table.
  const HashShape shape = nn_hash_shape(p);
  auto hasher = planes.make_hasher(0, 0);
  core::Rng noise(seed, "lsh_nn.noise");
  std::vector<float> xin(static_cast<size_t>(shape.n_dim), 1.0F);  // bias input stays 1
  std::vector<uint32_t> ids(nt);
  std::vector<uint32_t> bucket(n * nt);  // (n, n_tables)
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < d; ++k) {
      xin[k] = static_cast<float>(x[i * d + k]);
    }
    hasher->hash(xin, hasher->uses_noise() ? &noise : nullptr, ids);
    std::copy(ids.begin(), ids.end(), bucket.begin() + static_cast<std::ptrdiff_t>(i * nt));
  }
  // Buckets: table -> id -> members (in index order).
  std::vector<std::unordered_map<uint32_t, std::vector<size_t>>> tables(nt);
  for (size_t i = 0; i < n; ++i) {
    for (size_t t = 0; t < nt; ++t) {
      tables[t][bucket[i * nt + t]].push_back(i);
    }
  }
  const auto limit = static_cast<size_t>(p.max_bucket_size > 0 ? p.max_bucket_size : p.n_vectors / p.n_tables);
  NnSearchResult r;
  for (const auto& tb : tables) {
    for (const auto& [id, members] : tb) {
      ++r.n_buckets;
      r.n_buckets_skipped += members.size() > limit ? 1 : 0;
    }
  }
  size_t hit1 = 0, hit5 = 0, hit10 = 0, evals = 0;
  for (size_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    size_t best_j = n;
    for (size_t t = 0; t < nt; ++t) {
      const auto& members = tables[t].at(bucket[i * nt + t]);
      if (members.size() > limit) {
        continue;
      }
      for (size_t j : members) {
        if (j == i) {
          continue;
        }
        ++evals;
        const double dj = dist2(i, j);
        if (dj < best || (dj == best && j < best_j)) {
          best = dj;
          best_j = j;
        }
      }
    }
    if (best_j == n) {
      ++r.n_without_candidate;
      continue;
    }
    for (size_t k = 0; k < k_max; ++k) {
      if (knn[i * k_max + k] == best_j) {
        hit1 += k < 1 ? 1 : 0;
        hit5 += k < 5 ? 1 : 0;
        hit10 += 1;
        break;
      }
    }
  }
  const auto nd = static_cast<double>(std::max<size_t>(n, 1));
  r.top1_rel = static_cast<double>(hit1) / nd;
  r.top5_rel = static_cast<double>(hit5) / nd;
  r.top10_rel = static_cast<double>(hit10) / nd;
  r.mean_candidates = static_cast<double>(evals) / nd;
  return r;
}

}  // namespace pimtx::arch::lsh
