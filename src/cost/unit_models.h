// Analytic unit models: what each arch unit does per decode token at a given context, from the model shape and
// the unit's config alone (for `pimtx cost` and GPT-2-sized shapes), and how long it takes and how much area it
// needs on the hardware of a catalog (the schedule). Counts use the event names of common.md / op_counts.h, so
// the same catalog prices an eval's counted events and these.
//
// Contract: pure functions of (shape, arch spec, catalog, context). Counts are per token (one decode step with
// `context` keys in the cache, the new one included), rows = layers 0..n_layers-1 then the classifier.
// Unit types and the config keys they read (defaults in brackets) are listed in src/cost/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/op_counts.h"
#include "core/config.h"
#include "cost/catalog.h"

namespace pimtx::cost {

struct ModelShape {
  std::string family = "llama";  // "llama" (separate wq wk wv, SwiGLU) or "gpt2" (fused wqkv, GELU MLP)
  int64_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
  [[nodiscard]] int64_t head_dim() const { return dim / n_heads; }
  // [model] table: family, dim, hidden_dim, n_layers, n_heads, n_kv_heads (= n_heads), vocab_size, seq_len.
  static ModelShape from_config(core::Section& s);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const ModelShape&) const = default;
};

// One arch unit's config as resolved (type plus its numeric and boolean keys, and the crossbar roles list).
struct UnitSpec {
  std::string kind;  // linear, attention, kv_cache
  std::string type;
  std::map<std::string, double> num;       // numbers and booleans; sub-table keys as "mapping.n_slices"
  std::map<std::string, std::string> str;  // strings ("input", "mapping.type")
  std::vector<std::string> roles;
  [[nodiscard]] double get(const std::string& key, double def) const;
  [[nodiscard]] bool has(const std::string& key) const { return num.count(key) != 0; }
  [[nodiscard]] std::string get_str(const std::string& key, const std::string& def) const;
};

struct ArchSpec {
  UnitSpec linear, attention, kv_cache;
  // From an [arch] section (resolved config text of an eval, or a cost config); absent tables give the defaults
  // digital / dense / full.
  static ArchSpec from_section(core::Section arch);
};

// The work of one unit (a linear role, the attention or the KV cache) per token.
struct UnitWork {
  std::string unit;                      // "wq", ..., "classifier", "attention", "kv_cache"
  std::string kind;                      // linear, attention, kv_cache
  std::string type;                      // unit type (digital, crossbar, dense, lsh, gain_cell, cam, full, cpq)
  std::map<std::string, int> bits;       // config keys giving resolutions (n_adc_bits, ...)
  std::vector<arch::OpCounts> layers;    // (n_layers + 1) rows
  std::vector<double> latency_s;         // per row: time of this unit in one token's pass (schedule)
  std::vector<double> stage_s;           // per row: pipeline interval of this unit (= latency unless pipelined inside)
  std::map<std::string, double> detail;  // schedule details (e.g. cam stage times), written beside the unit
  double area_m2 = 0.0;                  // hardware this unit needs, all layers
  std::vector<std::string> notes;        // assumptions the schedule made
};

// Weight roles of the shape with their (in, out) and the unit type each runs on (crossbar roles from the spec).
struct Role {
  std::string name;
  int64_t in = 0, out = 0;
  std::string type;
};
std::vector<Role> roles_of(const ModelShape& shape, const UnitSpec& linear);

// Analytic per-token counts, latency and area of every unit.
std::vector<UnitWork> analytic_work(const ModelShape& shape, const ArchSpec& arch, const Catalog& catalog,
                                    int64_t context);
// Latency and area of every unit (the schedule) for counts obtained elsewhere (an eval): fills latency_s and
// area_m2 of `work` entries whose unit it knows, from the same formulas at `context`.
void schedule_work(std::vector<UnitWork>& work, const ModelShape& shape, const ArchSpec& arch, const Catalog& catalog,
                   int64_t context);

}  // namespace pimtx::cost
