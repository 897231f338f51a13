// The native part of the `pimtx` Python package (python/pimtx/__init__.py re-exports it).
#include "common.h"
#include "pimtx/git_info.h"

PYBIND11_MODULE(_pimtx, m) {
  m.doc() = "pimtx native module: device cards, crossbar solver, SPICE, experiments and transformer evaluation.";
  pimtx::python::register_errors(m);
  pimtx::python::register_xbar(m);
  pimtx::python::register_devices(m);
  pimtx::python::register_spice(m);
  pimtx::python::register_run(m);
  m.attr("__version__") = PIMTX_VERSION;
  m.attr("git_commit") = PIMTX_GIT_COMMIT;
}
