// Pricing: a parameter changed in data/costs moves the totals in the expected direction and proportion; nothing
// counted goes unpriced silently; eval totals are priced per token.
#include "cost/cost_model.h"

#include <catch2/catch.hpp>

#include "core/errors.h"

using namespace pimtx;
using Catch::Matchers::Contains;

namespace {

const char* k_default = "data/costs/pimtx_default.toml";

cost::ModelShape small_gpt2() {
  cost::ModelShape m;
  m.family = "gpt2";
  m.dim = 256;
  m.hidden_dim = 1024;
  m.n_layers = 2;
  m.n_heads = 4;
  m.n_kv_heads = 4;
  m.vocab_size = 512;
  m.seq_len = 256;
  return m;
}

cost::ArchSpec crossbar_arch() {
  core::Config cfg = core::Config::from_string(
      "[arch.linear]\ntype='crossbar'\nn_adc_bits=8\nn_tile_rows=128\nn_tile_cols=128\n[arch.attention]\ntype='dense'");
  return cost::ArchSpec::from_section(cfg.section("arch"));
}

cost::Report run(const std::vector<std::string>& overrides, const cost::ArchSpec& arch = crossbar_arch()) {
  cost::Catalog cat(k_default, overrides);
  const auto m = small_gpt2();
  return cost::price(cat, cost::analytic_work(m, arch, cat, 128), m, 128);
}

double component(const cost::Report& r, const std::string& name) {
  const auto m = r.energy_by_component_j();
  auto it = m.find(name);
  return it == m.end() ? 0.0 : it->second;
}

}  // namespace

TEST_CASE("a doubled ADC figure of merit doubles the ADC energy and adds exactly that to the total", "[cost]") {
  const auto base = run({});
  const auto twice = run({"components.xbar_adc.fom_j_per_step=22.8e-15"});
  REQUIRE(component(base, "xbar_adc") > 0);
  // Same counts, energy linear in the FOM: 2x to rounding.
  CHECK(component(twice, "xbar_adc") == Approx(2 * component(base, "xbar_adc")).epsilon(1e-12));
  CHECK(twice.energy_j() - base.energy_j() == Approx(component(base, "xbar_adc")).epsilon(1e-9));
  CHECK(component(twice, "xbar_read") == component(base, "xbar_read"));
  // The ADC resolution comes from the unit's config: 6 bits is 4x cheaper per conversion than 8.
  core::Config six = core::Config::from_string("[arch.linear]\ntype='crossbar'\nn_adc_bits=6");
  CHECK(component(run({}, cost::ArchSpec::from_section(six.section("arch"))), "xbar_adc") ==
        Approx(component(base, "xbar_adc") / 4).epsilon(1e-12));
}

TEST_CASE("read time scales the resistive read energy, not the line charging, it lengthens the schedule", "[cost]") {
  const auto base = run({});
  const auto slow = run({"components.xbar_read.t_read_s=58.62e-9"});
  const auto no_line = run({"components.xbar_read.c_wire_segment_f=0"});
  const double resistive = component(no_line, "xbar_read");
  const double line = component(base, "xbar_read") - resistive;
  REQUIRE(resistive > 0);
  REQUIRE(line > 0);
  CHECK(component(slow, "xbar_read") == Approx(2 * resistive + line).epsilon(1e-12));
  CHECK(slow.latency_s > base.latency_s);
  // Each crossbar role reads once per token (one input cycle): its latency grows by exactly 29.31 ns.
  for (size_t i = 0; i < base.units.size(); ++i) {
    if (base.units[i].type == "crossbar") {
      CHECK(slow.units[i].latency_s[0] - base.units[i].latency_s[0] == Approx(29.31e-9).epsilon(1e-9));
    }
  }
}

TEST_CASE("memory energy per byte scales the digital units' memory share in proportion", "[cost]") {
  core::Config dig = core::Config::from_string("[arch.linear]\ntype='digital'");
  const auto a = cost::ArchSpec::from_section(dig.section("arch"));
  const auto base = run({}, a);
  const auto half = run({"components.weight_memory.e_per_byte_j=15.6e-12"}, a);
  CHECK(component(half, "weight_memory") == Approx(component(base, "weight_memory") / 2).epsilon(1e-12));
  CHECK(half.energy_j() < base.energy_j());
  // Area: the MAC pool is a fixed-instance component: doubling its instances adds its area once more.
  const auto more = run({"components.digital_mac.n_instances=512"}, a);
  CHECK(more.area_m2 - base.area_m2 == Approx(256 * 2879.6e-12).epsilon(1e-9));
}

TEST_CASE("counted events no catalog component prices are reported, not dropped", "[cost]") {
  cost::Catalog cat(k_default);
  const auto m = small_gpt2();
  core::Config cfg = core::Config::from_string("");
  auto work = cost::analytic_work(m, cost::ArchSpec::from_section(cfg.section("arch")), cat, 16);
  work[0].layers[0].events["foo.widgets"] = 3;
  const auto rep = cost::price(cat, work, m, 16);
  REQUIRE(rep.unpriced.size() == 1);
  CHECK_THAT(rep.unpriced[0], Contains("foo.widgets"));
  CHECK_THAT(cost::summary(rep), Contains("foo.widgets"));
}

TEST_CASE("eval totals are priced per token", "[cost]") {
  cost::Catalog cat(k_default);
  const auto m = small_gpt2();
  core::Config cfg = core::Config::from_string("");
  const auto arch = cost::ArchSpec::from_section(cfg.section("arch"));
  std::vector<arch::LayerCounts> counts(static_cast<size_t>(m.n_layers + 1));
  for (size_t r = 0; r + 1 < counts.size(); ++r) {
    counts[r].attention.macs = 1000 * 10;  // 10 tokens
    counts[r].attention.kv_entries_read = 40 * 10;
    counts[r].linear_roles["wo"].macs = m.dim * m.dim * 10;
  }
  auto work = cost::eval_work(counts, 10.0, arch);
  const auto rep = cost::price(cat, work, m, 16);
  const double e_mac = cat.component("digital_mac").energy_j();
  const double e_exp = cat.component("softmax_exp").energy_j();
  double att = 0.0;
  for (const auto& u : rep.units) {
    if (u.unit == "attention") {
      att = u.energy_j();
    }
  }
  CHECK(att == Approx(2 * (1000 * e_mac + 40 * e_exp)).epsilon(1e-12));
  CHECK_THROWS_AS(cost::eval_work(counts, 0.0, arch), NumericError);
}

TEST_CASE("catalog errors name the file, key and value", "[cost]") {
  CHECK_THROWS_WITH(cost::Catalog(k_default, {"components.xbar_adc.prices=['linear']"}), Contains("prices"));
  CHECK_THROWS_WITH(cost::Catalog(k_default, {"components.xbar_adc.fom_j_per_step=-1"}), Contains("fom_j_per_step"));
  CHECK_THROWS_AS(cost::Catalog("data/costs/no_such.toml"), ConfigError);
  CHECK_THROWS_WITH(cost::Catalog(k_default, {"schedule.n_mac_unit=3", "schedule.n_mac_unit_source='x'"}),
                    Contains("n_mac_unit"));
}
