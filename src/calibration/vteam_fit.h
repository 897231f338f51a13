// VTEAM characterisation protocol and fitter: per-device R_on, R_off, (k_off, v_off), (k_on, v_on) from read
// currents only, then the population's medians/means and device-to-device spreads in the model's own d2d law
// (vteam.h: k and R lognormal, thresholds normal).
//
// Protocol (one PWL waveform, all devices of a Monte-Carlo population driven with it; devices start OFF, x = 1):
//   read -> R_off;  saturating SET pulse (v_sat_set_v, t_sat_s) -> read -> R_on;
//   RESET pulses at reset_v (each followed by a read), then SET pulses at set_v (each followed by a read).
//   Pulse widths are chosen from the nominal parameters so each pulse moves ln(1−x) (RESET) or ln x (SET) by
//   about step_ln: big enough to measure, small enough not to saturate.
//   Reads: v_read_v (below both thresholds, so reads never move the state) for t_read_s; sampled mid-plateau.
// Extraction (exact for rectangular pulses of the VTEAM law with window (1−x)/x and known α):
//   x = (R − R_on)/(R_off − R_on);  RESET: ln((1−x_a)/(1−x_b))/t_w = k_off·(V/v_off − 1)^α_off, so
//   r^(1/α) = k^(1/α)/v_off·V − k^(1/α) is linear in V: a least-squares line gives k_off = (−b)^α and
//   v_off = −b/a. SET likewise with ln(x_a/x_b) (k_on = −(−b)^α). The trapezoid edges (t_edge_s, 1 ns against
//   widths of µs) add < 1e-4 relative to the rate; α is not fitted (taken from the base parameters).
// Contract: pure functions; CalibrationError naming the device when its reads cannot be inverted.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "calibration/fit.h"
#include "devices/card.h"
#include "devices/vteam.h"
#include "devices/waveform.h"

namespace pimtx::calibration {

struct VteamProtocol {
  double v_read_v = 0.1;
  double t_read_s = 1e-6;
  double t_edge_s = 1e-9;
  double t_gap_s = 0.5e-6;
  double v_sat_set_v = -2.0;
  double t_sat_s = 50e-6;  // nominal device: x falls by exp(-34); a device with k at -3σ still by exp(-18)
  std::vector<double> reset_v{0.9, 1.0, 1.1, 1.2, 1.3};
  std::vector<double> set_v{-1.1, -1.2, -1.3, -1.4, -1.5};
  double step_ln = 0.25;
};

struct ProtocolPulse {
  double v_v = 0, t_w_s = 0;
  size_t read_before = 0, read_after = 0;
};

struct ProtocolWave {
  devices::Waveform wave;
  std::vector<double> t_read_s;       // (n_reads) mid-plateau sample times
  std::vector<double> t_pulse_end_s;  // (n_pulses incl. saturation) end of each flat top
  std::vector<ProtocolPulse> reset, set;
  double v_read_v = 0;
  double min_width_s = 0;
};

ProtocolWave vteam_protocol_wave(const VteamProtocol& p, const devices::VteamParams& nominal);

struct VteamDeviceFit {
  double r_on_ohm = 0, r_off_ohm = 0, k_off_per_s = 0, v_off_v = 0, k_on_per_s = 0, v_on_v = 0;
  double r2_min = 1;  // worst R² of the two linearised rate fits
};
// i_read_a: (n_reads) read currents at wave.t_read_s.
VteamDeviceFit fit_vteam_device(const ProtocolWave& wave, const std::vector<double>& i_read_a,
                                const devices::VteamParams& base, const std::string& device);

struct VteamPopulationFit {
  devices::VteamParams params;  // medians/means + d2d spreads (other fields from base)
  std::map<std::string, double> std_err;
  devices::FitQuality quality;  // worst per-device R², n_points = devices used
  size_t n_devices = 0;
};
VteamPopulationFit fit_vteam_population(const std::vector<VteamDeviceFit>& devices, const devices::VteamParams& base);

}  // namespace pimtx::calibration
