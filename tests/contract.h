// Contract test over every registered unit of one registry (issue 11, STYLE.md §6): header-only test support
// shared by the areas' contract tests (src/<area>/contract_test.cpp and the like).
//
// For each name in the registry, check_registry() takes the unit's example config (Registry::example(), the TOML
// text of the unit's own table) and, through the area's Runner (build the unit from the text, call
// Config::check_unknown() as the CLI does, exercise it, return the output and the resolved table):
//   - the example exists (a unit registered without one fails, named) and selects the unit it is registered for;
//   - same seed -> bit-identical output, twice from the example; the output is not empty;
//   - round trip: the resolved table of the first build (every key the unit read, defaults included) builds a unit
//     with bit-identical output, and resolving it again gives the same text (a fixpoint);
//   - the example with `not_a_key = 1` added to the unit's table is a ConfigError that names `not_a_key`.
// It prints "contract <registry>: N units". Degenerate cases (a unit's documented setting that equals an exact
// unit) are area-specific: check_same_outputs() compares two configs through the same Runner.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/errors.h"

namespace pimtx::contract {

// One build + exercise of a unit: what it computed (compared bit for bit) and the resolved config of the unit's
// own table (Config::resolved_text() when the unit's table is the document's root).
struct Outcome {
  std::vector<double> output;
  std::string resolved;
};

// Build the unit from the TOML text of its own table with the master seed, call check_unknown(), exercise the unit
// and return the outcome. Construction errors propagate.
using Runner = std::function<Outcome(const std::string& unit_toml, uint64_t seed)>;

inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// The resolved table at `path` of a resolved document, as the text of a document whose root is that table (for
// units that are built inside a larger config, e.g. [arch.linear] of a transformer).
inline std::string table_text(const std::string& resolved_document, const std::string& path) {
  core::Config doc = core::Config::from_string(resolved_document, "<resolved>");
  return doc.section(path).copy_to("").document_text();
}

inline constexpr uint64_t k_seed = 11;

// The checks above for one unit (a failure if it has no example).
inline void check_unit(const std::string& registry, const std::string& name, const std::string& example,
                       const Runner& run) {
  INFO("contract " << registry << ": unit '" << name << "'\nexample:\n" << example);
  if (example.empty()) {
    FAIL_CHECK("unit '" << name << "' of registry " << registry << " is registered without an example config");
    return;
  }
  const Outcome a = run(example, k_seed);
  const Outcome b = run(example, k_seed);
  CHECK_FALSE(a.output.empty());  // the exercise computed something
  // The example selects the unit it is registered for (`type`, or `model` for calibration methods).
  CHECK((a.resolved.find("type = '" + name + "'") != std::string::npos ||
         a.resolved.find("model = '" + name + "'") != std::string::npos));
  CHECK(same_bits(a.output, b.output));
  CHECK(a.resolved == b.resolved);
  {
    INFO("resolved:\n" << a.resolved);
    const Outcome c = run(a.resolved, k_seed);
    CHECK(c.resolved == a.resolved);
    CHECK(same_bits(c.output, a.output));
  }
  try {
    run("not_a_key = 1\n" + example, k_seed);
    FAIL_CHECK("an unknown key built the unit without a ConfigError");
  } catch (const ConfigError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("not_a_key") != std::string::npos);
  }
}

template <class Registry>
void check_registry(const std::string& label, const Registry& registry, const Runner& run) {
  const auto names = registry.names();
  for (const auto& name : names) {
    check_unit(label, name, registry.example(name), run);
  }
  CHECK_FALSE(names.empty());
  std::printf("contract %s: %zu units\n", label.c_str(), names.size());
}

// Degenerate case: the two configs give the same outputs, element by element within `abs_tol` (0: bit-identical).
inline void check_same_outputs(const Runner& run, const std::string& degenerate, const std::string& exact,
                               double abs_tol) {
  INFO("degenerate:\n" << degenerate << "\nexact:\n" << exact);
  const Outcome d = run(degenerate, k_seed);
  const Outcome e = run(exact, k_seed);
  REQUIRE(d.output.size() == e.output.size());
  REQUIRE_FALSE(d.output.empty());
  if (abs_tol == 0.0) {
    CHECK(same_bits(d.output, e.output));
    return;
  }
  for (size_t i = 0; i < d.output.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(d.output[i] - e.output[i]) <= abs_tol);
  }
}

}  // namespace pimtx::contract
