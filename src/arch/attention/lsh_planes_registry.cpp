// Explicit list of LSH plane sources (STYLE.md §2).
#include "arch/attention/lsh_planes.h"
#include "arch/attention/lsh_planes_memristive.h"
#include "arch/attention/lsh_planes_software.h"

namespace pimtx::arch::lsh {

namespace {
PlaneSourceRegistry make_registry() {
  PlaneSourceRegistry r("LSH plane source");
  r.add("gaussian", make_gaussian_planes);
  r.add("quantized", make_quantized_planes);
  r.add("memristive", make_memristive_planes);
  return r;
}
}  // namespace

const PlaneSourceRegistry& plane_source_registry() {
  static const PlaneSourceRegistry r = make_registry();
  return r;
}

}  // namespace pimtx::arch::lsh
