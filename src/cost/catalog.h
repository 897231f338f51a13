// A cost catalog: one TOML file under data/costs/ naming the component models of a hardware design, the device
// cards they read, the events each component prices and the schedule parameters of the unit models.
//
// File layout (every numeric key `x` carries `x_source`, the paper, table or card it comes from):
//   name = "pimtx_default"            f_clock_hz = 1e9 (+ f_clock_hz_source)
//   [cards]       xbar = "../devices/tiox_passive.h5", gain_cell = ..., cam = ...   (paths relative to the file)
//   [schedule]    unit-model parameters (parallel MAC units, array geometry defaults, ...; src/cost/README.md)
//   [components.<name>]  type = "<model>" (component_registry()), the model's parameters, and
//                 prices = ["<kind>/<unit type>:<event>", ...]   what it is charged for (see below)
//                 (a pattern may end in "*<factor>": component events per counted event, e.g. 4 rows per cycle)
//                 n_instances = 16                               fixed instances, for the area (default 0)
//                 bits_key = "n_adc_bits"                        the unit config key giving its resolution
// A price pattern names the unit kind (linear, attention, kv_cache, or *), the unit type from the arch config
// (digital, crossbar, dense, gain_cell, cam, ..., or *) and the counted quantity: an event name
// ("adc.conversions"), an OpCounts field ("macs", "bytes_read", "bytes_written", "kv_entries_read",
// "kv_entries_stored", "calls") or a sum ("sum:xbar.read_power_w", priced by the model's energy_of_sum_j).
//
// Contract: the constructor reads and validates the whole file (unknown keys are ConfigErrors naming file and
// line), loads the cards and builds every component once; bits come from the unit configs given to
// component(). Immutable afterwards except for the per-(component, bits) cache.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "cost/component.h"

namespace pimtx::cost {

struct PricePattern {
  std::string kind, unit_type, quantity;  // "*" = any kind / type
  double factor = 1.0;                    // "<pattern>*0.25": component events per counted event
  [[nodiscard]] bool matches(const std::string& k, const std::string& t, const std::string& q) const;
};

struct CatalogEntry {
  std::string name;
  std::string type;
  std::vector<PricePattern> prices;
  double n_instances = 0.0;             // fixed instances for the area (0 = the unit models place it, e.g. per array)
  std::string bits_key;                 // unit config key for the resolution, "" = the table's own
  std::shared_ptr<core::Config> table;  // this component's table (for building per-bits variants)
};

class Catalog {
 public:
  // Reads `path`; `overrides` are "components.adc.fom_j_per_step=..." style assignments (--set on the catalog).
  explicit Catalog(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] double f_clock_hz() const { return f_clock_hz_; }
  [[nodiscard]] const Cards& cards() const { return cards_; }
  [[nodiscard]] const std::vector<CatalogEntry>& entries() const { return entries_; }
  [[nodiscard]] bool has(const std::string& component) const;
  // The component `name` built for `n_bits` (0 = the table's own resolution). ConfigError if absent.
  [[nodiscard]] const Component& component(const std::string& name, int n_bits = 0) const;
  // Schedule parameter (from [schedule]); `def` when absent.
  [[nodiscard]] double schedule(const std::string& key, double def) const;
  [[nodiscard]] std::string schedule_source(const std::string& key) const;
  [[nodiscard]] const std::string& resolved_text() const { return resolved_; }

 private:
  std::string name_;
  std::filesystem::path path_;
  double f_clock_hz_ = 1e9;
  Cards cards_;
  std::vector<CatalogEntry> entries_;
  std::map<std::string, std::pair<double, std::string>> schedule_;
  mutable std::map<std::pair<std::string, int>, std::unique_ptr<Component>> built_;
  std::string resolved_;
};

}  // namespace pimtx::cost
