#include "arch/attention/lsh_planes_memristive.h"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"
#include "xbar/peripherals.h"
#include "xbar/registry.h"

namespace pimtx::arch::lsh {

MemristivePlanesParams MemristivePlanesParams::from_config(core::Section& s, const HashShape& shape) {
  MemristivePlanesParams p;
  p.n_tile_rows = static_cast<int>(s.get_int("n_tile_rows", p.n_tile_rows, core::Range::closed(1, 4096)));
  p.n_tile_cols = static_cast<int>(s.get_int("n_tile_cols", p.n_tile_cols, core::Range::closed(2, 4096)));
  p.tiling = s.get_bool("tiling", p.tiling);
  p.realisation = s.get_string("realisation", p.realisation, {"pulses", "gaussian"});
  p.n_pulses = static_cast<int>(s.get_int("n_pulses", p.n_pulses, core::Range::closed(1, 1 << 20)));
  p.g_spread_s = s.get_double("g_spread_s", p.g_spread_s, core::Range::positive());
  p.v_read_v = s.get_double("v_read_v", p.v_read_v, core::Range{0.0, 1.5, false, true});
  p.n_dac_bits = static_cast<int>(s.get_int("n_dac_bits", p.n_dac_bits, core::Range::closed(0, 16)));
  p.parasitics = xbar::Parasitics::from_config(s, p.parasitics);
  p.comparator_offset_sigma_a =
      s.get_double("comparator_offset_sigma_a", p.comparator_offset_sigma_a, core::Range::non_negative());
  p.comparator_noise_sigma_a =
      s.get_double("comparator_noise_sigma_a", p.comparator_noise_sigma_a, core::Range::non_negative());
  p.reprogram_per_round = s.get_bool("reprogram_per_round", p.reprogram_per_round);
  if (p.n_tile_cols % 2 != 0) {
    s.fail("n_tile_cols", fmt::format("= {}: must be even (each plane is a differential column pair)", p.n_tile_cols));
  }
  if (!p.tiling && p.n_tile_rows < shape.n_dim) {
    s.fail("n_tile_rows", fmt::format("= {} is smaller than the head dimension {} and tiling = false: set "
                                      "n_tile_rows >= {} or tiling = true",
                                      p.n_tile_rows, shape.n_dim, shape.n_dim));
  }
  return p;
}

void MemristivePlanesParams::to_config(core::Section& s) const {
  s.set_int("n_tile_rows", n_tile_rows);
  s.set_int("n_tile_cols", n_tile_cols);
  s.set_bool("tiling", tiling);
  s.set_string("realisation", realisation);
  s.set_int("n_pulses", n_pulses);
  s.set_double("g_spread_s", g_spread_s);
  s.set_double("v_read_v", v_read_v);
  s.set_int("n_dac_bits", n_dac_bits);
  parasitics.to_config(s);
  s.set_double("comparator_offset_sigma_a", comparator_offset_sigma_a);
  s.set_double("comparator_noise_sigma_a", comparator_noise_sigma_a);
  s.set_bool("reprogram_per_round", reprogram_per_round);
}

namespace {

// One physical tile after programming: its linear map, or the tile itself when the read law is nonlinear.
struct TileMap {
  Eigen::MatrixXd m;                         // (planes per tile, n_tile_rows): ΔI (A) at v_read_v per word line
  std::unique_ptr<xbar::StochasticVmm> vmm;  // kept only if not linear
  Eigen::VectorXd di;                        // nonlinear tiles: ΔI of every plane for the current vector
  bool di_valid = false;
};

class MemristiveHasher final : public Hasher {
 public:
  MemristiveHasher(const MemristivePlanesParams& p, std::shared_ptr<const xbar::ProgrammingModel> model, uint64_t seed,
                   HashShape shape, int layer, int kv_head)
      : p_(p), shape_(shape), dac_(dac_params(p)) {
    ppt_ = p.n_tile_cols / 2;
    n_cycles_ = p.reprogram_per_round ? shape.n_rounds : 1;
    const int planes_per_cycle = p.reprogram_per_round ? shape.n_bits : shape.n_bits * shape.n_rounds;
    n_col_tiles_ = (planes_per_cycle + ppt_ - 1) / ppt_;
    n_row_tiles_ = (shape.n_dim + p.n_tile_rows - 1) / p.n_tile_rows;
    xbar::StochasticVmmParams vp;
    vp.n_inputs = p.n_tile_rows;
    vp.n_bits = ppt_;
    vp.planes = p.realisation;
    vp.g_spread_s = p.g_spread_s;
    vp.n_pulses = p.n_pulses;
    vp.v_read_v = p.v_read_v;
    vp.parasitics = p.parasitics;
    // Comparators sit after the row tiles' currents are summed: modelled here, not in each tile.
    vp.comparator_offset_sigma_a = 0.0;
    vp.comparator_noise_sigma_a = 0.0;
    core::Rng probe_rng(seed, "arch.lsh.memristive.probe");
    for (int c = 0; c < n_cycles_; ++c) {
      for (int ct = 0; ct < n_col_tiles_; ++ct) {
        for (int rt = 0; rt < n_row_tiles_; ++rt) {
          // One physical tile per (layer, kv head, row tile, column tile); cycles re-program the same one.
          const uint64_t instance =
              (((static_cast<uint64_t>(layer) << 12 | static_cast<uint64_t>(kv_head)) << 8 | static_cast<uint64_t>(rt))
               << 12) |
              static_cast<uint64_t>(ct);
          auto vmm = std::make_unique<xbar::StochasticVmm>(vp, model, seed, instance);
          for (int k = 0; k < c; ++k) {
            vmm->reprogram();
          }
          tiles_.push_back(extract(std::move(vmm), probe_rng));
        }
      }
    }
    // Comparator offsets, fixed per physical comparator (column pair).
    core::Rng off = core::Rng(seed, "arch.lsh.memristive.comparator_d2d")
                        .child("layer", static_cast<uint64_t>(layer))
                        .child("kv_head", static_cast<uint64_t>(kv_head));
    offset_a_.resize(n_col_tiles_ * ppt_);
    for (Eigen::Index g = 0; g < offset_a_.size(); ++g) {
      offset_a_(g) = p.comparator_offset_sigma_a * off.normal();
    }
    v_pad_.setZero(p.n_tile_rows);
  }

  [[nodiscard]] bool uses_noise() const override { return p_.comparator_noise_sigma_a > 0.0; }

  void hash(std::span<const float> x, core::Rng* noise, std::span<uint32_t> ids) override {
    const int nd = shape_.n_dim;
    Eigen::MatrixXd xin(nd, 1);
    for (int i = 0; i < nd; ++i) {
      xin(i, 0) = x[static_cast<size_t>(i)];
    }
    double x_scale = 0.0;
    const Eigen::MatrixXd volts =
        xin.cwiseAbs().maxCoeff() > 0.0 ? dac_.slices(xin, x_scale)[0] : Eigen::MatrixXd::Zero(nd, 1);
    for (TileMap& t : tiles_) {
      t.di_valid = false;  // a new vector: nonlinear tiles are solved once, on first use
    }
    for (int r = 0; r < shape_.n_rounds; ++r) {
      const int cycle = p_.reprogram_per_round ? r : 0;
      uint32_t id = 0;
      for (int b = 0; b < shape_.n_bits; ++b) {
        const int g = p_.reprogram_per_round ? b : r * shape_.n_bits + b;  // plane index within the cycle
        const int ct = g / ppt_;
        const int k = g % ppt_;
        double di = 0.0;  // summed over row tiles (shared sense node)
        for (int rt = 0; rt < n_row_tiles_; ++rt) {
          di += tile_current(tile(cycle, ct, rt), volts, rt, k);
        }
        double s = di + offset_a_(g);
        if (noise != nullptr && p_.comparator_noise_sigma_a > 0.0) {
          s += p_.comparator_noise_sigma_a * noise->normal();
        }
        if (s >= 0.0) {
          id |= 1u << b;
        }
      }
      ids[static_cast<size_t>(r)] = id;
    }
  }

 private:
  static xbar::DacParams dac_params(const MemristivePlanesParams& p) {
    xbar::DacParams d;
    d.n_bits = p.n_dac_bits;
    d.v_max_v = p.v_read_v;
    d.x_max = 0.0;  // per-vector full scale
    d.n_slices = 1;
    return d;
  }

  TileMap extract(std::unique_ptr<xbar::StochasticVmm> vmm, core::Rng& probe_rng) const {
    TileMap t;
    const Eigen::Index rows = p_.n_tile_rows;
    // Unit inputs: StochasticVmm scales each vector to v_read_v, so row i drives word line i at v_read_v.
    t.m = vmm->differential_currents(Eigen::MatrixXd::Identity(rows, rows));  // (ppt, rows)
    Eigen::MatrixXd probe(1, rows);
    for (Eigen::Index i = 0; i < rows; ++i) {
      probe(0, i) = probe_rng.uniform(-1.0, 1.0);
    }
    const double m = probe.cwiseAbs().maxCoeff();
    const Eigen::VectorXd direct = vmm->differential_currents(probe).col(0);
    const Eigen::VectorXd linear = t.m * (probe.row(0).transpose() / m);
    if ((direct - linear).norm() > 1e-9 * std::max(direct.norm(), 1e-30)) {
      t.vmm = std::move(vmm);  // nonlinear cells: solve every vector
    }
    return t;
  }

  [[nodiscard]] TileMap& tile(int cycle, int ct, int rt) {
    return tiles_[static_cast<size_t>((cycle * n_col_tiles_ + ct) * n_row_tiles_ + rt)];
  }

  // ΔI of plane k of a tile for the row-tile chunk rt of the word-line volts.
  double tile_current(TileMap& t, const Eigen::MatrixXd& volts, int rt, int k) {
    const int r0 = rt * p_.n_tile_rows;
    const int len = std::min(p_.n_tile_rows, shape_.n_dim - r0);
    if (!t.vmm) {
      return t.m.row(k).head(len).dot(volts.col(0).segment(r0, len)) / p_.v_read_v;
    }
    if (!t.di_valid) {
      v_pad_.setZero();
      v_pad_.head(len) = volts.col(0).segment(r0, len);
      const double m = v_pad_.cwiseAbs().maxCoeff();
      // The tile rescales each vector to v_read_v; with several row tiles their relative scale is then lost
      // for a nonlinear law (exact for one row tile, whose chunk already has max |V| = v_read_v).
      t.di = m == 0.0 ? Eigen::VectorXd::Zero(ppt_)
                      : Eigen::VectorXd(t.vmm->differential_currents(v_pad_.transpose()).col(0) * (m / p_.v_read_v));
      t.di_valid = true;
    }
    return t.di(k);
  }

  MemristivePlanesParams p_;
  HashShape shape_;
  xbar::Dac dac_;
  int ppt_ = 1;
  int n_cycles_ = 1;
  int n_col_tiles_ = 0;
  int n_row_tiles_ = 1;
  std::vector<TileMap> tiles_;  // (cycle, col tile, row tile)
  Eigen::VectorXd offset_a_;    // (n_col_tiles * ppt)
  Eigen::VectorXd v_pad_;       // (n_tile_rows) scratch
};

}  // namespace

MemristivePlanes::MemristivePlanes(MemristivePlanesParams p, std::shared_ptr<const xbar::ProgrammingModel> model,
                                   uint64_t seed, HashShape shape)
    : p_(std::move(p)), model_(std::move(model)), seed_(seed), shape_(shape) {}

std::unique_ptr<Hasher> MemristivePlanes::make_hasher(int layer, int kv_head) const {
  return std::make_unique<MemristiveHasher>(p_, model_, seed_, shape_, layer, kv_head);
}

std::unique_ptr<PlaneSource> make_memristive_planes(core::Section& s, uint64_t seed, HashShape shape) {
  MemristivePlanesParams p = MemristivePlanesParams::from_config(s, shape);
  core::Section prog = s.section("programming");
  std::shared_ptr<const xbar::ProgrammingModel> model = xbar::programming_registry().create(prog, "gaussian");
  return std::make_unique<MemristivePlanes>(std::move(p), std::move(model), seed, shape);
}

}  // namespace pimtx::arch::lsh
