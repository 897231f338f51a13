// Registry of pluggable units selected by name from the config (STYLE.md §2).
//
// Contract: each src/ area owns one Registry per interface, filled by explicit add() calls in the
// area's registry.cpp (static linking drops self-registering objects). create() reads the section's
// `type` key; an unknown name is a ConfigError that lists the valid names.
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

  void add(const std::string& name, Factory factory) { factories_[name] = std::move(factory); }

  [[nodiscard]] bool contains(const std::string& name) const { return factories_.count(name) != 0; }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : factories_) {
      out.push_back(k);
    }
    return out;
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
};

}  // namespace pimtx::core
