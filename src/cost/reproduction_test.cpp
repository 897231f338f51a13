// Reproductions of published PIM-attention figures from components (experiments/cost_reproductions/README.md):
// each listed figure within 15 % (the acceptance bound; CAMformer itself states ±15 % for its technology
// scaling). The per-component energies come from data/costs/<paper>.toml, the event counts and the schedule from
// pimtx's unit models for the paper's shape, so a wrong count, multiplicity or schedule step fails here.
#include <catch2/catch.hpp>

#include "cost/cost_config.h"

using namespace pimtx;

namespace {

struct Priced {
  cost::Report rep;
  std::unique_ptr<cost::Catalog> cat;
  const cost::UnitReport& unit(const std::string& name) const {
    for (const auto& u : rep.units) {
      if (u.unit == name) {
        return u;
      }
    }
    FAIL("no unit " << name);
    return rep.units.front();
  }
  double line(const std::string& unit_name, const std::string& comp, size_t row = 0) const {
    for (const auto& l : unit(unit_name).lines) {
      if (l.component == comp) {
        return l.energy_j.at(row);
      }
    }
    return 0.0;
  }
};

Priced price_config(const std::string& path) {
  core::Config cfg = core::Config::from_file(path);
  auto root = cfg.root();
  root.get_string("experiment", "cost");
  auto m = root.section("model");
  const auto shape = cost::ModelShape::from_config(m);
  const auto arch = cost::ArchSpec::from_section(root.section("arch"));
  auto cs = root.section("cost");
  const auto settings = cost::CostSettings::from_config(cs);
  Priced p;
  p.cat = std::make_unique<cost::Catalog>(settings.catalog_path, settings.catalog_overrides);
  p.rep = cost::price(*p.cat, cost::analytic_work(shape, arch, *p.cat, settings.context), shape, settings.context);
  return p;
}

constexpr double k_tol = 0.15;  // the acceptance bound

}  // namespace

TEST_CASE("Leroux et al. GPT-2 gain-cell attention: per-head blocks, 73.8 nJ and 65 ns per token", "[cost]") {
  const auto p = price_config("experiments/cost_reproductions/leroux_gpt2.toml");
  const double heads = 12;
  // Per head per token, layer 0 (each layer is the same).
  CHECK(p.line("attention", "qk_arrays") / heads == Approx(1.12e-9).epsilon(k_tol));
  CHECK(p.line("attention", "sv_arrays") / heads == Approx(0.70e-9).epsilon(k_tol));
  CHECK(p.line("attention", "digital_add") / heads == Approx(4.0e-9).epsilon(k_tol));
  CHECK(p.line("kv_cache", "kv_dac") / heads == Approx(0.33e-9).epsilon(k_tol));
  // Per token for the 12 heads of one attention layer.
  const double per_layer = p.unit("attention").energy_by_row_j()[0] + p.unit("kv_cache").energy_by_row_j()[0];
  CHECK(per_layer == Approx(73.8e-9).epsilon(k_tol));
  CHECK(p.unit("attention").latency_s[0] == Approx(65e-9).epsilon(k_tol));
}

TEST_CASE("CAMformer N=1024, d=64, 16 heads, k=32: 721 cycles, 54.92 nJ, 191.13 att/ms, 0.258 mm2", "[cost]") {
  const auto p = price_config("experiments/cost_reproductions/camformer.toml");
  const auto& att = p.unit("attention");
  CHECK(att.detail.at("cam.attention_latency_s") * 1e9 == Approx(721).epsilon(k_tol));
  CHECK(att.energy_j() / 16 == Approx(54.92e-9).epsilon(k_tol));
  CHECK(1e-3 / att.stage_s[0] == Approx(191.13).epsilon(k_tol));  // 16 heads in sequence on one core
  CHECK(p.rep.fixed_area_m2 * 1e6 == Approx(0.258414).epsilon(k_tol));
}

TEST_CASE("the same shapes with pimtx's own catalog price the gain cell from its card", "[cost]") {
  const auto p = price_config("experiments/cost_reproductions/leroux_gpt2_pimtx_cards.toml");
  bool from_card = false;
  for (const auto& l : p.unit("attention").lines) {
    if (l.component == "gain_cell_read") {
      from_card = l.basis.find("si_3t_gaincell.h5") != std::string::npos;
      CHECK(l.energy_j[0] > 0);
    }
  }
  CHECK(from_card);
  CHECK(p.unit("attention").latency_s[0] > 0);
  const auto c = price_config("experiments/cost_reproductions/camformer_pimtx_cards.toml");
  CHECK(c.unit("attention").energy_j() > 0);
  CHECK(c.rep.unpriced.empty());
  CHECK(p.rep.unpriced.empty());
}
