#include "cost/component.h"

#include <fmt/format.h>

namespace pimtx::cost {

double Component::energy_of_sum_j(const std::string& sum_name, double /*value*/) const {
  throw ConfigError(
      fmt::format("cost: the component model ({}) does not price the summed quantity '{}'", basis(), sum_name));
}

double param(core::Section& s, const std::string& key, core::Range range) {
  const double v = s.require_double(key, range);
  const std::string src = key + "_source";
  if (!s.has(src)) {
    s.fail(key, fmt::format("has no source: add `{} = \"paper, table or card it comes from\"` beside it", src));
  }
  if (s.require_string(src).empty()) {
    s.fail(src, "is empty: name the paper, table or card the value comes from");
  }
  return v;
}

double param_or(core::Section& s, const std::string& key, double def, core::Range range) {
  return s.has(key) ? param(s, key, range) : def;
}

std::string cited(core::Section& s, const std::string& key, double value) {
  const std::string src = key + "_source";
  return fmt::format("{} = {:.6g} ({})", key, value, s.has(src) ? s.get_string(src, "") : std::string("default"));
}

}  // namespace pimtx::cost

namespace pimtx::cost {

std::optional<std::pair<std::string, double>> card_field(const devices::DeviceCard& card,
                                                         const std::vector<std::string>& names) {
  for (const auto* m : {&card.params, &card.derived}) {
    for (const auto& [k, v] : *m) {
      const auto dot = k.rfind('.');
      const std::string last = dot == std::string::npos ? k : k.substr(dot + 1);
      for (const auto& n : names) {
        if (last == n) {
          return std::make_pair(k, v);
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace pimtx::cost
