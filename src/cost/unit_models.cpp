// Analytic unit models and the schedule (see unit_models.h; formulas and their sources in src/cost/README.md).
#include "cost/unit_models.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "xbar/registry.h"
#include "xbar/signed_encoding.h"

namespace pimtx::cost {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
double log2_ceil(int64_t n) { return n <= 1 ? 0.0 : std::ceil(std::log2(static_cast<double>(n))); }

// Time / area of a named catalog component, 0 (with a note) when the catalog does not have it.
struct Lookup {
  const Catalog& cat;
  std::vector<std::string>* notes;
  [[nodiscard]] const Component* get(const std::string& name, int bits = 0) const {
    if (!cat.has(name)) {
      const std::string n = fmt::format("catalog has no component '{}': its time and area count 0", name);
      if (std::find(notes->begin(), notes->end(), n) == notes->end()) {
        notes->push_back(n);
      }
      return nullptr;
    }
    return &cat.component(name, bits);
  }
  [[nodiscard]] double t(const std::string& name, int bits = 0) const {
    const Component* c = get(name, bits);
    return c != nullptr ? c->time_s() : 0.0;
  }
  [[nodiscard]] double a(const std::string& name, int bits = 0) const {
    const Component* c = get(name, bits);
    return c != nullptr ? c->area_m2() : 0.0;
  }
};

// Mean cell conductance and input V² of a crossbar read, for the analytic Σ V·I (eval counts carry the solved one).
double xbar_power_per_cell_w(const Catalog& cat, std::vector<std::string>& notes, double v_unit = 0.0) {
  double g = cat.schedule("g_cell_s", 0.0);
  double v = v_unit > 0 ? v_unit : cat.schedule("v_read_v", 0.0);
  if (cat.cards().xbar) {
    const auto& p = cat.cards().xbar->params;
    if (g <= 0 && p.count("g_min_s") != 0 && p.count("g_max_s") != 0) {
      g = std::sqrt(p.at("g_min_s") * p.at("g_max_s"));
    }
    if (v <= 0 && p.count("v_read_max_v") != 0) {
      v = p.at("v_read_max_v");
    }
  }
  if (g <= 0 || v <= 0) {
    throw ConfigError(
        fmt::format("cost catalog '{}': a crossbar unit needs [schedule] g_cell_s and v_read_v or a "
                    "crossbar card with g_min_s, g_max_s, v_read_max_v",
                    cat.name()));
  }
  const double v2_rel = cat.schedule("input_v2_rel", 1.0 / 3.0);
  notes.push_back(
      fmt::format("analytic xbar read power: G {:.4g} S x ({:.3g} V)^2 x {:.4g} per cell read", g, v, v2_rel));
  return g * v * v * v2_rel;
}

// Geometry of a crossbar linear role as the `crossbar` unit builds it (src/arch/linear/crossbar.h): a tile holds
// (n_tile_cols − extra columns) / columns per output outputs of the signed encoding; row tiles of n_tile_rows.
struct XbarGeom {
  int64_t r = 128, c = 128, cpo = 2, extra = 0, reads = 1, cpa = 1, nrb = 1, nco = 1, out = 0;
  bool offset = false;
  [[nodiscard]] int64_t tiles() const { return nrb * nco; }
  [[nodiscard]] int64_t phys_per_row_block() const { return out * cpo + nco * extra; }
};
XbarGeom xbar_geom(const UnitSpec& s, int64_t in, int64_t out) {
  XbarGeom g;
  g.r = static_cast<int64_t>(s.get("n_tile_rows", 128));
  g.c = static_cast<int64_t>(s.get("n_tile_cols", 128));
  xbar::CellQuantization q;
  q.n_levels = static_cast<int64_t>(s.get("mapping.n_levels", 0));
  q.n_slices = static_cast<int64_t>(s.get("mapping.n_slices", 1));
  core::Config empty;
  auto es = empty.root();
  const auto enc = xbar::signed_encoding_registry().create_named(s.get_str("mapping.type", "differential"), es);
  g.cpo = enc->cols_per_output(q);
  g.extra = enc->extra_cols();
  g.offset = enc->type() == "offset";
  g.reads = s.get_str("input", "amplitude") == "bit_serial" ? static_cast<int64_t>(s.get("n_dac_bits", 8)) : 1;
  g.cpa = static_cast<int64_t>(s.get("n_cols_per_adc", 1));
  const int64_t outs_per_tile = std::max<int64_t>(1, (g.c - g.extra) / g.cpo);
  g.nrb = ceil_div(in, g.r);
  g.nco = ceil_div(out, outs_per_tile);
  g.out = out;
  return g;
}

// The events the crossbar unit counts for one token (its header's Contract), from the geometry.
void crossbar_counts(arch::OpCounts& c, const XbarGeom& g, int64_t in, int64_t out, double p_cell_w) {
  const int64_t k = g.reads, phys = g.phys_per_row_block();
  const int64_t cells = k * in * phys;
  c.events["xbar.array_reads"] += k * g.tiles() * g.cpa;
  c.events["xbar.cells_read"] += cells;
  c.events["dac.conversions"] += k * in * g.nco;
  c.events["adc.conversions"] += k * g.nrb * phys;
  c.events["digital.adds"] += g.nrb * (k * (phys - out + (g.offset ? out : 0)) + (k - 1) * out) + (g.nrb - 1) * out;
  c.sums["xbar.read_power_w"] += static_cast<double>(cells) * p_cell_w * static_cast<double>(g.cpa);
  c.macs += in * out;
  c.bytes_read += 4 * in;
  c.bytes_written += 4 * out;
  c.calls += 1;
}

// Each read drives the rows, reads the tile and converts; a tile is activated once per group of columns
// sharing an ADC; all tiles of a role work in parallel; row tiles' partial sums meet in an adder tree.
double crossbar_latency(const Lookup& lk, const XbarGeom& g, const UnitSpec& s) {
  const int adc_bits = static_cast<int>(s.get("n_adc_bits", 0));
  return static_cast<double>(g.reads * g.cpa) * (lk.t("xbar_dac") + lk.t("xbar_read") + lk.t("xbar_adc", adc_bits)) +
         log2_ceil(g.nrb) * lk.t("digital_add");
}

double crossbar_area(const Lookup& lk, const XbarGeom& g, const UnitSpec& s) {
  const int adc_bits = static_cast<int>(s.get("n_adc_bits", 0));
  const auto tiles = static_cast<double>(g.tiles());
  return tiles * (static_cast<double>(g.r * g.c) * lk.a("xbar_read") +
                  static_cast<double>(ceil_div(g.c, g.cpa)) * lk.a("xbar_adc", adc_bits) +
                  static_cast<double>(g.r) * lk.a("xbar_dac"));
}

// Digital roofline: MACs over the MAC pool, or the bytes over the memory, whichever is longer.
double digital_latency(const Lookup& lk, const Catalog& cat, const arch::OpCounts& c, const std::string& memory,
                       double n_exp) {
  const double n_mac = cat.schedule("n_mac_units", 256);
  const double compute = (static_cast<double>(c.macs) * lk.t("digital_mac") + n_exp * lk.t("softmax_exp")) / n_mac;
  const double mem = static_cast<double>(c.bytes_read + c.bytes_written) * lk.t(memory);
  return std::max(compute, mem);
}

// Number of 64→32 style merges of CAMformer's hierarchical top-k: each tile adds `per_tile` candidates to a
// register of 2k; it is pruned to k when full and once at the end.
int64_t topk_merges(int64_t tiles, int64_t per_tile, int64_t k) {
  const int64_t cand = tiles * per_tile;
  return cand <= 2 * k ? 1 : 1 + ceil_div(cand - 2 * k, k);
}

}  // namespace

ModelShape ModelShape::from_config(core::Section& s) {
  ModelShape m;
  m.family = s.get_string("family", "llama", {"llama", "gpt2"});
  m.dim = s.require_int("dim", core::Range::at_least(1));
  m.n_layers = s.require_int("n_layers", core::Range::at_least(1));
  m.n_heads = s.require_int("n_heads", core::Range::at_least(1));
  m.n_kv_heads = s.get_int("n_kv_heads", m.n_heads, core::Range::at_least(1));
  m.hidden_dim = s.get_int("hidden_dim", 4 * m.dim, core::Range::at_least(1));
  m.vocab_size = s.get_int("vocab_size", 0, core::Range::non_negative());
  m.seq_len = s.get_int("seq_len", 1024, core::Range::at_least(1));
  if (m.dim % m.n_heads != 0) {
    s.fail("n_heads", fmt::format("= {} does not divide dim = {}", m.n_heads, m.dim));
  }
  if (m.n_heads % m.n_kv_heads != 0) {
    s.fail("n_kv_heads", fmt::format("= {} does not divide n_heads = {}", m.n_kv_heads, m.n_heads));
  }
  return m;
}

void ModelShape::to_config(core::Section& s) const {
  s.set_string("family", family);
  s.set_int("dim", dim);
  s.set_int("hidden_dim", hidden_dim);
  s.set_int("n_layers", n_layers);
  s.set_int("n_heads", n_heads);
  s.set_int("n_kv_heads", n_kv_heads);
  s.set_int("vocab_size", vocab_size);
  s.set_int("seq_len", seq_len);
}

std::string UnitSpec::get_str(const std::string& key, const std::string& def) const {
  auto it = str.find(key);
  return it == str.end() ? def : it->second;
}

double UnitSpec::get(const std::string& key, double def) const {
  auto it = num.find(key);
  return it == num.end() ? def : it->second;
}

ArchSpec ArchSpec::from_section(core::Section arch) {
  ArchSpec a;
  auto read = [&](const std::string& kind, const std::string& def, UnitSpec& u) {
    auto s = arch.section(kind);
    u.kind = kind;
    u.type = s.get_string("type", def);
    // Scalars of the table and of its sub-tables one level down ("mapping.n_slices"); arrays other than roles
    // and deeper tables (planes, device) do not enter the analytic models.
    auto scalars = [&u](core::Section& t, const std::string& prefix, bool recurse, auto& self) -> void {
      for (const auto& k : t.keys()) {
        if (prefix.empty() && (k == "type" || k == "roles")) {
          continue;
        }
        try {
          u.num[prefix + k] = t.get_double(k, 0.0);
          continue;
        } catch (const ConfigError&) {
        }
        try {
          u.num[prefix + k] = t.get_bool(k, false) ? 1.0 : 0.0;
          continue;
        } catch (const ConfigError&) {
        }
        try {
          u.str[prefix + k] = t.get_string(k, "");
          continue;
        } catch (const ConfigError&) {
        }
        if (recurse) {
          try {
            auto sub = t.section(k);
            self(sub, prefix + k + ".", false, self);
          } catch (const ConfigError&) {
            // an array: not a scalar the models read
          }
        }
      }
    };
    if (s.has("roles")) {
      u.roles = s.get_string_array("roles", {});
    }
    scalars(s, "", true, scalars);
  };
  read("linear", "digital", a.linear);
  read("attention", "dense", a.attention);
  read("kv_cache", "full", a.kv_cache);
  return a;
}

std::vector<Role> roles_of(const ModelShape& m, const UnitSpec& linear) {
  const int64_t kv_dim = m.n_kv_heads * m.head_dim();
  std::vector<Role> r;
  if (m.family == "gpt2") {
    r = {{"wqkv", m.dim, 3 * m.dim, ""},
         {"wo", m.dim, m.dim, ""},
         {"w1", m.dim, m.hidden_dim, ""},
         {"w2", m.hidden_dim, m.dim, ""}};
  } else {
    r = {{"wq", m.dim, m.dim, ""},       {"wk", m.dim, kv_dim, ""},       {"wv", m.dim, kv_dim, ""},
         {"wo", m.dim, m.dim, ""},       {"w1", m.dim, m.hidden_dim, ""}, {"w3", m.dim, m.hidden_dim, ""},
         {"w2", m.hidden_dim, m.dim, ""}};
  }
  if (m.vocab_size > 0) {
    r.push_back({"classifier", m.dim, m.vocab_size, ""});
  }
  std::vector<std::string> on_arrays = linear.roles;
  if (on_arrays.empty()) {
    on_arrays = {"w1", "w2", "w3", "wq", "wk", "wv", "wqkv", "wo"};  // issue 12's default (+ GPT-2's fused wqkv)
  }
  for (auto& role : r) {
    const bool arrays =
        linear.type != "digital" && std::find(on_arrays.begin(), on_arrays.end(), role.name) != on_arrays.end();
    role.type = arrays ? linear.type : "digital";
  }
  return r;
}

namespace {

void fill(std::vector<UnitWork>& out, const ModelShape& m, const ArchSpec& a, const Catalog& cat, int64_t L,
          bool counts) {
  const auto rows = static_cast<size_t>(m.n_layers + 1);
  const int64_t H = m.n_heads, Hkv = m.n_kv_heads, d = m.head_dim();
  auto unit = [&](const std::string& name, const std::string& kind, const std::string& type) -> UnitWork& {
    for (auto& u : out) {
      if (u.unit == name) {
        return u;
      }
    }
    UnitWork w;
    w.unit = name;
    w.kind = kind;
    w.type = type;
    out.push_back(std::move(w));
    return out.back();
  };
  auto prepare = [&](UnitWork& u) {
    u.layers.resize(rows);
    u.latency_s.assign(rows, 0.0);
    u.stage_s.assign(rows, 0.0);
    u.area_m2 = 0.0;
  };
  // Linear roles.
  double p_cell = -1.0;
  for (const auto& role : roles_of(m, a.linear)) {
    UnitWork& u = unit(role.name, "linear", role.type);
    prepare(u);
    Lookup lk{cat, &u.notes};
    const bool head = role.name == "classifier";
    const size_t r0 = head ? rows - 1 : 0, r1 = head ? rows : rows - 1;
    if (role.type == "digital") {
      for (size_t r = r0; r < r1; ++r) {
        arch::OpCounts c;
        c.macs = role.in * role.out;
        c.bytes_read = 4 * (role.in * role.out + role.in);
        c.bytes_written = 4 * role.out;
        c.calls = 1;
        if (counts) {
          u.layers[r] = c;
        }
        u.latency_s[r] = digital_latency(lk, cat, c, "weight_memory", 0.0);
      }
    } else if (role.type == "crossbar") {
      const XbarGeom g = xbar_geom(a.linear, role.in, role.out);
      for (const char* k : {"n_adc_bits", "n_dac_bits"}) {
        if (a.linear.has(k)) {
          u.bits[k] = static_cast<int>(a.linear.get(k, 0));
        }
      }
      if (counts && p_cell < 0) {
        p_cell = xbar_power_per_cell_w(cat, u.notes, a.linear.get("v_read_v", 0.2));  // the unit's default 0.2 V
      }
      for (size_t r = r0; r < r1; ++r) {
        if (counts) {
          crossbar_counts(u.layers[r], g, role.in, role.out, p_cell);
        }
        u.latency_s[r] = crossbar_latency(lk, g, a.linear);
      }
      u.area_m2 = static_cast<double>(r1 - r0) * crossbar_area(lk, g, a.linear);
    } else {
      throw ConfigError(fmt::format("cost: no analytic model of linear unit type '{}' (digital, crossbar)", role.type));
    }
  }
  // KV cache.
  {
    const UnitSpec& s = a.kv_cache;
    UnitWork& u = unit("kv_cache", "kv_cache", s.type);
    prepare(u);
    Lookup lk{cat, &u.notes};
    arch::OpCounts c;
    c.kv_entries_stored = Hkv;
    c.calls = 1;
    double t = 0.0, area = 0.0;
    if (s.type == "full") {
      c.bytes_written = 2 * 4 * Hkv * d;
      t = static_cast<double>(c.bytes_written) * lk.t("kv_memory");
    } else if (s.type == "gain_cell") {
      const int64_t W = std::min<int64_t>(L, static_cast<int64_t>(s.get("n_window", static_cast<double>(L))));
      c.events["gain_cell.writes"] = 2 * Hkv * d;
      c.events["dac.conversions"] = 2 * Hkv * d;
      const double t_refresh = s.get("t_refresh_s", 0.0), t_token = s.get("t_token_s", 0.0);
      if (t_refresh > 0 && t_token > 0) {
        c.events["gain_cell.refreshes"] =
            static_cast<int64_t>(std::llround(2.0 * static_cast<double>(Hkv * d * W) * t_token / t_refresh));
      }
      t = lk.t("gain_cell_write");
      area = static_cast<double>(2 * Hkv * d * W) * lk.a("gain_cell_read");  // K and V arrays of the window
      u.bits["n_dac_bits"] = static_cast<int>(s.get("n_dac_bits", std::log2(s.get("n_levels", 8))));
    } else if (s.type == "cpq") {
      const double bk = s.get("n_bits_k", 4), bv = s.get("n_bits_v", 4), prune = s.get("prune_ratio", 0.0);
      const double per_elem_write = (1.0 - prune) * (bk + bv) / 2.0 / 8.0 + 2.0 / 8.0 / 2.0;  // values + 1-bit maps
      c.events["kv.bytes_written"] =
          static_cast<int64_t>(std::llround(2.0 * static_cast<double>(Hkv * d) * per_elem_write));
      c.events["kv.bytes_read"] =
          static_cast<int64_t>(std::llround(2.0 * static_cast<double>(Hkv * d * L) * per_elem_write));
      t = static_cast<double>(c.events["kv.bytes_written"]) * lk.t("kv_memory");
      u.notes.push_back(
          "cpq: bits per element (1-p)(b_K+b_V)/2 + 1 map bit (arch_costs.md §3.1), reads of the whole "
          "compressed cache charged to the KV cache");
    } else {
      throw ConfigError(fmt::format("cost: no analytic model of kv_cache type '{}' (full, gain_cell, cpq)", s.type));
    }
    for (size_t r = 0; r + 1 < rows; ++r) {
      if (counts) {
        u.layers[r] = c;
      }
      u.latency_s[r] = t;
    }
    u.area_m2 = area * static_cast<double>(m.n_layers);
  }
  // Attention.
  {
    const UnitSpec& s = a.attention;
    UnitWork& u = unit("attention", "attention", s.type);
    prepare(u);
    Lookup lk{cat, &u.notes};
    arch::OpCounts c;
    double t = 0.0, area = 0.0, stage = -1.0;
    c.calls = Hkv;
    if (s.type == "dense" || s.type == "lsh") {
      double frac = 1.0;
      if (s.type == "lsh") {
        frac = cat.schedule("lsh_candidate_fraction_rel", 1.0);
        const auto nb = static_cast<int64_t>(s.get("n_bits", 8)), nr = static_cast<int64_t>(s.get("n_rounds", 1));
        // Hash planes on crossbars: each query head and the new key read nb·nr planes of d cells once.
        const int64_t vecs = H + Hkv;
        if (counts) {
          if (p_cell < 0) {
            p_cell = xbar_power_per_cell_w(cat, u.notes);
          }
          c.events["xbar.array_reads"] = vecs * nr;
          c.events["xbar.cells_read"] = vecs * d * nb * nr;
          c.events["dac.conversions"] = vecs * d * nr;
          c.events["adc.conversions"] = vecs * nb * nr;  // one comparator decision per hash bit
          c.sums["xbar.read_power_w"] = static_cast<double>(vecs * d * nb * nr) * p_cell;
        }
        // Every round's planes sit in their own columns (the memristive plane source's layout), so one array
        // read hashes a vector for all rounds.
        t += lk.t("xbar_dac") + lk.t("xbar_read") + lk.t("hash_comparator");
        area += static_cast<double>(nb * nr * d) * lk.a("xbar_read") * static_cast<double>(m.n_layers);
        u.notes.push_back(fmt::format("lsh: fraction of keys scored {} ([schedule] lsh_candidate_fraction_rel, {})",
                                      frac, cat.schedule_source("lsh_candidate_fraction_rel")));
      }
      const auto pairs = static_cast<int64_t>(std::llround(static_cast<double>(H * L) * frac));
      c.macs += 2 * pairs * d;
      c.kv_entries_read = pairs;
      // K and V rows read (float32 as the engine counts); a compressed cache (cpq) counts its own reads instead.
      const int64_t kv_rows = a.kv_cache.type == "cpq" ? 0 : pairs / std::max<int64_t>(1, H / Hkv);
      c.bytes_read = 4 * (2 * kv_rows * d + H * d);
      c.bytes_written = 4 * H * d;
      t += digital_latency(lk, cat, c, "kv_memory", static_cast<double>(pairs));
    } else if (s.type == "gain_cell") {
      const int64_t W = std::min<int64_t>(L, static_cast<int64_t>(s.get("n_window", static_cast<double>(L))));
      const auto R = static_cast<int64_t>(s.get("n_array_rows", 64));
      const int64_t nsub = ceil_div(W, R);
      c.events["gain_cell.reads"] = H * 2 * W * d;
      c.events["gain_cell.array_activations"] = H * 2 * nsub;
      c.events["gain_cell.phi_pulses"] = H * W;
      c.events["adc.conversions"] = H * d * nsub;
      c.events["digital.adds"] = H * d * nsub;
      c.kv_entries_read = H * W;
      // Leroux's schedule (arch_costs.md §1.1, hypothesis [I]): Q pulse into the K arrays, φ(S) pulse into the V
      // arrays, output charge-to-pulse and counter, then the adder tree over the sub-arrays; heads in parallel.
      const double t_max = cat.schedule("t_max_s", 15e-9);
      t = 2.0 * t_max + cat.schedule("t_readout_s", 15e-9) + log2_ceil(nsub) * lk.t("digital_add");
      if (a.kv_cache.type != "gain_cell") {
        area = static_cast<double>(2 * Hkv * d * W) * lk.a("gain_cell_read") * static_cast<double>(m.n_layers);
      }
      if (s.has("n_adc_bits")) {
        u.bits["n_adc_bits"] = static_cast<int>(s.get("n_adc_bits", 0));
      }
    } else if (s.type == "cam") {
      const auto R = static_cast<int64_t>(cat.schedule("cam_tile_rows", s.get("n_tile_rows", 16)));
      const auto k = std::min<int64_t>(L, static_cast<int64_t>(s.get("k", 32)));
      const int64_t T = ceil_div(L, R);
      const bool reprogram = cat.schedule("cam_reprogram_per_query", 0) != 0;
      const auto per_tile = static_cast<int64_t>(s.get("k_first", 2));
      const int64_t merges = topk_merges(T, per_tile, k);
      c.calls = H;
      c.events["cam.rows_written"] = reprogram ? H * L : Hkv;
      c.events["cam.searches"] = H * T;
      c.events["cam.rows_searched"] = H * L;
      c.events["adc.conversions"] = H * L;
      c.events["topk.local_selections"] = H * T;
      c.events["topk.global_merges"] = H * merges;
      c.events["topk.outputs"] = H * merges * k;
      c.events["topk.comparisons"] = H * (L + merges * 2 * k);
      c.events["softmax.exps"] = H * k;
      c.events["dram.prefetches"] = reprogram ? H * T : 0;
      c.macs = H * k * d;
      c.kv_entries_read = H * k;
      c.bytes_read = 2 * H * k * d;  // BF16 value rows of the selected keys
      // CAMformer's three pipelined stages (arch_costs.md §2.3).
      const double f = cat.f_clock_hz();
      const double r_prog = cat.schedule("cam_rows_per_program_cycle", 4);
      const double assoc =
          static_cast<double>(T) *
              ((reprogram ? static_cast<double>(R) / r_prog : 0.0) * lk.t("cam_array") + lk.t("cam_array")) +
          lk.t("cam_adc", static_cast<int>(s.get("n_adc_bits", 0))) + lk.t("cam_scaler") + lk.t("topk_local") +
          lk.t("topk_register");
      const double norm = lk.t("topk_global") + static_cast<double>(k) * (lk.t("softmax_lut") + lk.t("softmax_div"));
      const double c_par = cat.schedule("n_sv_mac_units", 8);
      const double ctx = static_cast<double>(d * k) / c_par / f + lk.t("sv_mac");
      const double n_cores = cat.schedule("n_cam_cores", static_cast<double>(H));
      const double rounds = std::ceil(static_cast<double>(H) / n_cores);
      t = assoc + norm + ctx + (rounds - 1.0) * std::max({assoc, norm, ctx});
      stage = rounds * std::max({assoc, norm, ctx});
      u.detail["cam.association_s"] = assoc;
      u.detail["cam.normalization_s"] = norm;
      u.detail["cam.contextualization_s"] = ctx;
      u.detail["cam.attention_latency_s"] = assoc + norm + ctx;
      u.notes.push_back(
          fmt::format("cam stages per attention: association {:.4g} s, normalization {:.4g} s, "
                      "contextualization {:.4g} s; {} heads on {} cores",
                      assoc, norm, ctx, H, n_cores));
      // Keys stored once: one CAM row per cached key. Re-programmed per query (CAMformer): the one time-multiplexed
      // tile is a fixed-instance catalog component.
      area = reprogram ? 0.0 : static_cast<double>(Hkv * L * d) * lk.a("cam_array") * static_cast<double>(m.n_layers);
      if (s.has("n_adc_bits")) {
        u.bits["n_adc_bits"] = static_cast<int>(s.get("n_adc_bits", 0));
      }
    } else {
      throw ConfigError(
          fmt::format("cost: no analytic model of attention type '{}' (dense, lsh, gain_cell, cam)", s.type));
    }
    for (size_t r = 0; r + 1 < rows; ++r) {
      if (counts) {
        u.layers[r] = c;
      }
      u.latency_s[r] = t;
      u.stage_s[r] = stage >= 0 ? stage : t;
    }
    u.area_m2 = area;
  }
  for (auto& u : out) {
    for (size_t r = 0; r < rows; ++r) {
      if (u.stage_s[r] == 0.0) {
        u.stage_s[r] = u.latency_s[r];
      }
    }
  }
}

}  // namespace

std::vector<UnitWork> analytic_work(const ModelShape& shape, const ArchSpec& arch, const Catalog& catalog,
                                    int64_t context) {
  std::vector<UnitWork> out;
  fill(out, shape, arch, catalog, context, true);
  return out;
}

void schedule_work(std::vector<UnitWork>& work, const ModelShape& shape, const ArchSpec& arch, const Catalog& catalog,
                   int64_t context) {
  std::vector<UnitWork> sched;
  fill(sched, shape, arch, catalog, context, false);
  for (auto& w : work) {
    for (const auto& s : sched) {
      if (s.unit == w.unit) {
        w.latency_s = s.latency_s;
        w.stage_s = s.stage_s;
        w.detail = s.detail;
        w.area_m2 = s.area_m2;
        w.notes.insert(w.notes.end(), s.notes.begin(), s.notes.end());
        for (const auto& [k, b] : s.bits) {
          w.bits.emplace(k, b);
        }
      }
    }
  }
}

}  // namespace pimtx::cost
