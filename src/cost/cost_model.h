// Pricing: the counted work of every unit (an eval's OpCounts, or the analytic unit models) × the catalog's
// component models → energy per token by layer, unit and component; the schedule → latency per token and
// throughput; the placement → area. Written to /cost/ of a result file (docs/results-format.md).
//
// Contract: price() reads the work (per-token counts, latency and area per unit) and the catalog, mutates nothing.
// Every counted event or sum that no catalog component prices is listed in Report::unpriced (and in the file),
// never silently dropped. Energies in J per token, latency in s per token, area in m².
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cost/catalog.h"
#include "cost/unit_models.h"
#include "io/h5.h"

namespace pimtx::cost {

struct ComponentLine {
  std::string component;         // catalog component name
  std::string basis;             // where its figure came from
  std::vector<double> energy_j;  // per row (layers, then classifier), per token
  [[nodiscard]] double total() const;
};

struct UnitReport {
  std::string unit, kind, type;
  std::vector<ComponentLine> lines;
  std::vector<double> latency_s;
  std::vector<double> stage_s;
  std::map<std::string, double> detail;
  double area_m2 = 0.0;
  std::vector<std::string> notes;
  [[nodiscard]] double energy_j() const;
  [[nodiscard]] std::vector<double> energy_by_row_j() const;
};

struct Report {
  std::string catalog;
  int64_t context = 0;
  size_t n_rows = 0;  // n_layers + 1
  std::vector<UnitReport> units;
  std::vector<double> layer_latency_s;  // per row, from the layer schedule
  double latency_s = 0.0;               // per token (layers in sequence)
  double stage_s = 0.0;                 // slowest unit stage: the token interval when layers and units are pipelined
  double area_m2 = 0.0;                 // unit placements + fixed-instance components
  double fixed_area_m2 = 0.0;
  std::vector<std::string> unpriced;  // "unit:quantity" of counted events/sums no component prices
  [[nodiscard]] double energy_j() const;
  [[nodiscard]] std::map<std::string, double> energy_by_component_j() const;
  [[nodiscard]] double throughput_tokens_per_s() const { return stage_s > 0 ? 1.0 / stage_s : 0.0; }
};

// `work` holds per-token counts (scale eval totals by 1/n_tokens before) and the schedule of each unit.
Report price(const Catalog& catalog, const std::vector<UnitWork>& work, const ModelShape& shape, int64_t context);

// /cost/ group: energy_per_token_j, latency_per_token_s, throughput_tokens_per_s, area_m2, catalog (resolved
// text), units/<unit>/{energy_j (rows), latency_s (rows), area_m2, components/<component>_j (rows)},
// components/<component>/energy_per_token_j (+ attr basis), unpriced (strings), notes.
void write_report(io::ResultFile& f, const std::string& group, const Report& r, const Catalog& catalog);
// A few lines for the terminal (`pimtx cost`, `pimtx info`).
std::string summary(const Report& r);

// Per-token work of an eval: the engine's counts divided by the tokens processed, with the schedule of the same
// units. counts: (n_layers + 1) LayerCounts.
std::vector<UnitWork> eval_work(const std::vector<arch::LayerCounts>& counts, double n_tokens, const ArchSpec& arch);

}  // namespace pimtx::cost
