// `memristive` plane source: LSH hash planes realised on passive crossbar tiles by the array simulator's
// stochastic VMM (xbar/stochastic_vmm.h), after Cai et al. (ISCAS 2024: planes on low-resolution 0T1R
// arrays, inputs to ±0.4 V, sign from a comparator) and Wang et al. (Adv. Electron. Mater. 2024:
// device-to-device variability is the projection, cycle-to-cycle variability gives the extra rounds).
//
// Each plane is a differential column pair (G+ − G−) of a tile of n_tile_rows word lines × n_tile_cols bit
// lines (n_tile_cols / 2 planes per tile), programmed once per (layer, kv head) slot: `realisation` =
// "pulses" (both devices reset, then n_pulses random programming pulses: the plane is whatever the device
// statistics make it) or "gaussian" (software N(0,1) planes written with the programming model's error).
// An input vector goes through the DAC (n_dac_bits, full scale ±v_read_v = the vector's max |x|: sign
// hashing is scale-invariant), the tile is solved with wire and driver/sense resistances (nodal solver),
// and a comparator per plane outputs [ΔI + offset + noise >= 0]; the offset N(0, comparator_offset_sigma_a)
// is fixed per comparator (d2d), the noise N(0, comparator_noise_sigma_a) drawn per decision from the
// caller's run-time stream. Rounds: reprogram_per_round = false gives every round its own planes (more
// columns/tiles); true re-programs the same tiles once per round (c2c: same devices, new programming events).
// A head dimension above n_tile_rows needs tiling = true: the vector is split over row tiles whose bit-line
// currents are summed (shared sense node) before the comparator; without tiling it is a ConfigError.
//
// Speed: the tiles have linear cells (I = a1·V), so the array is a linear map from word-line volts to
// bit-line currents, wire drops included. It is extracted once per tile by solving the nodal system for each
// unit input (full v_read_v on one word line) and then applied as a matrix; at construction a random probe is
// solved directly and must agree to 1e-9 relative, otherwise (a nonlinear read law, e.g. a metal-oxide device
// card through xbar's `device` programming) every vector is solved by the full nodal Newton solve, once per
// tile — exact but ~1e3 x slower, too slow for a whole NLL sweep (fine for the collision measurement). With
// several row tiles and a nonlinear law, the per-tile rescaling to v_read_v is undone linearly (approximate).
#pragma once

#include <memory>
#include <vector>

#include "arch/attention/lsh_planes.h"
#include "xbar/programming.h"
#include "xbar/stochastic_vmm.h"

namespace pimtx::arch::lsh {

struct MemristivePlanesParams {
  int n_tile_rows = 64;
  int n_tile_cols = 64;
  bool tiling = false;
  std::string realisation = "pulses";  // or "gaussian"
  int n_pulses = 20;
  double g_spread_s = 60e-6;  // gaussian realisation: 1 sigma of G+ − G−
  double v_read_v = 0.4;      // DAC full scale (Cai et al.: inputs mapped to [−0.4, 0.4] V)
  int n_dac_bits = 4;         // DAC resolution: 2^n_dac_bits − 1 codes of magnitude; 0 = ideal
  xbar::Parasitics parasitics{20.0, 20.0, 10.0, 10.0};  // Cai et al. code: r_wl = r_bl = 20 Ω, r_in = r_out = 10 Ω
  double comparator_offset_sigma_a = 0.5e-6;
  double comparator_noise_sigma_a = 0.2e-6;
  bool reprogram_per_round = false;
  static MemristivePlanesParams from_config(core::Section& s, const HashShape& shape);
  void to_config(core::Section& s) const;  // the keys from_config() reads
  bool operator==(const MemristivePlanesParams&) const = default;
};

class MemristivePlanes : public PlaneSource {
 public:
  MemristivePlanes(MemristivePlanesParams p, std::shared_ptr<const xbar::ProgrammingModel> model, uint64_t seed,
                   HashShape shape);
  [[nodiscard]] std::string type() const override { return "memristive"; }
  [[nodiscard]] std::unique_ptr<Hasher> make_hasher(int layer, int kv_head) const override;
  [[nodiscard]] const MemristivePlanesParams& params() const { return p_; }

 private:
  MemristivePlanesParams p_;
  std::shared_ptr<const xbar::ProgrammingModel> model_;
  uint64_t seed_;
  HashShape shape_;
};

std::unique_ptr<PlaneSource> make_memristive_planes(core::Section& s, uint64_t seed, HashShape shape);

}  // namespace pimtx::arch::lsh
