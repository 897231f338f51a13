// pimtx's exception hierarchy (core/errors.h) as Python classes, and the translator that raises them.
//
//   pimtx.Error(Exception)                     base of everything below
//   pimtx.ConfigError(Error, ValueError)       bad configuration or input (unknown key, out of range, bad CSV)
//   pimtx.UsageError(ConfigError)              wrong usage
//   pimtx.IoError(Error, OSError)              a file could not be read or written, or is corrupt
//   pimtx.SpiceError(Error)                    libngspice failed (netlist error, non-convergence, crash, timeout)
//   pimtx.CalibrationError(Error)              a fit failed
//   pimtx.NumericError(Error, ArithmeticError) a native solver failed (singular matrix, no convergence)
// The message of each level is the C++ what(); a nested exception (std::throw_with_nested, added at layer
// boundaries) becomes the Python exception's __cause__, so a traceback shows the same chain, outermost last,
// that `pimtx` prints outermost first.
#include "core/errors.h"

#include <Python.h>

#include "common.h"

namespace pimtx::python {

namespace {
// Owned for the lifetime of the process (module objects are never unloaded).
PyObject* g_error = nullptr;
PyObject* g_config = nullptr;
PyObject* g_usage = nullptr;
PyObject* g_io = nullptr;
PyObject* g_spice = nullptr;
PyObject* g_calibration = nullptr;
PyObject* g_numeric = nullptr;

PyObject* new_class(py::module_& m, const char* name, std::initializer_list<PyObject*> bases, const char* doc) {
  py::tuple b(bases.size());
  size_t i = 0;
  for (PyObject* base : bases) {
    b[i++] = py::reinterpret_borrow<py::object>(base);
  }
  const std::string qualified = std::string("pimtx.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, b.ptr(), nullptr);
  if (cls == nullptr) {
    throw py::error_already_set();
  }
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  return cls;
}

PyObject* class_of(const std::exception& e) {
  if (dynamic_cast<const UsageError*>(&e) != nullptr) {
    return g_usage;
  }
  if (dynamic_cast<const ConfigError*>(&e) != nullptr) {
    return g_config;
  }
  if (dynamic_cast<const IoError*>(&e) != nullptr) {
    return g_io;
  }
  if (dynamic_cast<const SpiceError*>(&e) != nullptr) {
    return g_spice;
  }
  if (dynamic_cast<const CalibrationError*>(&e) != nullptr) {
    return g_calibration;
  }
  if (dynamic_cast<const NumericError*>(&e) != nullptr) {
    return g_numeric;
  }
  if (dynamic_cast<const Error*>(&e) != nullptr) {
    return g_error;
  }
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return PyExc_MemoryError;
  }
  return PyExc_RuntimeError;
}

// The Python exception object for e, with the nested chain as __cause__.
py::object to_python(const std::exception& e) {
  py::object obj = py::reinterpret_borrow<py::object>(class_of(e))(py::str(e.what()));
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    obj.attr("__cause__") = to_python(inner);
  } catch (...) {
  }
  return obj;
}
}  // namespace

void register_errors(py::module_& m) {
  g_error = new_class(m, "Error", {PyExc_Exception}, "Base class of every error pimtx raises.");
  g_config = new_class(m, "ConfigError", {g_error, PyExc_ValueError},
                       "Bad configuration or input: unknown key, wrong type, out-of-range value, bad CSV or "
                       "checkpoint content. The message names the key, file/line and value.");
  g_usage = new_class(m, "UsageError", {g_config}, "Wrong usage (an override without '=', ...).");
  g_io = new_class(m, "IoError", {g_error, PyExc_OSError},
                   "A file could not be read or written, or its content is corrupt.");
  g_spice = new_class(m, "SpiceError", {g_error},
                      "libngspice reported a failure (netlist error, non-convergence, timeout) or its worker "
                      "process died; the message carries ngspice's own lines.");
  g_calibration = new_class(m, "CalibrationError", {g_error}, "A device-model fit failed or its inputs were unusable.");
  g_numeric = new_class(m, "NumericError", {g_error, PyExc_ArithmeticError},
                        "A native solver failed (factorisation, Newton or PCG did not converge).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const Error& e) {
      py::object obj = to_python(e);
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr())), obj.ptr());
    }
  });
}

}  // namespace pimtx::python
