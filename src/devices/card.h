// Device card: a calibrated parameter set with its distributions, validity ranges, fit quality and
// provenance, stored in the /device group of a pimtx HDF5 file (docs/results-format.md).
//
// Layout (all under /device):
//   attrs model ("metal_oxide" | "vteam" | "gain_cell"), source ("spice" | "csv" | "reference"),
//         card_version (k_card_version; absent in version-1 cards)
// Versions: 1 = the original layout; 2 adds the gain cell's device-to-device read spread, Monte-Carlo retention
// spread and per-access energies (params read.v_shift_d2d_sigma_v, read.gain_d2d_sigma_rel, energy.*). A version-1
// card still loads (its model then uses the defaults for the missing keys: no read spread, energy 0 = not
// measured); a card newer than k_card_version is rejected with a ConfigError naming the file and both versions.
//   params/<key>        scalar, units from the key's suffix; attr std_err (fit uncertainty, 0 if not fitted)
//   arrays/<key>        1-D arrays (e.g. a1_law_si, read.coef_si)
//   strings/<key>       strings (e.g. retention.type)
//   flags/<key>         booleans as 0/1 (e.g. write_noise; absent in older cards)
//   validity/<name>     [min, max] of the range the card was calibrated on; models throw outside it
//   derived/<key>       fitted figures that are not model keys (e.g. set_scale_rel), attr std_err
//   fit/<name>/{r2, rms_residual, max_abs_residual, max_rel_residual, n_points}
//   array_check/<key>   1-D arrays of the small-array read check vs SPICE (metal_oxide + spice; absent otherwise):
//                       n_rows, n_cols, n_patterns_used, max_rel_error, mean_rel_error (per array size),
//                       r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm, v_in_range_v, g0_range_s
//   provenance/{netlist_sha256 (strings), netlist_names, ngspice_version, seed, config, data_files, failed_points}
// Keys are the model's config keys (dotted for sub-tables: "read.coef_si", "retention.tau_ret_s"), so
// to_toml() yields a table the model's from_config() reads directly.
//
// Contract: write_device_card() adds the /device group to an open ResultFile; load_device_card() reads it
// back (IoError if the file or the group is missing, ConfigError for an unknown model). Pure data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "io/h5.h"

namespace pimtx::devices {

struct FitQuality {
  double r2 = 0, rms_residual = 0, max_abs_residual = 0, max_rel_residual = 0;
  int64_t n_points = 0;
};

inline constexpr int64_t k_card_version = 2;

struct DeviceCard {
  int64_t version = k_card_version;
  std::string model;
  std::string source;
  std::map<std::string, double> params;
  std::map<std::string, double> std_err;
  std::map<std::string, std::vector<double>> arrays;
  std::map<std::string, std::string> strings;
  std::map<std::string, bool> flags;  // boolean model keys (/device/flags/<key>, 0 or 1)
  std::map<std::string, std::pair<double, double>> validity;
  std::map<std::string, FitQuality> fits;
  std::map<std::string, double> derived;  // fitted figures that are not model keys (/device/derived/<key>)
  std::map<std::string, std::vector<double>> array_check;  // /device/array_check/<key> (units from the suffix)
  // Provenance.
  std::vector<std::string> netlist_names, netlist_sha256;
  std::string ngspice_version;
  int64_t seed = 0;
  std::string config_text;
  std::vector<std::string> data_files;
  std::vector<std::string> failed_points;  // "point: ngspice message", excluded from the fits

  // The parameters as a TOML table body (dotted keys become sub-tables), for the model's from_config().
  [[nodiscard]] std::string to_toml() const;
  // Fill params / arrays / strings / flags from a table written by the model's Params::to_config() (the exact
  // inverse of from_config(), so a card reloads to the same parameters): numbers → params, arrays → arrays,
  // strings → strings, booleans → flags, sub-tables → dotted keys; the top-level `type` is the card's model.
  void set_model_params(core::Section& table);
};

// Unit of a key from its suffix (_ohm → ohm, _s → s, _v → V, _a → A, _f → F, _k → K, _hz → Hz, else "1").
std::string units_of_key(const std::string& key);

void write_device_card(io::ResultFile& out, const DeviceCard& card);
DeviceCard load_device_card(const std::filesystem::path& path);

}  // namespace pimtx::devices
