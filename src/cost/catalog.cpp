#include "cost/catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/errors.h"

namespace pimtx::cost {

bool PricePattern::matches(const std::string& k, const std::string& t, const std::string& q) const {
  return (kind == "*" || kind == k) && (unit_type == "*" || unit_type == t) && quantity == q;
}

namespace {

PricePattern parse_pattern(core::Section& s, const std::string& text) {
  const auto slash = text.find('/');
  const auto colon = text.find(':');
  if (slash == std::string::npos || colon == std::string::npos || slash > colon) {
    s.fail("prices", fmt::format("entry '{}' is not '<kind>/<unit type>:<quantity>'", text));
  }
  PricePattern p{text.substr(0, slash), text.substr(slash + 1, colon - slash - 1), text.substr(colon + 1)};
  const auto star = p.quantity.find('*');
  if (star != std::string::npos) {
    try {
      size_t used = 0;
      p.factor = std::stod(p.quantity.substr(star + 1), &used);
      if (used != p.quantity.size() - star - 1 || !(p.factor >= 0)) {
        throw std::invalid_argument("trailing");
      }
    } catch (const std::exception&) {
      s.fail("prices", fmt::format("entry '{}': factor after '*' is not a non-negative number", text));
    }
    p.quantity = p.quantity.substr(0, star);
  }
  static const std::vector<std::string> k_kinds = {"*", "linear", "attention", "kv_cache"};
  if (std::find(k_kinds.begin(), k_kinds.end(), p.kind) == k_kinds.end()) {
    s.fail("prices", fmt::format("entry '{}': unknown kind '{}' (linear, attention, kv_cache or *)", text, p.kind));
  }
  if (p.unit_type.empty() || p.quantity.empty()) {
    s.fail("prices", fmt::format("entry '{}' has an empty unit type or quantity", text));
  }
  return p;
}

// The catalog's own keys of a component table, read (so they count as known) before the model reads its own.
void mark_common_keys(core::Section& s) {
  s.get_string_array("prices", {});
  s.get_double("n_instances", 0.0);
  s.get_string("bits_key", "");
  s.get_string("type", "");
}

}  // namespace

Catalog::Catalog(const std::filesystem::path& path, const std::vector<std::string>& overrides) : path_(path) {
  core::Config cfg = core::Config::from_file(path.string());
  for (const auto& o : overrides) {
    cfg.apply_override(o);
  }
  auto root = cfg.root();
  name_ = root.require_string("name");
  f_clock_hz_ = param(root, "f_clock_hz", core::Range::positive());
  auto cards = root.section("cards");
  auto load = [&](const std::string& key, std::optional<devices::DeviceCard>& slot, std::string& p) {
    p = cards.get_path(key, "", false);
    if (!p.empty()) {
      if (!std::filesystem::exists(p)) {
        cards.fail(key, fmt::format("device card '{}' does not exist", p));
      }
      slot = devices::load_device_card(p);
    }
  };
  load("xbar", cards_.xbar, cards_.xbar_path);
  load("gain_cell", cards_.gain_cell, cards_.gain_cell_path);
  load("cam", cards_.cam, cards_.cam_path);
  auto sched = root.section("schedule");
  // The keys the unit models read (unit_models.cpp); anything else is a typo.
  static const std::vector<std::string> k_schedule_keys = {"cam_reprogram_per_query",
                                                           "cam_rows_per_program_cycle",
                                                           "cam_tile_rows",
                                                           "g_cell_s",
                                                           "input_v2_rel",
                                                           "lsh_candidate_fraction_rel",
                                                           "n_cam_cores",
                                                           "n_mac_units",
                                                           "n_sv_mac_units",
                                                           "t_max_s",
                                                           "t_readout_s",
                                                           "v_read_v"};
  for (const auto& k : sched.keys()) {
    if (k.size() > 7 && k.compare(k.size() - 7, 7, "_source") == 0) {
      continue;
    }
    if (std::find(k_schedule_keys.begin(), k_schedule_keys.end(), k) == k_schedule_keys.end()) {
      sched.fail(k, fmt::format("is not a schedule parameter; valid: {}", fmt::join(k_schedule_keys, ", ")));
    }
    const double v = param(sched, k, core::Range::any());
    schedule_[k] = {v, sched.get_string(k + "_source", "")};
  }
  auto comps = root.section("components");
  for (const auto& cname : comps.keys()) {
    auto s = comps.section(cname);
    CatalogEntry e;
    e.name = cname;
    e.type = s.require_string("type", component_registry().names());
    for (const auto& pat : s.get_string_array("prices", {})) {
      e.prices.push_back(parse_pattern(s, pat));
    }
    e.n_instances = s.get_double("n_instances", 0.0, core::Range::non_negative());
    e.bits_key = s.get_string("bits_key", "");
    e.table = std::make_shared<core::Config>(s.copy_to("components." + cname));
    // Build once now so that every error in the table surfaces at load time (and its keys count as known).
    auto ts = e.table->section("components." + cname);
    ComponentInit init{.cards = &cards_, .n_bits = 0, .f_clock_hz = f_clock_hz_};
    mark_common_keys(ts);
    built_[{cname, 0}] = component_registry().create_named(e.type, ts, init);
    e.table->check_unknown();
    entries_.push_back(std::move(e));
  }
  cfg.check_unknown();
  resolved_ = cfg.resolved_text();
}

bool Catalog::has(const std::string& component) const { return built_.count({component, 0}) != 0; }

const Component& Catalog::component(const std::string& name, int n_bits) const {
  auto it = built_.find({name, n_bits});
  if (it != built_.end()) {
    return *it->second;
  }
  const CatalogEntry* entry = nullptr;
  for (const auto& e : entries_) {
    if (e.name == name) {
      entry = &e;
    }
  }
  if (entry == nullptr) {
    throw ConfigError(fmt::format("cost catalog '{}' ({}): no component '{}'", name_, path_.string(), name));
  }
  core::Config copy = entry->table->section("components." + name).copy_to("components." + name);
  auto s = copy.section("components." + name);
  mark_common_keys(s);
  ComponentInit init{.cards = &cards_, .n_bits = n_bits, .f_clock_hz = f_clock_hz_};
  auto c = component_registry().create_named(entry->type, s, init);
  const Component& ref = *c;
  built_[{name, n_bits}] = std::move(c);
  return ref;
}

double Catalog::schedule(const std::string& key, double def) const {
  auto it = schedule_.find(key);
  return it == schedule_.end() ? def : it->second.first;
}

std::string Catalog::schedule_source(const std::string& key) const {
  auto it = schedule_.find(key);
  return it == schedule_.end() ? "default" : it->second.second;
}

}  // namespace pimtx::cost
