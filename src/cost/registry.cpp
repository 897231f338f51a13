// Explicit list of the component cost models; each add() carries the model's example table (core/registry.h), which
// contract_test.cpp builds and prices (sources: "example", as these tables price nothing real).
#include "cost/components.h"

namespace pimtx::cost {

const ComponentRegistry& component_registry() {
  static const ComponentRegistry reg = [] {
    ComponentRegistry r("cost component model");
    r.add("per_event", make_per_event, "type = \"per_event\"\ne_event_j = 2e-13\ne_event_j_source = \"example\"\n");
    r.add("block_power", make_block_power,
          "type = \"block_power\"\npower_w = 0.0124\npower_w_source = \"example\"\nn_cycles = 24\n"
          "n_cycles_source = \"example\"\n");
    r.add("adc_walden", make_adc_walden,
          "type = \"adc_walden\"\nn_bits = 8\nfom_j_per_step = 1.14e-14\n"
          "fom_j_per_step_source = \"example\"\nf_sample_hz = 7e8\n"
          "f_sample_hz_source = \"example\"\narea_m2 = 4e-9\narea_m2_source = \"example\"\n");
    r.add("adc_flash", make_adc_flash,
          "type = \"adc_flash\"\nn_bits = 4\ne_comparator_j = 50e-15\n"
          "e_comparator_j_source = \"example\"\ne_encoder_j = 0.1e-12\n"
          "e_encoder_j_source = \"example\"\nf_sample_hz = 1e9\nf_sample_hz_source = \"example\"\n"
          "comparator_area_m2 = 10e-12\ncomparator_area_m2_source = \"example\"\n");
    r.add("adc_sar", make_adc_sar,
          "type = \"adc_sar\"\nn_bits = 8\ne_comparator_j = 50e-15\n"
          "e_comparator_j_source = \"example\"\nc_unit_f = 1e-15\nc_unit_f_source = \"example\"\n"
          "v_ref_v = 0.9\nv_ref_v_source = \"example\"\nf_bit_clock_hz = 1e9\n"
          "f_bit_clock_hz_source = \"example\"\n");
    r.add("dac_cv2", make_dac_cv2,
          "type = \"dac_cv2\"\nc_load_f = 4.096e-12\nc_load_f_source = \"example\"\n"
          "v_swing_v = 0.9\nv_swing_v_source = \"example\"\n");
    r.add("xbar_read", make_xbar_read,
          "type = \"xbar_read\"\nt_read_s = 29.31e-9\nt_read_s_source = \"example\"\n"
          "c_wire_segment_f = 1e-15\nc_wire_segment_f_source = \"example\"\nv_read_v = 0.4\n"
          "v_read_v_source = \"example\"\ncell_area_m2 = 8.1e-15\n"
          "cell_area_m2_source = \"example\"\n");
    r.add("xbar_program", make_xbar_program,
          "type = \"xbar_program\"\nv_pulse_v = 1.5\nv_pulse_v_source = \"example\"\n"
          "t_pulse_s = 1e-7\nt_pulse_s_source = \"example\"\n");
    r.add("gain_cell_write", make_gain_cell_write,
          "type = \"gain_cell_write\"\nc_line_f = 6.4e-14\nc_line_f_source = \"example\"\n"
          "v_write_v = 0.9\nv_write_v_source = \"example\"\nt_write_s = 1e-8\n"
          "t_write_s_source = \"example\"\n");
    r.add("gain_cell_read", make_gain_cell_read,
          "type = \"gain_cell_read\"\nv_store_v = 0.7\nv_store_v_source = \"example\"\n"
          "v_read_v = 0.9\nv_read_v_source = \"example\"\nv_rbl_v = 0.45\n"
          "v_rbl_v_source = \"example\"\nt_read_s = 7.5e-9\nt_read_s_source = \"example\"\n"
          "cell_area_m2 = 1e-12\ncell_area_m2_source = \"example\"\n");
    r.add("cam_search", make_cam_search,
          "type = \"cam_search\"\ne_search_row_j = 1.574e-12\ne_search_row_j_source = \"example\"\n"
          "t_search_s = 1e-9\nt_search_s_source = \"example\"\ncell_area_m2 = 3.3e-12\n"
          "cell_area_m2_source = \"example\"\n");
    r.add("memory", make_memory,
          "type = \"memory\"\ne_per_byte_j = 3.12e-11\ne_per_byte_j_source = \"example\"\n"
          "bandwidth_b_per_s = 4.8e12\nbandwidth_b_per_s_source = \"example\"\n");
    r.add("interconnect", make_interconnect,
          "type = \"interconnect\"\ne_per_byte_mm_j = 6.5e-13\n"
          "e_per_byte_mm_j_source = \"example\"\ndistance_mm = 1.0\n"
          "distance_mm_source = \"example\"\n");
    return r;
  }();
  return reg;
}

}  // namespace pimtx::cost
