// The analytic unit models count what the engine counts: for the exact units (digital, dense, full) one decode
// token of stories260K at a given context gives the same per-layer counts from the shape as from the engine.
// And every registered component model builds from the shipped catalogs with non-negative figures and a basis.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "arch/model.h"
#include "arch/transformer.h"
#include "cost/cost_model.h"

using namespace pimtx;

TEST_CASE("analytic counts of digital / dense / full equal the engine's counts for one decode token", "[cost]") {
  const arch::Model model = arch::load_model("data/models/stories260K.bin");
  core::Config cfg;
  arch::Transformer e(model, cfg.section("arch"), 1);
  const int64_t context = 40;
  std::vector<int> prompt(static_cast<size_t>(context - 1));
  for (size_t i = 0; i < prompt.size(); ++i) {
    prompt[i] = static_cast<int>(3 + (i * 37) % 500);
  }
  e.forward(prompt);
  e.clear_counts();
  const std::vector<int> one = {77};
  e.forward(one);
  const auto& c = model.config;
  cost::ModelShape shape;
  shape.family = "llama";
  shape.dim = c.dim;
  shape.hidden_dim = c.hidden_dim;
  shape.n_layers = c.n_layers;
  shape.n_heads = c.n_heads;
  shape.n_kv_heads = c.n_kv_heads;
  shape.vocab_size = c.vocab_size;
  shape.seq_len = c.seq_len;
  cost::Catalog cat("data/costs/pimtx_default.toml");
  core::Config empty;
  const auto work = cost::analytic_work(shape, cost::ArchSpec::from_section(empty.section("arch")), cat, context);
  auto same = [](const arch::OpCounts& a, const arch::OpCounts& b) {
    CHECK(a.macs == b.macs);
    CHECK(a.bytes_read == b.bytes_read);
    CHECK(a.bytes_written == b.bytes_written);
    CHECK(a.kv_entries_stored == b.kv_entries_stored);
    CHECK(a.kv_entries_read == b.kv_entries_read);
    CHECK(a.calls == b.calls);
  };
  const auto& counted = e.counts();
  for (const auto& w : work) {
    INFO("unit " << w.unit);
    for (size_t r = 0; r < counted.size(); ++r) {
      INFO("row " << r);
      if (w.unit == "attention") {
        if (r + 1 < counted.size()) {
          same(w.layers[r], counted[r].attention);
        }
      } else if (w.unit == "kv_cache") {
        if (r + 1 < counted.size()) {
          same(w.layers[r], counted[r].kv_cache);
        }
      } else {
        const auto it = counted[r].linear_roles.find(w.unit);
        same(w.layers[r], it != counted[r].linear_roles.end() ? it->second : arch::OpCounts{});
      }
    }
  }
}

TEST_CASE("analytic counts of the crossbar unit's events equal the unit's own for one decode token", "[cost]") {
  const arch::Model model = arch::load_model("data/models/stories260K.bin");
  for (const char* extra : {"",
                            "input = 'bit_serial'\nn_dac_bits = 4\nn_cols_per_adc = 4\n[arch.linear.mapping]\ntype = "
                            "'offset'\nn_levels = 4\nn_slices = 2\n"}) {
    INFO("config extra: " << extra);
    core::Config cfg = core::Config::from_string(
        std::string("[arch.linear]\ntype = 'crossbar'\nn_tile_rows = 32\nn_tile_cols = 48\ndac_x_max = 4.0\n") + extra +
        "\n[arch.linear.adc]\ntype = 'uniform'\nn_bits = 8\nv_range_v = 1.0\n");
    arch::Transformer e(model, cfg.section("arch"), 1);
    std::vector<int> prompt = {1, 403, 407, 261, 378};
    e.forward(prompt);
    e.clear_counts();
    const std::vector<int> one = {77};
    e.forward(one);
    const auto& c = model.config;
    cost::ModelShape shape;
    shape.dim = c.dim;
    shape.hidden_dim = c.hidden_dim;
    shape.n_layers = c.n_layers;
    shape.n_heads = c.n_heads;
    shape.n_kv_heads = c.n_kv_heads;
    shape.vocab_size = c.vocab_size;
    shape.seq_len = c.seq_len;
    cost::Catalog cat("data/costs/pimtx_default.toml");
    const auto work = cost::analytic_work(shape, cost::ArchSpec::from_section(cfg.section("arch")), cat, 6);
    for (const auto& w : work) {
      if (w.type != "crossbar") {
        continue;
      }
      INFO("role " << w.unit);
      const auto& counted = e.counts()[0].linear_roles.at(w.unit);
      for (const char* ev :
           {"xbar.array_reads", "xbar.cells_read", "dac.conversions", "adc.conversions", "digital.adds"}) {
        INFO(ev);
        CHECK(w.layers[0].events.at(ev) == counted.events.at(ev));
      }
      CHECK(w.layers[0].macs == counted.macs);
    }
  }
}

TEST_CASE("every registered component model builds from the shipped catalogs", "[cost]") {
  std::set<std::string> types;
  for (const auto& entry : std::filesystem::directory_iterator("data/costs")) {
    INFO(entry.path());
    cost::Catalog cat(entry.path());
    for (const auto& e : cat.entries()) {
      const auto& comp = cat.component(e.name);
      CHECK(comp.energy_j() >= 0);
      CHECK(comp.time_s() >= 0);
      CHECK(comp.area_m2() >= 0);
      CHECK_FALSE(comp.basis().empty());
      types.insert(e.type);
    }
  }
  // adc_flash and adc_sar are the alternatives to the Walden ADC; component_test.cpp builds them directly.
  for (const auto& name : cost::component_registry().names()) {
    if (name != "adc_flash" && name != "adc_sar") {
      CHECK(types.count(name) == 1);
    }
  }
}
