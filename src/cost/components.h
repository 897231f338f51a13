// Factories of the component models registered in registry.cpp (one model per .cpp file; each file opens with
// its formula and source). Keys of each model are listed in src/cost/README.md.
#pragma once

#include <memory>

#include "cost/component.h"

namespace pimtx::cost {

std::unique_ptr<Component> make_per_event(core::Section& s, const ComponentInit& init);        // per_event.cpp
std::unique_ptr<Component> make_block_power(core::Section& s, const ComponentInit& init);      // block_power.cpp
std::unique_ptr<Component> make_adc_walden(core::Section& s, const ComponentInit& init);       // adc_walden.cpp
std::unique_ptr<Component> make_adc_flash(core::Section& s, const ComponentInit& init);        // adc_flash.cpp
std::unique_ptr<Component> make_adc_sar(core::Section& s, const ComponentInit& init);          // adc_sar.cpp
std::unique_ptr<Component> make_dac_cv2(core::Section& s, const ComponentInit& init);          // dac_cv2.cpp
std::unique_ptr<Component> make_xbar_read(core::Section& s, const ComponentInit& init);        // xbar_read.cpp
std::unique_ptr<Component> make_xbar_program(core::Section& s, const ComponentInit& init);     // xbar_program.cpp
std::unique_ptr<Component> make_gain_cell_write(core::Section& s, const ComponentInit& init);  // gain_cell.cpp
std::unique_ptr<Component> make_gain_cell_read(core::Section& s, const ComponentInit& init);   // gain_cell.cpp
std::unique_ptr<Component> make_cam_search(core::Section& s, const ComponentInit& init);       // cam_search.cpp
std::unique_ptr<Component> make_memory(core::Section& s, const ComponentInit& init);           // memory.cpp
std::unique_ptr<Component> make_interconnect(core::Section& s, const ComponentInit& init);     // memory.cpp

}  // namespace pimtx::cost
