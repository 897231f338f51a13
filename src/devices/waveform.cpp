#include "devices/waveform.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"

namespace pimtx::devices {

double Waveform::at(double t) const {
  if (t_s.empty()) {
    return 0.0;
  }
  if (t <= t_s.front()) {
    return v_v.front();
  }
  if (t >= t_s.back()) {
    return v_v.back();
  }
  const auto it = std::upper_bound(t_s.begin(), t_s.end(), t);
  const size_t k = static_cast<size_t>(it - t_s.begin());  // t_s[k-1] <= t < t_s[k]
  const double f = (t - t_s[k - 1]) / (t_s[k] - t_s[k - 1]);
  return v_v[k - 1] + f * (v_v[k] - v_v[k - 1]);
}

void Waveform::validate() const {
  if (t_s.size() != v_v.size() || t_s.empty()) {
    throw NumericError(fmt::format("waveform: {} times but {} voltages", t_s.size(), v_v.size()));
  }
  for (size_t i = 1; i < t_s.size(); ++i) {
    if (!(t_s[i] > t_s[i - 1])) {
      throw NumericError(
          fmt::format("waveform: time point {} ({} s) is not after point {} ({} s)", i, t_s[i], i - 1, t_s[i - 1]));
    }
  }
}

std::string Waveform::spice_pwl() const {
  std::string out;
  for (size_t i = 0; i < t_s.size(); ++i) {
    out += fmt::format("{}{:.17g} {:.17g}", i == 0 ? "" : " ", t_s[i], v_v[i]);
  }
  return out;
}

Waveform pulse_train(const std::vector<double>& amplitudes_v, double t_width_s, double t_edge_s, double t_gap_s) {
  if (!(t_width_s > 0) || !(t_edge_s > 0) || !(t_gap_s > 0)) {
    throw NumericError(
        fmt::format("pulse_train: width {} s, edge {} s and gap {} s must all be > 0", t_width_s, t_edge_s, t_gap_s));
  }
  Waveform w;
  double t = 0.0;
  w.t_s.push_back(t);
  w.v_v.push_back(0.0);
  for (double a : amplitudes_v) {
    t += t_gap_s;
    w.t_s.push_back(t);
    w.v_v.push_back(0.0);
    t += t_edge_s;
    w.t_s.push_back(t);
    w.v_v.push_back(a);
    t += t_width_s;
    w.t_s.push_back(t);
    w.v_v.push_back(a);
    t += t_edge_s;
    w.t_s.push_back(t);
    w.v_v.push_back(0.0);
  }
  t += t_gap_s;
  w.t_s.push_back(t);
  w.v_v.push_back(0.0);
  return w;
}

}  // namespace pimtx::devices
