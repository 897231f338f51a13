// bench_xbar_hash_stats: how device and circuit statistics shift the sign-bit collision probability of the
// stochastic VMM (src/xbar/stochastic_vmm.h) away from 1 − θ/π. 64 inputs, 256 bits, 200 pairs per angle,
// full nodal solve. Prints the measured collision probability per setting and angle. A second table uses the
// "device" programming unit (metal_oxide pulse law, A1·V + A3·V³ read law solved by Newton, device read noise):
// 64 inputs, 128 bits, 150 pairs per angle (Newton solves cost ~10x a linear solve).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/rng.h"
#include "xbar/registry.h"
#include "xbar/stochastic_vmm.h"

using namespace pimtx;
using namespace pimtx::xbar;

static Eigen::MatrixXd pairs(int n_pairs, int dim, double theta, uint64_t seed) {
  core::Rng rng(seed, "bench.pairs");
  return unit_pairs_at_angle(n_pairs, dim, theta, rng);
}

static double collision(StochasticVmm& h, const Eigen::MatrixXd& x) {
  const auto bits = h.sign_bits(x);
  const auto nb = static_cast<size_t>(h.n_bits());
  size_t same = 0;
  for (size_t p = 0; p < static_cast<size_t>(x.rows()) / 2; ++p) {
    for (size_t k = 0; k < nb; ++k) {
      same += bits[2 * p * nb + k] == bits[(2 * p + 1) * nb + k] ? 1 : 0;
    }
  }
  return static_cast<double>(same) / static_cast<double>(nb * static_cast<size_t>(x.rows()) / 2);
}

int main() {
  struct Setting {
    const char* name;
    StochasticVmmParams p;
    GaussianProgrammingParams g;
  };
  std::vector<Setting> s;
  StochasticVmmParams base;
  base.n_inputs = 64;
  base.n_bits = 256;
  s.push_back({"ideal gaussian planes, 1-ohm wires", base, {}});
  {
    auto p = base;
    p.parasitics = Parasitics{10.0, 10.0, 10.0, 10.0};
    s.push_back({"gaussian, 10-ohm wires/driver/sense", p, {}});
  }
  for (double sg : {0.05, 0.2}) {
    GaussianProgrammingParams g;
    g.g_c2c_sigma_rel = sg;
    s.push_back(
        {sg == 0.05 ? "gaussian, programming error 5% of range" : "gaussian, programming error 20% of range", base, g});
  }
  {
    GaussianProgrammingParams g;
    g.g_d2d_sigma_rel = 0.3;
    s.push_back({"gaussian, d2d gain spread 30%", base, g});
  }
  for (double off : {5e-6, 2e-5}) {
    auto p = base;
    p.comparator_offset_sigma_a = off;
    s.push_back({off == 5e-6 ? "comparator offset sigma 5 uA" : "comparator offset sigma 20 uA", p, {}});
  }
  for (double nz : {5e-6, 2e-5}) {
    auto p = base;
    p.comparator_noise_sigma_a = nz;
    s.push_back({nz == 5e-6 ? "comparator noise sigma 5 uA" : "comparator noise sigma 20 uA", p, {}});
  }
  for (double d2d : {0.0, 0.5}) {
    auto p = base;
    p.planes = "pulses";
    GaussianProgrammingParams g;
    g.pulse_d2d_sigma_rel = d2d;
    s.push_back({d2d == 0.0 ? "random pulses (20), no d2d" : "random pulses (20), pulse d2d 50%", p, g});
  }
  const double thetas[] = {M_PI / 6, M_PI / 3, M_PI / 2, 2 * M_PI / 3};
  fmt::print("{:<45}", "setting \\ theta:  1-theta/pi =");
  for (double t : thetas) {
    fmt::print(" {:>8.4f}", 1 - t / M_PI);
  }
  fmt::print("  rms(I+ - I-) A\n");
  for (auto& st : s) {
    StochasticVmm h(st.p, std::make_shared<GaussianProgramming>(st.g), 11);
    fmt::print("{:<45}", st.name);
    for (double t : thetas) {
      fmt::print(" {:>8.4f}", collision(h, pairs(200, 64, t, 5)));
    }
    const Eigen::MatrixXd d = h.differential_currents(pairs(50, 64, 1.0, 6));
    fmt::print("  {:.3g}\n", std::sqrt(d.squaredNorm() / static_cast<double>(d.size())));
  }
  // Device-model rows: programming through the registry, settings as TOML.
  struct DeviceSetting {
    const char* name;
    std::string programming;  // [programming] table
    std::string hash;         // extra StochasticVmm keys / [read_noise]
  };
  const std::string nominal = "type = 'device'\n[device]\nupdate_d2d_scale_rel = 0.0\niv_d2d_scale_rel = 0.0\n";
  const std::string source = "type = 'device'\n[device]\n";  // the source's d2d scales (1)
  const std::string c2c = "type = 'device'\n[device]\nupdate_c2c_sigma_rel = 0.3\n";
  std::vector<DeviceSetting> ds = {
      {"MO gaussian planes, nominal device", nominal, "planes = 'gaussian'\n"},
      {"MO gaussian planes, source d2d (I-V + update)", source, "planes = 'gaussian'\n"},
      {"MO pulses(20), nominal device", nominal, "planes = 'pulses'\n"},
      {"MO pulses(20), source d2d", source, "planes = 'pulses'\n"},
      {"MO pulses(20), source d2d + c2c 30%", c2c, "planes = 'pulses'\n"},
      {"MO pulses(20), 10-ohm wires", source,
       "planes = 'pulses'\nr_wire_row_ohm = 10.0\nr_wire_col_ohm = 10.0\nr_driver_ohm = 10.0\nr_sense_ohm = 10.0\n"},
      {"MO pulses(20), read noise white 5%", source,
       "planes = 'pulses'\n[read_noise]\ntype = 'white_rtn'\nwhite_sigma_rel = 0.05\n"},
      {"MO pulses(20), read noise white 20%", source,
       "planes = 'pulses'\n[read_noise]\ntype = 'white_rtn'\nwhite_sigma_rel = 0.2\n"},
      {"MO pulses(20), RTN 10% (tau 1 us), 1 us reads", source,
       "planes = 'pulses'\n[read_noise]\ntype = 'white_rtn'\nwhite_sigma_rel = 0.0\nrtn_amplitude_rel = -0.1\n"
       "rtn_tau_low_s = 1e-6\nrtn_tau_high_s = 1e-6\n"},
      {"MO pulses(20), comparator offset 1 uA", source, "planes = 'pulses'\ncomparator_offset_sigma_a = 1e-6\n"},
  };
  fmt::print("\n{:<45}", "device setting \\ theta:  1-theta/pi =");
  for (double t : thetas) {
    fmt::print(" {:>8.4f}", 1 - t / M_PI);
  }
  fmt::print("  rms(I+ - I-) A\n");
  for (auto& st : ds) {
    core::Config pc = core::Config::from_string(st.programming);
    core::Section ps = pc.root();
    std::shared_ptr<const ProgrammingModel> model = programming_registry().create(ps, "ideal");
    pc.check_unknown();
    core::Config hc = core::Config::from_string("n_inputs = 64\nn_bits = 128\n" + st.hash);
    core::Section hs = hc.root();
    StochasticVmmParams p = StochasticVmmParams::from_config(hs);
    hc.check_unknown();
    StochasticVmm h(p, model, 11);
    fmt::print("{:<45}", st.name);
    for (double t : thetas) {
      fmt::print(" {:>8.4f}", collision(h, pairs(150, 64, t, 5)));
    }
    const Eigen::MatrixXd d = h.differential_currents(pairs(25, 64, 1.0, 6));
    fmt::print("  {:.3g}\n", std::sqrt(d.squaredNorm() / static_cast<double>(d.size())));
    std::fflush(stdout);
  }
  return 0;
}
