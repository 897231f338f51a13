// Piecewise-linear voltage waveforms shared by the device ODEs and the SPICE PWL sources.
//
// Contract: a Waveform is a list of breakpoints (t_s strictly increasing, v_v) with linear interpolation
// between them and the end values held outside. Device models integrate segment by segment so that no
// integration step straddles a pulse edge (devices.md §2.9, Odeint notes). pulse_train() builds the same
// trapezoidal pulse trains that the SPICE netlist generators write as PWL sources, so the two simulators
// see identical stimuli. Units: seconds, volts.
#pragma once

#include <string>
#include <vector>

namespace pimtx::devices {

struct Waveform {
  std::vector<double> t_s;  // (n_points) strictly increasing
  std::vector<double> v_v;  // (n_points)

  [[nodiscard]] double at(double t_s_query) const;
  [[nodiscard]] double t_end_s() const { return t_s.empty() ? 0.0 : t_s.back(); }
  // NumericError if the breakpoints are not strictly increasing or sizes differ.
  void validate() const;
  // SPICE PWL body "0 0 1e-9 0.5 ..." (values printed with 17 significant digits).
  [[nodiscard]] std::string spice_pwl() const;
};

// Trapezoidal pulses: for each amplitude, rise (t_edge_s), flat top (t_width_s), fall (t_edge_s), then
// t_gap_s at 0 V. Starts with t_gap_s at 0 V. Widths and edges must be > 0.
Waveform pulse_train(const std::vector<double>& amplitudes_v, double t_width_s, double t_edge_s, double t_gap_s);

}  // namespace pimtx::devices
