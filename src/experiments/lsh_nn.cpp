// Experiment "lsh_nn": Cai et al.'s approximate nearest-neighbour search with LSH hash planes from any plane
// source (software Gaussian, an ideal crossbar, TiOx-card memristive tiles): arch/attention/lsh_nn.h has the
// protocol. One plane source per run (`source`), so a sweep compares sources as one of its axes.
//
// Config ([lsh_nn]; see experiments/lsh_nn/config.toml):
//   n_vectors, n_dim, n_bits, n_tables, bias, max_bucket_size   the protocol (defaults: Cai et al.'s)
//   source                       name of a table [lsh_nn.planes.<name>] (an LSH plane source: type = gaussian |
//                                quantized | memristive, ...); the other tables are validated too
// Writes /lsh_nn/{top1_rel, top5_rel, top10_rel, n_buckets, n_buckets_skipped, n_without_candidate,
// mean_candidates, hash_wall_s} and the source name and its resolved table (attribute).
#include "arch/attention/lsh_nn.h"

#include <fmt/format.h>

#include <chrono>

#include "core/errors.h"
#include "experiments/experiment.h"

namespace pimtx::experiments {

namespace {

class LshNnExperiment final : public Experiment {
 public:
  LshNnExperiment(core::Section& root, uint64_t seed) : seed_(seed) {
    core::Section c = root.section("lsh_nn");
    p_.n_vectors = static_cast<int>(c.get_int("n_vectors", p_.n_vectors, core::Range::closed(2, 1000000)));
    p_.n_dim = static_cast<int>(c.get_int("n_dim", p_.n_dim, core::Range::closed(1, 4096)));
    p_.n_bits = static_cast<int>(c.get_int("n_bits", p_.n_bits, core::Range::closed(0, arch::lsh::k_max_bits)));
    p_.n_tables = static_cast<int>(c.get_int("n_tables", p_.n_tables, core::Range::closed(1, 1024)));
    p_.bias = c.get_bool("bias", p_.bias);
    p_.max_bucket_size = c.get_int("max_bucket_size", 0, core::Range::non_negative());
    source_ = c.get_string("source", "software");
    core::Section planes = c.section("planes");
    if (!planes.section(source_).exists()) {
      c.fail("source", fmt::format("'{}' has no table [lsh_nn.planes.{}]; tables: {}", source_, source_,
                                   fmt::join(planes.keys(), ", ")));
    }
    // Every plane table is built (bad settings fail before anything runs); the selected one is kept.
    for (const auto& name : planes.keys()) {
      core::Config cc = planes.section(name).copy_to("planes");
      core::Section ps = cc.section("planes");
      try {
        auto src = arch::lsh::plane_source_registry().create(ps, "gaussian", seed_, arch::lsh::nn_hash_shape(p_));
        cc.check_unknown();
        if (name == source_) {
          source_text_ = planes.section(name).copy_to("").document_text();
          planes_ = std::move(src);
        }
      } catch (const ConfigError&) {
        rethrow_with_context<ConfigError>(fmt::format("in [lsh_nn.planes.{}]", name));
      }
    }
  }

  std::string run(io::ResultFile& f) override {
    const auto t0 = std::chrono::steady_clock::now();
    const arch::lsh::NnSearchResult r = arch::lsh::nn_search(*planes_, p_, seed_);
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string g = "/lsh_nn";
    f.write_scalar(g + "/top1_rel", r.top1_rel, "1");
    f.write_scalar(g + "/top5_rel", r.top5_rel, "1");
    f.write_scalar(g + "/top10_rel", r.top10_rel, "1");
    f.write_scalar(g + "/n_buckets", r.n_buckets, "count");
    f.write_scalar(g + "/n_buckets_skipped", r.n_buckets_skipped, "count");
    f.write_scalar(g + "/n_without_candidate", r.n_without_candidate, "count");
    f.write_scalar(g + "/mean_candidates", r.mean_candidates, "count");
    f.write_scalar(g + "/search_wall_s", wall_s, "s");
    f.write_string(g + "/source", source_);
    f.set_attr(g, "source_table", source_text_);
    return fmt::format(
        "lsh_nn: {} vectors of dim {}, {} bits x {} tables{}, planes '{}' (seed {})\n"
        "top-1 {:.4f}  top-5 {:.4f}  top-10 {:.4f}  (Cai et al. software: 0.8391 / 0.9975 / 0.9999)\n"
        "{} buckets ({} skipped), {:.1f} candidates per query, {} without candidate, {:.2f} s",
        p_.n_vectors, p_.n_dim, p_.n_bits, p_.n_tables, p_.bias ? " + bias" : "", source_, seed_, r.top1_rel,
        r.top5_rel, r.top10_rel, r.n_buckets, r.n_buckets_skipped, r.mean_candidates, r.n_without_candidate, wall_s);
  }

 private:
  uint64_t seed_;
  arch::lsh::NnSearchParams p_;
  std::string source_;
  std::string source_text_;
  std::unique_ptr<arch::lsh::PlaneSource> planes_;
};

}  // namespace

std::unique_ptr<Experiment> make_lsh_nn_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<LshNnExperiment>(root, seed);
}

}  // namespace pimtx::experiments
