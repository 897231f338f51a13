#include "cost/components.h"

namespace pimtx::cost {

const ComponentRegistry& component_registry() {
  static const ComponentRegistry reg = [] {
    ComponentRegistry r("cost component model");
    r.add("per_event", make_per_event);
    r.add("block_power", make_block_power);
    r.add("adc_walden", make_adc_walden);
    r.add("adc_flash", make_adc_flash);
    r.add("adc_sar", make_adc_sar);
    r.add("dac_cv2", make_dac_cv2);
    r.add("xbar_read", make_xbar_read);
    r.add("xbar_program", make_xbar_program);
    r.add("gain_cell_write", make_gain_cell_write);
    r.add("gain_cell_read", make_gain_cell_read);
    r.add("cam_search", make_cam_search);
    r.add("memory", make_memory);
    r.add("interconnect", make_interconnect);
    return r;
  }();
  return reg;
}

}  // namespace pimtx::cost
