#include "xbar/device_programming.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "devices/card.h"
#include "devices/registry.h"

namespace pimtx::xbar {

void DeviceProgrammingParams::validate() const {
  auto fail = [](const std::string& m) { throw ConfigError("programming (device): " + m); };
  if (!(v_set_v > 0.0) || !(v_reset_v < 0.0) || !(t_pulse_s > 0.0) || n_max_pulses < 1) {
    fail(fmt::format("need v_set_v > 0, v_reset_v < 0, t_pulse_s > 0, n_max_pulses >= 1 (got {}, {}, {}, {})", v_set_v,
                     v_reset_v, t_pulse_s, n_max_pulses));
  }
  if (!(rand_v_min_v <= rand_v_max_v) || rand_v_min_v * rand_v_max_v <= 0.0 || !(rand_t_pulse_s > 0.0)) {
    fail(
        fmt::format("random pulses need rand_v_min_v <= rand_v_max_v of one sign (not 0) and rand_t_pulse_s > 0 "
                    "(got [{}, {}] V, {} s)",
                    rand_v_min_v, rand_v_max_v, rand_t_pulse_s));
  }
  if (!(g_reset_s >= 0.0) || !(v_fit_v > 0.0)) {
    fail(fmt::format("need g_reset_s >= 0 and v_fit_v > 0 (got {}, {})", g_reset_s, v_fit_v));
  }
}

DeviceProgrammingParams DeviceProgrammingParams::from_config(core::Section& s) {
  using core::Range;
  DeviceProgrammingParams p;
  p.v_set_v = s.get_double("v_set_v", p.v_set_v, Range::closed(1e-3, 10));
  p.v_reset_v = s.get_double("v_reset_v", p.v_reset_v, Range::closed(-10, -1e-3));
  p.t_pulse_s = s.get_double("t_pulse_s", p.t_pulse_s, Range::positive());
  p.n_max_pulses = s.get_int("n_max_pulses", p.n_max_pulses, Range::closed(1, 1e7));
  p.g_reset_s = s.get_double("g_reset_s", p.g_reset_s, Range::non_negative());
  p.rand_v_min_v = s.get_double("rand_v_min_v", p.rand_v_min_v, Range::closed(-10, 10));
  p.rand_v_max_v = s.get_double("rand_v_max_v", p.rand_v_max_v, Range::closed(-10, 10));
  p.rand_t_pulse_s = s.get_double("rand_t_pulse_s", p.rand_t_pulse_s, Range::positive());
  p.v_fit_v = s.get_double("v_fit_v", p.v_fit_v, Range::positive());
  p.read_law = s.get_string("read_law", p.read_law, {"full", "linear"});
  if (!(p.rand_v_min_v <= p.rand_v_max_v) || p.rand_v_min_v * p.rand_v_max_v <= 0.0) {
    s.fail("rand_v_max_v", fmt::format("[rand_v_min_v, rand_v_max_v] = [{}, {}] V must be ordered, of one sign "
                                       "and exclude 0",
                                       p.rand_v_min_v, p.rand_v_max_v));
  }
  p.validate();
  return p;
}

void DeviceProgrammingParams::to_config(core::Section& s) const {
  s.set_double("v_set_v", v_set_v);
  s.set_double("v_reset_v", v_reset_v);
  s.set_double("t_pulse_s", t_pulse_s);
  s.set_int("n_max_pulses", n_max_pulses);
  s.set_double("g_reset_s", g_reset_s);
  s.set_double("rand_v_min_v", rand_v_min_v);
  s.set_double("rand_v_max_v", rand_v_max_v);
  s.set_double("rand_t_pulse_s", rand_t_pulse_s);
  s.set_double("v_fit_v", v_fit_v);
  s.set_string("read_law", read_law);
}

std::shared_ptr<const devices::MemristorModel> load_memristor_model(
    core::Section& s, std::map<std::string, std::pair<double, double>>* validity) {
  core::Section dev = s.section("device");
  if (!s.has("device_card")) {
    return devices::memristor_registry().create(dev, "metal_oxide");
  }
  const std::string path = s.get_path("device_card", "", true);
  // An empty [device] table is no model parameters (a resolved config holds one for every table asked for).
  if (dev.exists() && !dev.keys().empty()) {
    s.fail("device_card", "give either device_card or a [device] table with the model's parameters, not both");
  }
  devices::DeviceCard card;
  try {
    card = devices::load_device_card(path);
  } catch (const IoError&) {
    // An unreadable file is a runtime failure (exit 1), not a config mistake: keep the kind and the cause.
    rethrow_with_context<IoError>(fmt::format("config key '{}' {}: cannot read device card '{}'",
                                              s.key_path("device_card"), s.where("device_card"), path));
  } catch (const Error&) {
    rethrow_with_context<ConfigError>(fmt::format("config key '{}' {}: bad device card '{}'", s.key_path("device_card"),
                                                  s.where("device_card"), path));
  }
  if (!devices::memristor_registry().contains(card.model)) {
    s.fail("device_card", fmt::format("device card '{}' is for model '{}', which is not a memristor model "
                                      "(valid: {})",
                                      path, card.model, fmt::join(devices::memristor_registry().names(), ", ")));
  }
  auto model = memristor_model_from_card(card, path);
  if (validity != nullptr) {
    *validity = card.validity;
  }
  return model;
}

std::shared_ptr<const devices::MemristorModel> memristor_model_from_card(const devices::DeviceCard& card,
                                                                         const std::string& origin) {
  core::Config cc = core::Config::from_string(card.to_toml(), origin);
  core::Section root = cc.root();
  auto model = devices::memristor_registry().create(root, card.model);
  // Top-level strings of a card are descriptive (e.g. pulse_law_source, naming where a law came from) unless
  // the model reads them; numeric parameters and arrays must all be model keys.
  for (const auto& [key, value] : card.strings) {
    if (key.find('.') == std::string::npos) {
      (void)root.get_string(key, value);
    }
  }
  cc.check_unknown();
  return model;
}

DeviceProgramming::DeviceProgramming(DeviceProgrammingParams p, std::shared_ptr<const devices::MemristorModel> model)
    : p_(p), model_(std::move(model)) {
  p_.validate();
  if (!model_) {
    throw ConfigError("programming (device): no device model");
  }
  if (p_.g_reset_s > 0.0 && (p_.g_reset_s < model_->g_min_s() || p_.g_reset_s > model_->g_max_s())) {
    throw ConfigError(fmt::format("programming (device): g_reset_s = {} S outside the device range [{}, {}] S",
                                  p_.g_reset_s, model_->g_min_s(), model_->g_max_s()));
  }
}

double DeviceProgramming::program(double g_now_s, double g_target_s, core::Rng& d2d, core::Rng& c2c,
                                  int64_t* n_pulses) const {
  devices::MemristorInstance dev = model_->make_instance(g_now_s, &d2d);
  devices::MemristorInstance twin = model_->make_instance(g_now_s, nullptr);  // the programmer's nominal model
  const double target = std::clamp(g_target_s, model_->g_min_s(), model_->g_max_s());
  const double v = target > model_->conductance_s(twin) ? p_.v_set_v : p_.v_reset_v;
  for (int64_t k = 0; k < p_.n_max_pulses; ++k) {
    const double g_twin = model_->conductance_s(twin);
    devices::MemristorInstance next = twin;
    model_->program_pulse(next, v, p_.t_pulse_s, nullptr);
    // Stop when the next nominal pulse would not bring the twin closer (residual <= half a step).
    if (!(std::abs(model_->conductance_s(next) - target) < std::abs(g_twin - target))) {
      break;
    }
    twin = next;
    model_->program_pulse(dev, v, p_.t_pulse_s, &c2c);
    if (n_pulses != nullptr) {
      ++*n_pulses;
    }
  }
  return model_->conductance_s(dev);
}

double DeviceProgramming::random_pulses(int n_pulses, core::Rng& d2d, core::Rng& c2c) const {
  const double g0 = p_.g_reset_s > 0.0 ? p_.g_reset_s : model_->g_min_s();
  devices::MemristorInstance dev = model_->make_instance(g0, &d2d);
  for (int k = 0; k < n_pulses; ++k) {
    const double v = c2c.uniform(p_.rand_v_min_v, p_.rand_v_max_v);
    model_->program_pulse(dev, v, p_.rand_t_pulse_s, &c2c);
  }
  return model_->conductance_s(dev);
}

std::array<double, 2> DeviceProgramming::read_law(double g_s, core::Rng& d2d) const {
  const devices::MemristorInstance dev = model_->make_instance(g_s, &d2d);
  auto law = model_->read_law(dev, p_.v_fit_v);
  if (p_.read_law == "linear") {
    law[1] = 0.0;
  }
  if (!(law[0] >= 0.0) || !std::isfinite(law[1])) {
    throw NumericError(fmt::format("device read law at G0 = {} S gives A1 = {} S, A3 = {} S/V^2 (A1 must be >= 0)", g_s,
                                   law[0], law[1]));
  }
  return law;
}

std::unique_ptr<ProgrammingModel> make_device_programming(core::Section& s) {
  const DeviceProgrammingParams p = DeviceProgrammingParams::from_config(s);
  std::map<std::string, std::pair<double, double>> validity;
  auto model = load_memristor_model(s, &validity);
  auto check = [&](const char* range, const char* key, double v) {
    const auto it = validity.find(range);
    if (it != validity.end() && (v < it->second.first || v > it->second.second)) {
      s.fail(key, fmt::format("{} V is outside the device card's validity range {} = [{}, {}] V", v, range,
                              it->second.first, it->second.second));
    }
  };
  check("v_set_v", "v_set_v", p.v_set_v);
  check("v_reset_v", "v_reset_v", p.v_reset_v);
  const char* rand_range = p.rand_v_min_v > 0 ? "v_set_v" : "v_reset_v";
  check(rand_range, "rand_v_min_v", p.rand_v_min_v);
  check(rand_range, "rand_v_max_v", p.rand_v_max_v);
  return std::make_unique<DeviceProgramming>(p, std::move(model));
}

}  // namespace pimtx::xbar
