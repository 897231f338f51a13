#include "cost/cost_config.h"

#include <fmt/format.h>

#include <ostream>

#include "core/errors.h"
#include "io/h5.h"

#ifndef PIMTX_SOURCE_DATA_DIR
#define PIMTX_SOURCE_DATA_DIR "data"
#endif

namespace pimtx::cost {

std::string default_catalog_path() {
  const std::filesystem::path local = "data/costs/pimtx_default.toml";
  if (std::filesystem::exists(local)) {
    return local.string();
  }
  return (std::filesystem::path(PIMTX_SOURCE_DATA_DIR) / "costs" / "pimtx_default.toml").string();
}

CostSettings CostSettings::from_config(core::Section& s) {
  CostSettings c;
  c.catalog_path = s.has("catalog") ? s.get_path("catalog", "", true) : "";
  if (c.catalog_path.empty()) {
    c.catalog_path = default_catalog_path();
  }
  c.context = s.get_int("context", 0, core::Range::non_negative());
  c.catalog_overrides = s.get_string_array("set", {});
  return c;
}

void CostSettings::to_config(core::Section& s) const {
  s.set_string("catalog", catalog_path);
  s.set_int("context", context);
  s.set_string_array("set", catalog_overrides);
}

Report price_eval(const Catalog& catalog, const std::vector<arch::LayerCounts>& counts, double n_tokens,
                  const ModelShape& shape, const ArchSpec& arch, int64_t context) {
  // Price the run's totals, then divide the energies by the tokens: exact for events rarer than one per token
  // (one-time programming pulses are amortised over the evaluated tokens this way).
  if (!(n_tokens > 0)) {
    throw NumericError("cost: no tokens processed, nothing to price per token");
  }
  std::vector<UnitWork> work = eval_work(counts, 1.0, arch);
  schedule_work(work, shape, arch, catalog, context);
  Report rep = price(catalog, work, shape, context);
  for (auto& u : rep.units) {
    for (auto& l : u.lines) {
      for (double& e : l.energy_j) {
        e /= n_tokens;
      }
    }
  }
  return rep;
}

void print_summary(const std::filesystem::path& file, std::ostream& os) {
  io::ResultReader r(file);
  if (!r.exists("/cost/energy_per_token_j")) {
    return;
  }
  auto scalar = [&](const std::string& p) { return r.read_doubles(p).at(0); };
  os << fmt::format("cost [{}]: {:.4g} J/token, latency {:.4g} s/token, {:.4g} tokens/s, area {:.4g} mm2\n",
                    r.attr_string("/cost", "catalog"), scalar("/cost/energy_per_token_j"),
                    scalar("/cost/latency_per_token_s"), scalar("/cost/throughput_tokens_per_s"),
                    scalar("/cost/area_m2") * 1e6);
  for (const auto& u : r.children("/cost/units")) {
    double e = 0.0;
    for (double x : r.read_doubles("/cost/units/" + u + "/energy_j")) {
      e += x;
    }
    os << fmt::format("  {:<11} {:<10} {:.4g} J/token\n", u, r.attr_string("/cost/units/" + u, "type"), e);
  }
  if (r.exists("/cost/unpriced")) {
    for (const auto& q : r.read_strings("/cost/unpriced")) {
      os << "  warning: unpriced " << q << "\n";
    }
  }
}

}  // namespace pimtx::cost
