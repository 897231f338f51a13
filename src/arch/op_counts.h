// Operation counts recorded by the pluggable operators, per layer, for the cost model.
//
// Contract: every unit adds what it did to the OpCounts it is handed (never resets it). The engine keeps
// one LayerCounts per transformer layer plus one for the classifier ("head") and writes them to HDF5 as
// /<group>/op_counts/<kind>/<field> arrays of shape (n_layers + 1) (last row = head). Definitions:
//   macs              multiply-accumulates (a*b+c counts 1)
//   bytes_read        operand bytes the unit fetched from memory (weights, cached K/V, activations)
//   bytes_written     result bytes the unit stored (outputs, cache writes)
//   kv_entries_stored (token, kv head) key+value vector pairs written into the KV cache
//   kv_entries_read   (query head, key position) pairs scored by attention (dense: all causal pairs)
//   calls             number of operator invocations
//   events            hardware events of in-memory units by name, for the cost model to price, e.g.
//                     "xbar.array_reads", "xbar.cells_read", "dac.conversions", "adc.conversions",
//                     "xbar.program_pulses", "gain_cell.writes", "cam.searches" (documented by each unit in
//                     its header and in docs/results-format.md); written to /<group>/op_counts/<kind>/events/<name>.
//   sums              physical quantities summed over events, unit in the name, e.g. "xbar.read_power_w" (sum over
//                     array reads of the solved sum of V*I; the cost model multiplies by the read time),
//                     written as float64 to /<group>/op_counts/<kind>/sums/<name>.
// float32 everywhere in the exact units, so activations count 4 bytes per element.
// LayerCounts::linear_roles splits the linear counts by weight role (wq, wk, ..., classifier) and is written
// to /<group>/op_counts/linear_roles/<role>/<field> with the same rows.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace pimtx::arch {

struct OpCounts {
  int64_t macs = 0;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t kv_entries_stored = 0;
  int64_t kv_entries_read = 0;
  int64_t calls = 0;
  std::map<std::string, int64_t> events;  // hardware events by name (see above); empty for exact units
  std::map<std::string, double> sums;     // summed physical quantities by name (unit in the name)

  OpCounts& operator+=(const OpCounts& o) {
    macs += o.macs;
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    kv_entries_stored += o.kv_entries_stored;
    kv_entries_read += o.kv_entries_read;
    calls += o.calls;
    for (const auto& [name, n] : o.events) {
      events[name] += n;
    }
    for (const auto& [name, x] : o.sums) {
      sums[name] += x;
    }
    return *this;
  }
};

// Counts of one layer, split by operator kind.
struct LayerCounts {
  OpCounts linear;
  OpCounts attention;
  OpCounts kv_cache;
  std::map<std::string, OpCounts> linear_roles;  // the linear counts split by weight role
};

}  // namespace pimtx::arch
