// Explicit list of the calibration methods, one per device model (no self-registration: static linking would
// drop it).
#include "calibration/gain_cell_calibration.h"
#include "calibration/metal_oxide_calibration.h"
#include "calibration/vteam_calibration.h"

namespace pimtx::calibration {

const CalibrationRegistry& calibration_registry() {
  static const CalibrationRegistry r = [] {
    CalibrationRegistry reg("calibration model");
    reg.add("metal_oxide", make_metal_oxide_calibration);
    reg.add("gain_cell", make_gain_cell_calibration);
    reg.add("vteam", make_vteam_calibration);
    return reg;
  }();
  return r;
}

}  // namespace pimtx::calibration
