#include "cost/cost_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "core/errors.h"

namespace pimtx::cost {

double ComponentLine::total() const { return std::accumulate(energy_j.begin(), energy_j.end(), 0.0); }

double UnitReport::energy_j() const {
  double e = 0.0;
  for (const auto& l : lines) {
    e += l.total();
  }
  return e;
}

std::vector<double> UnitReport::energy_by_row_j() const {
  std::vector<double> e(latency_s.size(), 0.0);
  for (const auto& l : lines) {
    for (size_t r = 0; r < l.energy_j.size() && r < e.size(); ++r) {
      e[r] += l.energy_j[r];
    }
  }
  return e;
}

double Report::energy_j() const {
  double e = 0.0;
  for (const auto& u : units) {
    e += u.energy_j();
  }
  return e;
}

std::map<std::string, double> Report::energy_by_component_j() const {
  std::map<std::string, double> m;
  for (const auto& u : units) {
    for (const auto& l : u.lines) {
      m[l.component] += l.total();
    }
  }
  return m;
}

namespace {

// The counted quantities of one OpCounts as (name, value): fields, events, "sum:<name>".
std::vector<std::pair<std::string, double>> quantities(const arch::OpCounts& c) {
  std::vector<std::pair<std::string, double>> q = {{"macs", static_cast<double>(c.macs)},
                                                   {"bytes_read", static_cast<double>(c.bytes_read)},
                                                   {"bytes_written", static_cast<double>(c.bytes_written)},
                                                   {"kv_entries_stored", static_cast<double>(c.kv_entries_stored)},
                                                   {"kv_entries_read", static_cast<double>(c.kv_entries_read)},
                                                   {"calls", static_cast<double>(c.calls)}};
  for (const auto& [n, v] : c.events) {
    q.emplace_back(n, static_cast<double>(v));
  }
  for (const auto& [n, v] : c.sums) {
    q.emplace_back("sum:" + n, v);
  }
  return q;
}

double get_time(const UnitWork* w, size_t r) { return w != nullptr && r < w->latency_s.size() ? w->latency_s[r] : 0.0; }

}  // namespace

Report price(const Catalog& catalog, const std::vector<UnitWork>& work, const ModelShape& shape, int64_t context) {
  Report rep;
  rep.catalog = catalog.name();
  rep.context = context;
  rep.n_rows = static_cast<size_t>(shape.n_layers + 1);
  std::set<std::string> unpriced;
  for (const auto& w : work) {
    UnitReport u;
    u.unit = w.unit;
    u.kind = w.kind;
    u.type = w.type;
    u.latency_s = w.latency_s;
    u.latency_s.resize(rep.n_rows, 0.0);
    u.stage_s = w.stage_s.empty() ? u.latency_s : w.stage_s;
    u.stage_s.resize(rep.n_rows, 0.0);
    u.detail = w.detail;
    u.area_m2 = w.area_m2;
    u.notes = w.notes;
    std::map<std::string, ComponentLine> lines;
    for (size_t r = 0; r < w.layers.size() && r < rep.n_rows; ++r) {
      for (const auto& [q, value] : quantities(w.layers[r])) {
        if (value == 0.0) {
          continue;
        }
        bool priced = false;
        for (const auto& e : catalog.entries()) {
          for (const auto& p : e.prices) {
            if (!p.matches(w.kind, w.type, q)) {
              continue;
            }
            priced = true;
            int bits = 0;
            if (!e.bits_key.empty()) {
              auto it = w.bits.find(e.bits_key);
              bits = it != w.bits.end() ? it->second : 0;
            }
            const Component& comp = catalog.component(e.name, bits);
            const double energy = q.rfind("sum:", 0) == 0 ? comp.energy_of_sum_j(q.substr(4), value) * p.factor
                                                          : value * p.factor * comp.energy_j();
            ComponentLine& line = lines[e.name];
            if (line.component.empty()) {
              line.component = e.name;
              line.basis = comp.basis();
              line.energy_j.assign(rep.n_rows, 0.0);
            }
            line.energy_j[r] += energy;
          }
        }
        const bool is_event = q.find('.') != std::string::npos;  // events and sums name a circuit; fields do not
        if (!priced && is_event) {
          unpriced.insert(w.unit + ":" + q);
        }
      }
    }
    for (auto& [n, l] : lines) {
      u.lines.push_back(std::move(l));
    }
    rep.units.push_back(std::move(u));
  }
  rep.unpriced.assign(unpriced.begin(), unpriced.end());
  // Layer schedule: the projections in parallel, then the KV-cache write, then attention (it needs q, k, v and
  // the cache), then wo, then the FFN's first matrices in parallel, then w2. The classifier is the last row.
  auto find = [&](const std::string& unit) -> const UnitWork* {
    for (const auto& w : work) {
      if (w.unit == unit) {
        return &w;
      }
    }
    return nullptr;
  };
  rep.layer_latency_s.assign(rep.n_rows, 0.0);
  for (size_t r = 0; r + 1 < rep.n_rows; ++r) {
    const double proj = std::max(
        {get_time(find("wq"), r), get_time(find("wk"), r), get_time(find("wv"), r), get_time(find("wqkv"), r)});
    const double ffn_in = std::max(get_time(find("w1"), r), get_time(find("w3"), r));
    rep.layer_latency_s[r] = proj + get_time(find("kv_cache"), r) + get_time(find("attention"), r) +
                             get_time(find("wo"), r) + ffn_in + get_time(find("w2"), r);
  }
  rep.layer_latency_s.back() = get_time(find("classifier"), rep.n_rows - 1);
  rep.latency_s = std::accumulate(rep.layer_latency_s.begin(), rep.layer_latency_s.end(), 0.0);
  rep.stage_s = 0.0;
  for (const auto& u : rep.units) {
    for (double st : u.stage_s) {
      rep.stage_s = std::max(rep.stage_s, st);
    }
  }
  for (const auto& u : rep.units) {
    rep.area_m2 += u.area_m2;
  }
  for (const auto& e : catalog.entries()) {
    rep.fixed_area_m2 += e.n_instances * catalog.component(e.name).area_m2();
  }
  rep.area_m2 += rep.fixed_area_m2;
  return rep;
}

void write_report(io::ResultFile& f, const std::string& group, const Report& r, const Catalog& catalog) {
  f.create_group(group);
  f.set_attr(group, "catalog", catalog.path().string());
  f.set_attr(group, "rows", std::string("transformer layers 0..n_layers-1, then the classifier"));
  f.write_string(group + "/catalog_resolved", catalog.resolved_text());
  f.write_scalar(group + "/context", r.context, "count");
  f.write_scalar(group + "/energy_per_token_j", r.energy_j(), "J");
  f.write_scalar(group + "/latency_per_token_s", r.latency_s, "s");
  f.write_scalar(group + "/throughput_tokens_per_s", r.throughput_tokens_per_s(), "1/s");
  f.write_scalar(group + "/area_m2", r.area_m2, "m2");
  f.write_scalar(group + "/fixed_area_m2", r.fixed_area_m2, "m2");
  f.write(group + "/layer_latency_s", std::span<const double>(r.layer_latency_s), {r.layer_latency_s.size()}, "s");
  std::vector<std::string> notes;
  for (const auto& u : r.units) {
    const std::string g = group + "/units/" + u.unit;
    f.create_group(g);
    f.set_attr(g, "kind", u.kind);
    f.set_attr(g, "type", u.type);
    const auto e = u.energy_by_row_j();
    f.write(g + "/energy_j", std::span<const double>(e), {e.size()}, "J");
    f.write(g + "/latency_s", std::span<const double>(u.latency_s), {u.latency_s.size()}, "s");
    f.write_scalar(g + "/area_m2", u.area_m2, "m2");
    f.write(g + "/stage_s", std::span<const double>(u.stage_s), {u.stage_s.size()}, "s");
    for (const auto& [k, v] : u.detail) {
      f.write_scalar(g + "/detail/" + k, v, "s");
    }
    for (const auto& l : u.lines) {
      f.write(g + "/components/" + l.component + "_j", std::span<const double>(l.energy_j), {l.energy_j.size()}, "J");
    }
    for (const auto& n : u.notes) {
      notes.push_back(u.unit + ": " + n);
    }
  }
  std::map<std::string, std::string> basis;
  for (const auto& u : r.units) {
    for (const auto& l : u.lines) {
      basis[l.component] = l.basis;
    }
  }
  for (const auto& [c, e] : r.energy_by_component_j()) {
    const std::string p = group + "/components/" + c + "/energy_per_token_j";
    f.write_scalar(p, e, "J");
    f.set_attr(p, "basis", basis[c]);
  }
  if (!r.unpriced.empty()) {
    f.write_strings(group + "/unpriced", r.unpriced);
  }
  if (!notes.empty()) {
    f.write_strings(group + "/notes", notes);
  }
}

std::string summary(const Report& r) {
  std::string s = fmt::format(
      "cost [{}] context {}: {:.4g} J/token, latency {:.4g} s/token, {:.4g} tokens/s "
      "(layers pipelined), area {:.4g} mm2\n",
      r.catalog, r.context, r.energy_j(), r.latency_s, r.throughput_tokens_per_s(), r.area_m2 * 1e6);
  for (const auto& u : r.units) {
    const double e = u.energy_j();
    if (e == 0.0) {
      continue;
    }
    s += fmt::format("  {:<11} {:<10} {:10.4g} J", u.unit, u.type, e);
    std::vector<std::pair<double, std::string>> parts;
    for (const auto& l : u.lines) {
      parts.emplace_back(l.total(), l.component);
    }
    std::sort(parts.rbegin(), parts.rend());
    for (size_t i = 0; i < parts.size() && i < 4; ++i) {
      s += fmt::format("  {} {:.0f}%", parts[i].second, 100.0 * parts[i].first / e);
    }
    s += "\n";
  }
  for (const auto& q : r.unpriced) {
    s += fmt::format("  warning: no catalog component prices {}\n", q);
  }
  return s;
}

std::vector<UnitWork> eval_work(const std::vector<arch::LayerCounts>& counts, double n_tokens, const ArchSpec& arch) {
  if (!(n_tokens > 0)) {
    throw NumericError("cost: no tokens processed, nothing to price per token");
  }
  std::vector<UnitWork> out;
  auto scaled = [&](const arch::OpCounts& c) {
    // Per token: integer fields are rounded, which is exact for per-token-constant work (the common case).
    arch::OpCounts s;
    auto div = [&](int64_t v) { return static_cast<int64_t>(std::llround(static_cast<double>(v) / n_tokens)); };
    s.macs = div(c.macs);
    s.bytes_read = div(c.bytes_read);
    s.bytes_written = div(c.bytes_written);
    s.kv_entries_stored = div(c.kv_entries_stored);
    s.kv_entries_read = div(c.kv_entries_read);
    s.calls = div(c.calls);
    for (const auto& [n, v] : c.events) {
      s.events[n] = div(v);
    }
    for (const auto& [n, v] : c.sums) {
      s.sums[n] = v / n_tokens;
    }
    return s;
  };
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
    w.layers.resize(counts.size());
    out.push_back(std::move(w));
    return out.back();
  };
  for (size_t r = 0; r < counts.size(); ++r) {
    for (const auto& [role, c] : counts[r].linear_roles) {
      // A role on arrays records hardware events; an exact one does not.
      const std::string type = c.events.empty() ? "digital" : arch.linear.type;
      unit(role, "linear", type).layers[r] = scaled(c);
    }
    if (r + 1 < counts.size()) {
      unit("kv_cache", "kv_cache", arch.kv_cache.type).layers[r] = scaled(counts[r].kv_cache);
      unit("attention", "attention", arch.attention.type).layers[r] = scaled(counts[r].attention);
    }
  }
  for (auto& u : out) {
    if (u.kind == "linear") {
      for (const char* k : {"n_adc_bits", "n_dac_bits"}) {
        if (arch.linear.has(k)) {
          u.bits[k] = static_cast<int>(arch.linear.get(k, 0));
        }
      }
    }
    const UnitSpec& s = u.kind == "attention" ? arch.attention : u.kind == "kv_cache" ? arch.kv_cache : arch.linear;
    if (u.kind != "linear" && s.has("n_adc_bits")) {
      u.bits["n_adc_bits"] = static_cast<int>(s.get("n_adc_bits", 0));
    }
  }
  return out;
}

}  // namespace pimtx::cost
