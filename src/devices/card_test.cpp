// Device cards (card.h) written from a model's Params::to_config() reload to the same parameters: the hazard
// switching gate keeps tau0_s / v0_v, VTEAM keeps its ode_* keys, the gain cell its flags and read polynomial.
#include "devices/card.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/config.h"
#include "devices/gain_cell.h"
#include "devices/metal_oxide.h"
#include "devices/vteam.h"

using namespace pimtx;
namespace fs = std::filesystem;

namespace {

// Write the card built from `params` to an HDF5 file, load it back and read its table with P::from_config().
template <class P>
P through_card(const P& params, const std::string& name) {
  devices::DeviceCard card;
  card.source = "reference";
  {
    core::Config table;
    core::Section root = table.root();
    params.to_config(root);
    card.set_model_params(root);
  }
  if (card.model.empty()) {
    card.model = "gain_cell";  // GainCellParams has no `type` key (no registry); the card names the model
  }
  const fs::path path = fs::temp_directory_path() / ("pimtx_card_" + name + std::to_string(::getpid()) + ".h5");
  {
    auto f = io::ResultFile::create(path);
    devices::write_device_card(f, card);
    f.commit();
  }
  const devices::DeviceCard back = devices::load_device_card(path);
  fs::remove(path);
  core::Config cfg = core::Config::from_string(back.to_toml(), path.string());
  core::Section root = cfg.root();
  if (root.has("type")) {
    (void)root.get_string("type", "");
  }
  P out = P::from_config(root);
  cfg.check_unknown();  // every key the card holds is a model key
  return out;
}

}  // namespace

TEST_CASE("device card: a metal_oxide card with a hazard gate keeps tau0_s and v0_v", "[devices][card]") {
  devices::MetalOxideParams p;
  p.temperature_k = 313.15;
  p.switching.type = "hazard";
  p.switching.tau0_s = 3.5e-3;  // both differ from the defaults, so a dropped key would show
  p.switching.v0_v = 0.0731;
  p.bands[1].c_set[0] *= 1.25;
  const auto q = through_card(p, "mo");
  CHECK(q.switching.type == "hazard");
  CHECK(q.switching.tau0_s == p.switching.tau0_s);  // exact: cards store doubles with 17 digits
  CHECK(q.switching.v0_v == p.switching.v0_v);
  CHECK(q.temperature_k == p.temperature_k);
  CHECK(q.bands.size() == p.bands.size());
  CHECK(q.bands[1].c_set == p.bands[1].c_set);
  CHECK(q.a3_law_si == p.a3_law_si);
}

TEST_CASE("device card: a vteam card keeps its ode_* keys and switching gate", "[devices][card]") {
  devices::VteamParams p;
  p.ode_rtol_rel = 3e-8;
  p.ode_atol = 7e-12;
  p.ode_max_step_s = 1e-7;
  p.k_d2d_sigma_rel = 0.05;
  p.switching.type = "hazard";
  p.switching.tau0_s = 2e-4;
  const auto q = through_card(p, "vteam");
  CHECK(q.ode_rtol_rel == p.ode_rtol_rel);
  CHECK(q.ode_atol == p.ode_atol);
  CHECK(q.ode_max_step_s == p.ode_max_step_s);
  CHECK(q.k_d2d_sigma_rel == p.k_d2d_sigma_rel);
  CHECK(q.switching.type == "hazard");
  CHECK(q.switching.tau0_s == p.switching.tau0_s);
}

TEST_CASE("device card: a gain_cell card keeps write_noise and the read polynomial", "[devices][card]") {
  devices::GainCellParams p;
  p.write_noise = false;
  p.retention = "leakage_ode";
  p.i0_a = 2.5e-7;
  p.read.n_degree = 1;
  p.read.coef_si = {1e-6, 2e-6, 3e-6};
  const auto q = through_card(p, "gc");
  CHECK_FALSE(q.write_noise);
  CHECK(q.retention == "leakage_ode");
  CHECK(q.i0_a == p.i0_a);
  CHECK(q.read.n_degree == 1);
  CHECK(q.read.coef_si == p.read.coef_si);
}
