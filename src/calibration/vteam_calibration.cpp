#include "calibration/vteam_calibration.h"

#include <fmt/format.h>

#include "calibration/spice_experiments.h"
#include "calibration/vteam_fit.h"
#include "core/errors.h"
#include "devices/vteam.h"
#include "spice/pool.h"

namespace pimtx::calibration {

namespace {

// Model keys from VteamParams::to_config() (the inverse of from_config(): ode_* and the switching gate included).
void put_vteam_params(devices::DeviceCard& c, const devices::VteamParams& p) {
  core::Config table;
  core::Section root = table.root();
  p.to_config(root);
  c.set_model_params(root);
}

// VTEAM from a SPICE Monte Carlo: the population is drawn from [calibrate.device] (its spreads), characterised
// with the read-only protocol of vteam_fit.h, fitted, and then verified out of sample: the calibrated model's
// conductance-update mean/std against a fresh SPICE population at `verify_pulses`.
class VteamCalibration final : public Calibration {
 public:
  VteamCalibration(core::Section& cal, std::string source, uint64_t seed) : source_(std::move(source)), seed_(seed) {
    using core::Range;
    auto dev = cal.section("device");
    base_ = devices::VteamParams::from_config(dev);
    if (source_ == "csv") {
      cal.fail("source", "model = \"vteam\" is calibrated from \"spice\" (or written as \"reference\"); no CSV format");
    }
    if (source_ == "spice") {
      n_devices_ = static_cast<size_t>(cal.get_int("n_devices", 400, Range::closed(3, 100000)));
      n_verify_ = static_cast<size_t>(cal.get_int("verify_n_devices", 2000, Range::closed(0, 100000)));
      proto_.v_read_v = cal.get_double("v_read_v", proto_.v_read_v, Range::closed(1e-3, 1));
      proto_.reset_v = cal.get_double_array("reset_v", proto_.reset_v, Range::closed(0, 10));
      proto_.set_v = cal.get_double_array("set_v", proto_.set_v, Range::closed(-10, 0));
      verify_ = cal.get_double_array("verify_pulses", {0.8, 20e-6, 1.0, 5e-6, -1.1, 5e-6});
      if (verify_.size() % 2 != 0) {
        cal.fail("verify_pulses", "must hold (amplitude_v, width_s) pairs");
      }
      workers_ = read_spice_workers(cal);
    }
  }
  devices::DeviceCard run() override {
    devices::DeviceCard c;
    c.model = "vteam";
    c.source = source_;
    devices::VteamParams p = base_;
    c.validity["v_v"] = {-2.0, 2.0};
    if (source_ == "spice") {
      spice::WorkerPool pool(workers_);
      const auto pop = draw_vteam_population(base_, n_devices_, seed_);
      const auto wave = vteam_protocol_wave(proto_, base_);
      VteamSpiceOptions opt;
      opt.tmax_per_width = 0.2;
      const auto tr = run_vteam_bench(pool, pop, 1.0, wave.wave, wave.min_width_s, wave.t_read_s, opt, "vteam_char");
      SpiceRun prov = tr.run;
      std::vector<VteamDeviceFit> fits;
      for (size_t k = 0; k < pop.size(); ++k) {
        if (!tr.current_a[k]) {
          continue;
        }
        try {
          fits.push_back(fit_vteam_device(wave, *tr.current_a[k], base_, fmt::format("device {}", k)));
        } catch (const CalibrationError& e) {
          prov.failed.push_back(fmt::format("vteam_char device {}: {}", k, e.what()));
        }
      }
      const auto f = fit_vteam_population(fits, base_);
      p = f.params;
      c.std_err = f.std_err;
      c.fits["vteam_population"] = f.quality;
      c.derived["n_devices_used"] = static_cast<double>(f.n_devices);
      const auto verify_pop = draw_vteam_population(base_, n_verify_, seed_ + 1);
      for (size_t j = 0; n_verify_ > 1 && j < verify_.size(); j += 2) {
        const auto s = run_vteam_update(pool, verify_pop, 0.5, proto_, verify_[j], verify_[j + 1], opt, prov);
        const auto m = sample_vteam_update(p, 20000, seed_, 0.5, proto_, verify_[j], verify_[j + 1]);
        const std::string key = fmt::format("update_{}v_{}s", verify_[j], verify_[j + 1]);
        c.derived[key + "_spice_mean_s"] = s.mean_s;
        c.derived[key + "_spice_std_s"] = s.std_s;
        c.derived[key + "_model_mean_s"] = m.mean_s;
        c.derived[key + "_model_std_s"] = m.std_s;
      }
      put_provenance(c, prov);
    }
    put_vteam_params(c, p);
    return c;
  }

 private:
  std::string source_;
  uint64_t seed_;
  devices::VteamParams base_;
  VteamProtocol proto_;
  size_t n_devices_ = 400, n_verify_ = 2000, workers_ = 2;
  std::vector<double> verify_;
};

}  // namespace

std::unique_ptr<Calibration> make_vteam_calibration(core::Section& cal, const std::string& source, uint64_t seed) {
  return std::make_unique<VteamCalibration>(cal, source, seed);
}

}  // namespace pimtx::calibration
