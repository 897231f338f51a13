// Experiment "cost" (`pimtx cost CONFIG` and `pimtx run` with experiment = "cost"): price a model shape without running
// tokens. The per-token counts of every unit come from the analytic unit models (src/cost/unit_models.h) for the shape
// in [model] (or the shape of the checkpoint named by model.checkpoint) and the units in [arch.*]; the catalog in
// [cost] prices them; the result file holds /cost/ exactly as an eval writes it, plus
// /cost/analytic_counts/<unit>/<quantity> (rows = layers, then the classifier).
#include <fmt/format.h>

#include <map>

#include "arch/model.h"
#include "cost/cost_config.h"
#include "experiments/experiment.h"

namespace pimtx::experiments {

namespace {

class CostExperiment final : public Experiment {
 public:
  CostExperiment(core::Section& root, uint64_t /*seed*/) {
    auto m = root.section("model");
    const std::string ckpt = m.has("checkpoint") ? m.get_path("checkpoint", "", true) : "";
    if (!ckpt.empty()) {
      const arch::ModelConfig c = arch::load_model(ckpt).config;
      shape_.family = c.family == arch::Family::llama ? "llama" : "gpt2";
      shape_.dim = c.dim;
      shape_.hidden_dim = c.hidden_dim;
      shape_.n_layers = c.n_layers;
      shape_.n_heads = c.n_heads;
      shape_.n_kv_heads = c.n_kv_heads;
      shape_.vocab_size = c.vocab_size;
      shape_.seq_len = c.seq_len;
    } else {
      shape_ = cost::ModelShape::from_config(m);
    }
    arch_ = cost::ArchSpec::from_section(root.section("arch"));
    auto cs = root.section("cost");
    settings_ = cost::CostSettings::from_config(cs);
    catalog_ = std::make_unique<cost::Catalog>(settings_.catalog_path, settings_.catalog_overrides);
    context_ = settings_.context > 0 ? settings_.context : shape_.seq_len;
  }

  std::string run(io::ResultFile& f) override {
    const auto work = cost::analytic_work(shape_, arch_, *catalog_, context_);
    const cost::Report rep = cost::price(*catalog_, work, shape_, context_);
    cost::write_report(f, "/cost", rep, *catalog_);
    f.set_attr("/cost", "counts", std::string("analytic (pimtx cost): unit models of the shape, one decode token"));
    for (const auto& w : work) {
      const std::string g = "/cost/analytic_counts/" + w.unit;
      std::map<std::string, std::vector<double>> cols;
      for (size_t r = 0; r < w.layers.size(); ++r) {
        const auto& c = w.layers[r];
        auto put = [&](const std::string& n, double v) {
          auto& col = cols[n];
          col.resize(w.layers.size(), 0.0);
          col[r] = v;
        };
        put("macs", static_cast<double>(c.macs));
        put("bytes_read", static_cast<double>(c.bytes_read));
        put("bytes_written", static_cast<double>(c.bytes_written));
        for (const auto& [n, v] : c.events) {
          put("events/" + n, static_cast<double>(v));
        }
        for (const auto& [n, v] : c.sums) {
          put("sums/" + n, v);
        }
      }
      for (const auto& [n, col] : cols) {
        f.write(g + "/" + n, std::span<const double>(col), {col.size()}, "1");
      }
    }
    f.create_group("/model");
    f.set_attr("/model", "family", shape_.family);
    for (const auto& [k, v] : std::vector<std::pair<const char*, int64_t>>{{"dim", shape_.dim},
                                                                           {"hidden_dim", shape_.hidden_dim},
                                                                           {"n_layers", shape_.n_layers},
                                                                           {"n_heads", shape_.n_heads},
                                                                           {"n_kv_heads", shape_.n_kv_heads},
                                                                           {"vocab_size", shape_.vocab_size},
                                                                           {"seq_len", shape_.seq_len}}) {
      f.set_attr("/model", k, v);
    }
    return cost::summary(rep);
  }

 private:
  cost::ModelShape shape_;
  cost::ArchSpec arch_;
  cost::CostSettings settings_;
  std::unique_ptr<cost::Catalog> catalog_;
  int64_t context_ = 0;
};

}  // namespace

std::unique_ptr<Experiment> make_cost_experiment(core::Section& root, uint64_t seed) {
  return std::make_unique<CostExperiment>(root, seed);
}

}  // namespace pimtx::experiments
