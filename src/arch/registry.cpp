// Explicit lists of the arch units selectable from the config (STYLE.md §2: no self-registration).
// To add a unit: one r.add("<name>", factory, example) line in the matching function below; the example (the
// unit's own [arch.<slot>] table) is what contract_test.cpp builds and exercises on stories260K.
#include "arch/attention/cam.h"
#include "arch/attention/dense.h"
#include "arch/attention/gain_cell.h"
#include "arch/attention/lsh.h"
#include "arch/kv_cache/cpq.h"
#include "arch/kv_cache/full.h"
#include "arch/kv_cache/gain_cell.h"
#include "arch/linear/crossbar.h"
#include "arch/linear/digital.h"

namespace pimtx::arch {

namespace {

LinearRegistry make_linear_registry() {
  LinearRegistry r("linear unit");
  r.add(
      "digital", [](core::Section& s, const LinearInit& i) { return std::make_unique<DigitalLinear>(s, i); },
      "type = \"digital\"\n");
  r.add(
      "crossbar", [](core::Section& s, const LinearInit& i) { return std::make_unique<CrossbarLinear>(s, i); },
      "type = \"crossbar\"\nn_tile_rows = 32\nn_tile_cols = 32\n"
      "[mapping]\nn_levels = 16\n[programming]\ntype = \"gaussian\"\ng_d2d_sigma_rel = 0.02\ng_c2c_sigma_rel = "
      "0.01\n[adc]\nn_bits = 8\n");
  return r;
}

AttentionRegistry make_attention_registry() {
  AttentionRegistry r("attention unit");
  r.add(
      "dense", [](core::Section& s, const AttentionInit& i) { return std::make_unique<DenseAttention>(s, i); },
      "type = \"dense\"\n");
  r.add(
      "lsh", [](core::Section& s, const AttentionInit& i) { return std::make_unique<LshAttention>(s, i); },
      "type = \"lsh\"\nn_bits = 3\nn_rounds = 2\nn_window = 4\nn_sink = 1\n"
      "[planes]\ntype = \"quantized\"\nn_weight_levels = 8\n");
  // Reads the voltages of the gain_cell kv cache (the contract test pairs the two).
  r.add(
      "gain_cell", [](core::Section& s, const AttentionInit& i) { return std::make_unique<GainCellAttention>(s, i); },
      "type = \"gain_cell\"\nscore_readout = \"adc\"\nn_adc_bits = 6\nn_window = 8\n");
  r.add(
      "cam", [](core::Section& s, const AttentionInit& i) { return std::make_unique<CamAttention>(s, i); },
      "type = \"cam\"\nn_bits = 32\nk = 4\nk_first = 4\nn_tile_rows = 8\n"
      "cam_card = \"data/devices/cam_row64.h5\"\nn_window = 2\n");
  return r;
}

KvCacheRegistry make_kv_cache_registry() {
  KvCacheRegistry r("kv_cache unit");
  r.add(
      "full", [](core::Section& s, const KvCacheInit& i) { return std::make_unique<FullKvCache>(s, i); },
      "type = \"full\"\n");
  r.add(
      "gain_cell", [](core::Section& s, const KvCacheInit& i) { return std::make_unique<GainCellKvCache>(s, i); },
      "type = \"gain_cell\"\nn_levels = 16\nt_refresh_s = 1e-6\nn_window = 8\n");
  r.add(
      "cpq", [](core::Section& s, const KvCacheInit& i) { return std::make_unique<CpqKvCache>(s, i); },
      "type = \"cpq\"\nn_bits_k = 3\nn_bits_v = 5\nn_group_k = 8\nthreshold_rel = 0.05\n");
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
