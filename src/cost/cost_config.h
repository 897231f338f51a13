// The [cost] table shared by `pimtx eval` (every eval writes /cost/) and `pimtx cost` / experiment "cost":
//   catalog   path of a cost catalog (default: data/costs/pimtx_default.toml of the source tree)
//   context   keys in the cache for the schedule and the analytic counts (default: eval's mean; cost: seq_len)
//   set       ["components.xbar_adc.fom_j_per_step=20e-15", ...] overrides applied to the catalog
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "arch/op_counts.h"
#include "core/config.h"
#include "cost/cost_model.h"

namespace pimtx::cost {

struct CostSettings {
  std::string catalog_path;
  int64_t context = 0;  // 0 = default of the caller
  std::vector<std::string> catalog_overrides;
  static CostSettings from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const CostSettings&) const = default;
};

// The default catalog: data/costs/pimtx_default.toml under the working directory when present, else under the
// source tree the binary was built from.
std::string default_catalog_path();

// Price an eval: counts (n_layers + 1 rows, totals over the run), tokens processed, the resolved [arch] spec.
// The totals are priced and the energies divided by n_tokens, so one-time work (programming) is amortised.
Report price_eval(const Catalog& catalog, const std::vector<arch::LayerCounts>& counts, double n_tokens,
                  const ModelShape& shape, const ArchSpec& arch, int64_t context);

// `pimtx info`: the /cost/ summary of a result file (nothing when it has none).
void print_summary(const std::filesystem::path& file, std::ostream& os);

}  // namespace pimtx::cost
