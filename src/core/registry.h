// Registry of pluggable units selected by name from the config (STYLE.md §2).
//
// Contract: each src/ area owns one Registry per interface, filled by explicit add() calls in the
// area's registry.cpp (static linking drops self-registering objects). create() reads the section's
// `type` key; an unknown name is a ConfigError that lists the valid names.
// Each add() gives the unit's example config: the TOML text of the unit's own table (its `type` and the
// non-trivial values worth exercising; files it needs from data/, with paths relative to the repository root).
// The area's contract test builds every registered unit from its example (tests/contract.h), so a new unit
// is covered by one registry line. An empty example (only allowed while a registry is being converted) makes
// the contract test fail naming the unit.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/errors.h"

namespace pimtx::core {

template <class Base, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Base>(Section&, Args...)>;

  explicit Registry(std::string what) : what_(std::move(what)) {}

  void add(const std::string& name, Factory factory, std::string example = "") {
    factories_[name] = std::move(factory);
    examples_[name] = std::move(example);
  }

  [[nodiscard]] bool contains(const std::string& name) const { return factories_.count(name) != 0; }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : factories_) {
      out.push_back(k);
    }
    return out;
  }

  // The example config of a registered unit ("" if it has none or the name is unknown).
  [[nodiscard]] std::string example(const std::string& name) const {
    auto it = examples_.find(name);
    return it == examples_.end() ? std::string() : it->second;
  }

  // Build the unit named by `section.type` (or `default_type` if absent), passing the section on
  // so the unit reads its own parameters from it.
  std::unique_ptr<Base> create(Section& section, const std::string& default_type, Args... args) const {
    const std::string type = section.get_string("type", default_type);
    return create_named(type, section, args...);
  }

  std::unique_ptr<Base> create_named(const std::string& type, Section& section, Args... args) const {
    auto it = factories_.find(type);
    if (it == factories_.end()) {
      section.fail("type", fmt::format("unknown {} '{}'; valid names: {}", what_, type, fmt::join(names(), ", ")));
    }
    return it->second(section, args...);
  }

 private:
  std::string what_;
  std::map<std::string, Factory> factories_;
  std::map<std::string, std::string> examples_;
};

}  // namespace pimtx::core
