// Explicit list of LSH plane sources (STYLE.md §2), each with its example config (core/registry.h), which
// arch/contract_test.cpp builds and exercises.
#include "arch/attention/lsh_planes.h"
#include "arch/attention/lsh_planes_memristive.h"
#include "arch/attention/lsh_planes_software.h"

namespace pimtx::arch::lsh {

namespace {
PlaneSourceRegistry make_registry() {
  PlaneSourceRegistry r("LSH plane source");
  r.add("gaussian", make_gaussian_planes, "type = \"gaussian\"\n");
  r.add("quantized", make_quantized_planes, "type = \"quantized\"\nn_weight_levels = 8\nclip_sigma_ratio = 2.5\n");
  r.add("memristive", make_memristive_planes,
        "type = \"memristive\"\nn_tile_rows = 16\nn_tile_cols = 8\ntiling = true\nn_pulses = 8\n"
        "comparator_noise_sigma_a = 1e-7\n[programming]\ntype = \"gaussian\"\npulse_d2d_sigma_rel = 0.1\n");
  return r;
}
}  // namespace

const PlaneSourceRegistry& plane_source_registry() {
  static const PlaneSourceRegistry r = make_registry();
  return r;
}

}  // namespace pimtx::arch::lsh
