// Explicit list of the calibration methods, one per device model (no self-registration: static linking would
// drop it). Each add() carries the method's example [calibrate] table (core/registry.h), the smallest run that
// exercises it (a few SPICE points, or the reference parameter set), which contract_test.cpp builds and runs.
#include "calibration/cam_calibration.h"
#include "calibration/gain_cell_calibration.h"
#include "calibration/metal_oxide_calibration.h"
#include "calibration/vteam_calibration.h"

namespace pimtx::calibration {

const CalibrationRegistry& calibration_registry() {
  static const CalibrationRegistry r = [] {
    CalibrationRegistry reg("calibration model");
    reg.add("metal_oxide", make_metal_oxide_calibration,
            "model = \"metal_oxide\"\nsource = \"spice\"\ng0_s = [1e-5, 3e-5, 6e-5, 1e-4]\nn_devices = 3\n"
            "v_step_v = 0.1\n[array_check]\nsizes = []\n[device]\ntemperature_k = 313.15\n");
    reg.add("gain_cell", make_gain_cell_calibration,
            "model = \"gain_cell\"\nsource = \"reference\"\nread_degree = 2\nread_offset_v = 0.4\n");
    reg.add("vteam", make_vteam_calibration,
            "model = \"vteam\"\nsource = \"reference\"\n[device]\nk_c2c_sigma_rel = 0.05\n");
    reg.add("cam", build_cam_calibration,
            "model = \"cam\"\nsource = \"spice\"\nn_bits = 4\nhamming = [0, 1, 2, 3, 4]\n"
            "corner_hamming = [0, 4]\nvdd_rel = [1.0]\ntemp_c = [27.0]\nn_mc = 3\n"
            "mc_hamming = [0, 4]\n");
    return reg;
  }();
  return r;
}

}  // namespace pimtx::calibration
