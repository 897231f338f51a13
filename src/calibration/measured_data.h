// Measured (or exported) calibration data read from CSV with io::read_numeric_csv, so lab data can be
// calibrated the same way as SPICE output.
//
// Formats (header line required, extra columns ignored, '#' comments allowed):
//   pulse:      v_pulse_v, t_pulse_s, g_before_s, g_after_s     (t_pulse_s must be > 0)
//   iv:         g0_s, v_v, i_a                                   (g0_s must be > 0)
//   retention:  cell, t_s, v_store_v                             (t_s must be >= 0; cell = integer id)
//   read:       v_store_v, v_read_v, i_read_a                    (gain-cell read currents)
// Contract: every rejection is a ConfigError naming the file, the line and the column: a missing column
// ("f.csv:1: missing column 't_pulse_s' ..."), a non-numeric value and an out-of-range value
// ("f.csv:7: column 2 ('t_pulse_s'): value -1e-3: pulse width must be > 0").
#pragma once

#include <string>
#include <vector>

namespace pimtx::calibration {

struct PulseData {
  std::vector<double> v_pulse_v, t_pulse_s, g_before_s, g_after_s;
};
struct IvData {
  std::vector<double> g0_s, v_v, i_a;
};
struct RetentionData {
  std::vector<double> cell, t_s, v_store_v;
};
struct ReadData {
  std::vector<double> v_store_v, v_read_v, i_read_a;
};

PulseData read_pulse_csv(const std::string& path);
IvData read_iv_csv(const std::string& path);
RetentionData read_retention_csv(const std::string& path);
ReadData read_gain_read_csv(const std::string& path);

}  // namespace pimtx::calibration
