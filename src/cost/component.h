// Component cost models: the price of one hardware event (energy, time) and the area of one instance.
//
// Contract: a Component is built once from its table in a cost catalog (data/costs/*.toml, `type` selects the
// model, every numeric key `x` carries its source in `x_source`) plus a ComponentInit (device cards, the bit width
// the unit's config asks for, the clock). It is immutable afterwards. Units: J per event, s per event, m² per
// instance. basis() says where the figures came from (catalog source strings, or the device card fields used),
// so every priced number in a result file names its origin.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/registry.h"
#include "devices/card.h"

namespace pimtx::cost {

// Device cards a catalog names under [cards] (absent ones stay empty).
struct Cards {
  std::optional<devices::DeviceCard> xbar;       // passive crossbar cell (metal_oxide / vteam)
  std::optional<devices::DeviceCard> gain_cell;  // gain cell (model gain_cell)
  std::optional<devices::DeviceCard> cam;        // binary-attention CAM row
  std::string xbar_path, gain_cell_path, cam_path;
};

struct ComponentInit {
  const Cards* cards = nullptr;
  int n_bits = 0;           // resolution the unit's config asks for (ADC/DAC/digital width); 0 = use the table's
  double f_clock_hz = 1e9;  // clock of the digital logic (catalog top-level f_clock_hz)
};

class Component {
 public:
  virtual ~Component() = default;
  [[nodiscard]] virtual double energy_j() const = 0;  // per event
  [[nodiscard]] virtual double time_s() const = 0;    // latency of one event
  [[nodiscard]] virtual double area_m2() const = 0;   // per instance
  [[nodiscard]] virtual std::string basis() const = 0;
  // Energy of a summed physical quantity (OpCounts::sums), e.g. "xbar.read_power_w" × t_read. Only models that
  // price a sum override this; the default is a ConfigError naming the model.
  [[nodiscard]] virtual double energy_of_sum_j(const std::string& sum_name, double value) const;
};

using ComponentRegistry = core::Registry<Component, const ComponentInit&>;
const ComponentRegistry& component_registry();

// A numeric catalog parameter: reads `key` (range-checked) and requires its `key_source` string beside it.
double param(core::Section& s, const std::string& key, core::Range range = core::Range::non_negative());
// Optional parameter: `def` when absent (then no source is needed).
double param_or(core::Section& s, const std::string& key, double def, core::Range range = core::Range::non_negative());
// "key = value (source)" for basis strings.
std::string cited(core::Section& s, const std::string& key, double value);

}  // namespace pimtx::cost

namespace pimtx::cost {
// A field of a card's params or derived figures whose last dotted component is one of `names` (e.g.
// "e_write_j" matches "energy.e_write_j"); nullopt when the card has none.
std::optional<std::pair<std::string, double>> card_field(const devices::DeviceCard& card,
                                                         const std::vector<std::string>& names);
}  // namespace pimtx::cost
