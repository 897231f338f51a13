// Explicit lists of the arch units selectable from the config (STYLE.md §2: no self-registration).
// To add a unit: one r.add("<name>", ...) line in the matching function below.
#include "arch/attention/dense.h"
#include "arch/attention/gain_cell.h"
#include "arch/attention/lsh.h"
#include "arch/kv_cache/full.h"
#include "arch/kv_cache/gain_cell.h"
#include "arch/linear/crossbar.h"
#include "arch/linear/digital.h"

namespace pimtx::arch {

namespace {

LinearRegistry make_linear_registry() {
  LinearRegistry r("linear unit");
  r.add("digital", [](core::Section& s, const LinearInit& i) { return std::make_unique<DigitalLinear>(s, i); });
  r.add("crossbar", [](core::Section& s, const LinearInit& i) { return std::make_unique<CrossbarLinear>(s, i); });
  return r;
}

AttentionRegistry make_attention_registry() {
  AttentionRegistry r("attention unit");
  r.add("dense", [](core::Section& s, const AttentionInit& i) { return std::make_unique<DenseAttention>(s, i); });
  r.add("lsh", [](core::Section& s, const AttentionInit& i) { return std::make_unique<LshAttention>(s, i); });
  r.add("gain_cell",
        [](core::Section& s, const AttentionInit& i) { return std::make_unique<GainCellAttention>(s, i); });
  return r;
}

KvCacheRegistry make_kv_cache_registry() {
  KvCacheRegistry r("kv_cache unit");
  r.add("full", [](core::Section& s, const KvCacheInit& i) { return std::make_unique<FullKvCache>(s, i); });
  r.add("gain_cell", [](core::Section& s, const KvCacheInit& i) { return std::make_unique<GainCellKvCache>(s, i); });
  return r;
}

}  // namespace

const LinearRegistry& linear_registry() {
  static const LinearRegistry r = make_linear_registry();
  return r;
}

const AttentionRegistry& attention_registry() {
  static const AttentionRegistry r = make_attention_registry();
  return r;
}

const KvCacheRegistry& kv_cache_registry() {
  static const KvCacheRegistry r = make_kv_cache_registry();
  return r;
}

}  // namespace pimtx::arch
