#include "calibration/calibrate.h"

#include "calibration/spice_experiments.h"

namespace pimtx::calibration {

void put_provenance(devices::DeviceCard& c, const SpiceRun& r) {
  c.netlist_names.insert(c.netlist_names.end(), r.netlist_names.begin(), r.netlist_names.end());
  c.netlist_sha256.insert(c.netlist_sha256.end(), r.netlist_sha256.begin(), r.netlist_sha256.end());
  c.failed_points.insert(c.failed_points.end(), r.failed.begin(), r.failed.end());
  c.ngspice_version = ngspice_version();
  c.derived["spice_wall_s"] = r.wall_s;
}

size_t read_spice_workers(core::Section& cal) {
  return static_cast<size_t>(cal.get_int("spice_workers", 2, core::Range::closed(0, 256)));
}

std::unique_ptr<Calibration> build_calibration(core::Section& cal, uint64_t seed, const std::string& config_text) {
  const std::string model = cal.require_string("model", calibration_registry().names());
  const std::string source = cal.get_string("source", "csv", {"csv", "reference", "spice"});
  std::unique_ptr<Calibration> inner = calibration_registry().create_named(model, cal, source, seed);
  // Stamp provenance on the card the model-specific run produces.
  class Stamped final : public Calibration {
   public:
    Stamped(std::unique_ptr<Calibration> c, uint64_t s, std::string t)
        : c_(std::move(c)), seed_(s), text_(std::move(t)) {}
    devices::DeviceCard run() override {
      devices::DeviceCard card = c_->run();
      card.seed = static_cast<int64_t>(seed_);
      card.config_text = text_;
      return card;
    }

   private:
    std::unique_ptr<Calibration> c_;
    uint64_t seed_;
    std::string text_;
  };
  return std::make_unique<Stamped>(std::move(inner), seed, config_text);
}

}  // namespace pimtx::calibration
