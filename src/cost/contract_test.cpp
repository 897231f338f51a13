// Contract test of the component cost models over every registered model, from its example table
// (tests/contract.h): the priced output (energy and time per event, area per instance, and the energy of a summed
// quantity where the model prices one) with the shipped device cards. Closed forms: component_test.cpp.
#include "tests/contract.h"

#include <catch2/catch.hpp>

#include "cost/component.h"

using namespace pimtx;

namespace {

const cost::Cards& cards() {
  static const cost::Cards c = [] {
    cost::Cards k;
    k.xbar_path = "data/devices/tiox_passive.h5";
    k.gain_cell_path = "data/devices/si_3t_gaincell.h5";
    k.cam_path = "data/devices/cam_row64.h5";
    k.xbar = devices::load_device_card(k.xbar_path);
    k.gain_cell = devices::load_device_card(k.gain_cell_path);
    k.cam = devices::load_device_card(k.cam_path);
    return k;
  }();
  return c;
}

contract::Outcome run_component(const std::string& text, uint64_t /*seed: the models are deterministic*/) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  cost::ComponentInit init;
  init.cards = &cards();
  auto comp = cost::component_registry().create(sec, "per_event", init);
  cfg.check_unknown();
  contract::Outcome o;
  o.output = {comp->energy_j(), comp->time_s(), comp->area_m2()};
  try {
    o.output.push_back(comp->energy_of_sum_j("xbar.read_power_w", 1e-4));
  } catch (const ConfigError&) {
    o.output.push_back(-1.0);  // the model prices no sum (the documented default)
  }
  CHECK_FALSE(comp->basis().empty());
  o.resolved = cfg.resolved_text();
  return o;
}

}  // namespace

TEST_CASE("contract: every component cost model from its example", "[cost][contract]") {
  contract::check_registry("cost_component", cost::component_registry(), run_component);
}
