// pimtx.DeviceCard: a calibrated device card (devices/card.h) and, for memristor cards, the device model it
// configures (devices::MemristorModel through xbar::DeviceProgramming, exactly as `[programming] type = "device"`
// with `device_card = ...` in an xbar or lsh_attention config).
//
// Device identity: device k of a call with seed s has its device-to-device draws from the counter-based stream
// ("python.device.d2d", index k) of master seed s, so draw(), read_current(), read_law(), program() and
// random_pulses() with the same seed see the same devices. Cycle-to-cycle draws of program() / random_pulses()
// come from ("python.device.c2c.<event>", k): pass a new `event` for each programming step of the same devices.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "common.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"
#include "devices/card.h"
#include "devices/registry.h"
#include "toml.h"
#include "xbar/device_programming.h"

namespace pimtx::python {

namespace {

constexpr const char* k_d2d_stream = "python.device.d2d";

core::Rng d2d_rng(uint64_t seed, size_t k) { return core::Rng(seed, k_d2d_stream, k); }
core::Rng c2c_rng(uint64_t seed, int64_t event, size_t k) {
  return core::Rng(seed, fmt::format("python.device.c2c.{}", event), k);
}

class DeviceCard {
 public:
  static std::shared_ptr<DeviceCard> load(const std::string& path, const py::dict& programming) {
    auto c = std::make_shared<DeviceCard>();
    c->path_ = std::filesystem::absolute(path).string();
    c->card_ = devices::load_device_card(path);
    if (devices::memristor_registry().contains(c->card_.model)) {
      core::Config cfg =
          core::Config::from_string(fmt::format("device_card = \"{}\"\n", c->path_) + dict_to_toml(programming, ""),
                                    "DeviceCard.load(programming=...)");
      core::Section s = cfg.root();
      c->prog_ = std::unique_ptr<xbar::DeviceProgramming>(
          dynamic_cast<xbar::DeviceProgramming*>(xbar::make_device_programming(s).release()));
      cfg.check_unknown();
      c->programming_text_ = cfg.resolved_text();
    } else if (!programming.empty()) {
      throw ConfigError(
          fmt::format("DeviceCard.load('{}'): programming parameters apply to memristor cards only; "
                      "this card is for model '{}'",
                      path, c->card_.model));
    }
    return c;
  }

  [[nodiscard]] const devices::DeviceCard& card() const { return card_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& programming_text() const { return programming_text_; }

  [[nodiscard]] const xbar::DeviceProgramming& prog(const char* what) const {
    if (!prog_) {
      throw ConfigError(fmt::format("DeviceCard.{}: card '{}' is for model '{}', not a memristor model (valid: {})",
                                    what, path_, card_.model, fmt::join(devices::memristor_registry().names(), ", ")));
    }
    return *prog_;
  }

  py::dict draw(size_t n, uint64_t seed, const py::object& g_s) const {
    const auto& p = prog("draw");
    const devices::MemristorModel& model = p.model();
    const std::vector<double> g =
        g_s.is_none() ? std::vector<double>(n, model.g_min_s()) : vector_arg(g_s, "g_s", static_cast<py::ssize_t>(n));
    std::vector<double> state(n), cond(n), a1(n), a3(n);
    std::vector<double> d2d(4 * n);
    {
      py::gil_scoped_release nogil;
      for (size_t k = 0; k < n; ++k) {
        core::Rng r = d2d_rng(seed, k);
        const devices::MemristorInstance dev = model.make_instance(g[k], &r);
        state[k] = dev.state;
        cond[k] = model.conductance_s(dev);
        std::copy(dev.d2d.begin(), dev.d2d.end(), d2d.begin() + static_cast<std::ptrdiff_t>(4 * k));
        core::Rng r2 = d2d_rng(seed, k);
        const auto law = p.read_law(g[k], r2);
        a1[k] = law[0];
        a3[k] = law[1];
      }
    }
    py::dict out;
    out["conductance_s"] = vector_to_array(std::move(cond));
    out["state"] = vector_to_array(std::move(state));
    out["d2d"] = vector_to_array(std::move(d2d)).attr("reshape")(n, 4);
    out["a1_s"] = vector_to_array(std::move(a1));
    out["a3_s_per_v2"] = vector_to_array(std::move(a3));
    return out;
  }

  py::array read_current(const py::object& g_s, const py::object& v_v, const py::object& seed) const {
    const devices::MemristorModel& model = prog("read_current").model();
    py::tuple b =
        py::module_::import("numpy").attr("broadcast_arrays")(as_double_array(g_s, "g_s"), as_double_array(v_v, "v_v"));
    const DoubleArray g = DoubleArray::ensure(b[0]);
    const DoubleArray v = DoubleArray::ensure(b[1]);
    const auto n = static_cast<size_t>(g.size());
    const bool d2d = !seed.is_none();
    const uint64_t s = d2d ? seed.cast<uint64_t>() : 0;
    std::vector<double> cur(n);
    {
      py::gil_scoped_release nogil;
      for (size_t k = 0; k < n; ++k) {
        core::Rng r = d2d_rng(s, k);
        const devices::MemristorInstance dev = model.make_instance(g.data()[k], d2d ? &r : nullptr);
        cur[k] = model.current_a(dev, v.data()[k]);
      }
    }
    std::vector<py::ssize_t> shape(g.shape(), g.shape() + g.ndim());
    return vector_to_array(std::move(cur)).attr("reshape")(shape);
  }

  py::tuple read_law(const py::object& g_s, uint64_t seed) const {
    const auto& p = prog("read_law");
    const std::vector<double> g = vector_arg(g_s, "g_s");
    std::vector<double> a1(g.size()), a3(g.size());
    {
      py::gil_scoped_release nogil;
      for (size_t k = 0; k < g.size(); ++k) {
        core::Rng r = d2d_rng(seed, k);
        const auto law = p.read_law(g[k], r);
        a1[k] = law[0];
        a3[k] = law[1];
      }
    }
    return py::make_tuple(vector_to_array(std::move(a1)), vector_to_array(std::move(a3)));
  }

  py::array program(const py::object& g_now_s, const py::object& g_target_s, uint64_t seed, int64_t event) const {
    const auto& p = prog("program");
    std::vector<double> target = vector_arg(g_target_s, "g_target_s");
    const std::vector<double> now = vector_arg(g_now_s, "g_now_s", static_cast<py::ssize_t>(target.size()));
    {
      py::gil_scoped_release nogil;
      for (size_t k = 0; k < target.size(); ++k) {
        core::Rng d = d2d_rng(seed, k);
        core::Rng c = c2c_rng(seed, event, k);
        target[k] = p.program(now[k], target[k], d, c);
      }
    }
    return vector_to_array(std::move(target));
  }

  py::array random_pulses(size_t n, int n_pulses, uint64_t seed, int64_t event) const {
    const auto& p = prog("random_pulses");
    if (n_pulses < 0) {
      throw ConfigError(fmt::format("DeviceCard.random_pulses: n_pulses = {}: must be >= 0", n_pulses));
    }
    std::vector<double> g(n);
    {
      py::gil_scoped_release nogil;
      for (size_t k = 0; k < n; ++k) {
        core::Rng d = d2d_rng(seed, k);
        core::Rng c = c2c_rng(seed, event, k);
        g[k] = p.random_pulses(n_pulses, d, c);
      }
    }
    return vector_to_array(std::move(g));
  }

 private:
  std::string path_;
  devices::DeviceCard card_;
  std::unique_ptr<xbar::DeviceProgramming> prog_;
  std::string programming_text_;
};

template <class Map>
py::dict to_dict(const Map& m) {
  py::dict d;
  for (const auto& [k, v] : m) {
    d[py::str(k)] = py::cast(v);
  }
  return d;
}

}  // namespace

void register_devices(py::module_& m) {
  py::class_<DeviceCard, std::shared_ptr<DeviceCard>>(m, "DeviceCard", R"doc(
A calibrated device card (the /device group of a pimtx HDF5 file, e.g. data/devices/tiox_passive.h5) and, for
memristor cards, the device model and programmer it configures (the same code as `[programming] type = "device"`
with `device_card = ...` in pimtx configs).

Devices are identified by (seed, index): device k of a call with seed s draws its device-to-device parameters from
the stream ("python.device.d2d", k) of s, so draw(), read_current(seed=s), read_law(), program() and
random_pulses() with one seed act on one population. Cycle-to-cycle noise of program() and random_pulses() comes
from ("python.device.c2c.<event>", k): use a new `event` for each programming step of the same devices.
Units are SI: siemens, volts, amperes.
)doc")
      .def_static("load", &DeviceCard::load, py::arg("path"), py::arg("programming") = py::dict(), R"doc(
Load a device card.

Args:
    path: HDF5 file holding a /device group.
    programming: programmer parameters (xbar DeviceProgrammingParams keys: v_set_v, v_reset_v, t_pulse_s,
        n_max_pulses, g_reset_s, rand_v_min_v, rand_v_max_v, rand_t_pulse_s, v_fit_v, read_law = "full" |
        "linear"); memristor cards only. Validated like a config table.

Raises:
    pimtx.IoError: the file or its /device group is missing or corrupt.
    pimtx.ConfigError: unknown model, unknown or out-of-range programming key (naming it).
)doc")
      .def_property_readonly(
          "path", [](const DeviceCard& c) { return c.path(); }, "Absolute path of the card file.")
      .def_property_readonly(
          "model", [](const DeviceCard& c) { return c.card().model; }, "Model name: metal_oxide, vteam or gain_cell.")
      .def_property_readonly(
          "source", [](const DeviceCard& c) { return c.card().source; }, "spice, csv or reference.")
      .def_property_readonly(
          "params", [](const DeviceCard& c) { return to_dict(c.card().params); },
          "Model parameters {config key: value}, units from the key's suffix (dotted keys for sub-tables).")
      .def_property_readonly(
          "std_err", [](const DeviceCard& c) { return to_dict(c.card().std_err); },
          "Fit uncertainty of each parameter (0 if not fitted).")
      .def_property_readonly(
          "arrays", [](const DeviceCard& c) { return to_dict(c.card().arrays); }, "Array parameters {key: list}.")
      .def_property_readonly(
          "strings", [](const DeviceCard& c) { return to_dict(c.card().strings); }, "String parameters {key: str}.")
      .def_property_readonly(
          "validity", [](const DeviceCard& c) { return to_dict(c.card().validity); },
          "Calibrated ranges {name: (min, max)}; the models refuse values outside them.")
      .def_property_readonly(
          "derived", [](const DeviceCard& c) { return to_dict(c.card().derived); },
          "Fitted figures that are not model keys.")
      .def_property_readonly(
          "toml", [](const DeviceCard& c) { return c.card().to_toml(); },
          "The parameters as the TOML table the model's from_config() reads.")
      .def_property_readonly(
          "programming", [](const DeviceCard& c) { return c.programming_text(); },
          "The resolved programmer parameters (TOML text, defaults included); empty for non-memristor cards.")
      .def_property_readonly(
          "g_min_s", [](const DeviceCard& c) { return c.prog("g_min_s").g_min_s(); }, "Lowest conductance (S).")
      .def_property_readonly(
          "g_max_s", [](const DeviceCard& c) { return c.prog("g_max_s").g_max_s(); }, "Highest conductance (S).")
      .def("draw", &DeviceCard::draw, py::arg("n"), py::arg("seed"), py::arg("g_s") = py::none(), R"doc(
Draw n device instances (their device-to-device parameters) at nominal conductance g_s.

Args:
    n: number of devices.
    seed: master seed (device k uses stream ("python.device.d2d", k)).
    g_s: nominal conductance (S), scalar or (n,); None: the model's g_min_s.

Returns:
    dict of float64 arrays: "conductance_s" (n,) (clamped to the model range), "state" (n,) (the model's state
    variable), "d2d" (n, 4) (the device's N(0,1) draws), "a1_s" and "a3_s_per_v2" (n,) (its read law I = a1*V +
    a3*V**3, as read_law()).
)doc")
      .def("read_current", &DeviceCard::read_current, py::arg("g_s"), py::arg("v_v"), py::arg("seed") = py::none(),
           R"doc(
Noise-free DC current (A) of devices at nominal conductance g_s (S) under voltage v_v (V).

g_s and v_v broadcast with NumPy rules; the result has their broadcast shape. seed None: nominal devices (no
device-to-device deviation); else element k of the broadcast array is device k of that seed.
)doc")
      .def("read_law", &DeviceCard::read_law, py::arg("g_s"), py::arg("seed"), R"doc(
Read law of devices programmed to g_s (S, 1-D or scalar): returns (a1_s, a3_s_per_v2) arrays with I = a1*V + a3*V**3,
including each device's d2d deviation (device k of seed). Feed them to Crossbar(a1, a3_s_per_v2=a3).
With programming={"read_law": "linear"} at load, a3 is 0.
)doc")
      .def("program", &DeviceCard::program, py::arg("g_now_s"), py::arg("g_target_s"), py::arg("seed"),
           py::arg("event") = 0, R"doc(
Program devices from g_now_s towards g_target_s (S, 1-D or scalar; same length) with the card's pulse law.

The programmer plans identical SET/RESET pulses on the nominal law; each real device (device k of seed) receives
them with its own d2d update factor and cycle-to-cycle noise (stream "python.device.c2c.<event>"), and ends where
the model puts it. Returns the reached conductances (S). Call again from the result (a new event) for
write-verify.
)doc")
      .def("random_pulses", &DeviceCard::random_pulses, py::arg("n"), py::arg("n_pulses"), py::arg("seed"),
           py::arg("event") = 0, R"doc(
Random programming (hash planes): reset n devices to g_reset_s and apply n_pulses pulses with amplitudes uniform
in [rand_v_min_v, rand_v_max_v]. Returns the n resulting conductances (S).
)doc");
}

}  // namespace pimtx::python
