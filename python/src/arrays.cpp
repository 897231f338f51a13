// NumPy <-> Eigen conversions of the binding (common.h).
#include <fmt/format.h>

#include <memory>
#include <utility>

#include "common.h"

namespace pimtx::python {

namespace {
std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) {
    s += fmt::format("{}{}", d > 0 ? ", " : "", a.shape(d));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}
}  // namespace

DoubleArray as_double_array(py::handle obj, const char* name) {
  if (obj.is_none()) {
    throw py::type_error(fmt::format("argument '{}': expected an array of real numbers, got None", name));
  }
  py::array a;
  try {
    a = py::array::ensure(obj);
  } catch (const py::error_already_set&) {
    a = py::array();
  }
  if (!a) {
    throw py::type_error(fmt::format("argument '{}': expected an array of real numbers, got {}", name,
                                     std::string(py::str(obj.get_type().attr("__name__")))));
  }
  const char kind = a.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
    throw py::type_error(
        fmt::format("argument '{}': dtype {} is not real; expected float64 (or a real dtype "
                    "that converts to it)",
                    name, std::string(py::str(a.dtype()))));
  }
  return DoubleArray::ensure(a);
}

Eigen::MatrixXd matrix_arg(py::handle obj, const char* name, Eigen::Index expect_rows, Eigen::Index expect_cols) {
  const DoubleArray a = as_double_array(obj, name);
  if (a.ndim() != 2) {
    throw py::value_error(
        fmt::format("argument '{}': expected a 2-D array (rows, cols), got shape {}", name, shape_of(a)));
  }
  const auto rows = static_cast<Eigen::Index>(a.shape(0));
  const auto cols = static_cast<Eigen::Index>(a.shape(1));
  if ((expect_rows >= 0 && rows != expect_rows) || (expect_cols >= 0 && cols != expect_cols)) {
    throw py::value_error(
        fmt::format("argument '{}': expected shape ({}, {}), got {}", name, expect_rows, expect_cols, shape_of(a)));
  }
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(a.data(), rows, cols);
}

Eigen::MatrixXd vectors_arg(py::handle obj, const char* name, Eigen::Index len, bool* batched) {
  const DoubleArray a = as_double_array(obj, name);
  if (a.ndim() == 1 && a.shape(0) == len) {
    *batched = false;
    return Eigen::Map<const Eigen::MatrixXd>(a.data(), len, 1);
  }
  if (a.ndim() == 2 && a.shape(1) == len) {
    *batched = true;
    // A C-contiguous (n, len) array is the column-major (len, n) matrix.
    return Eigen::Map<const Eigen::MatrixXd>(a.data(), len, static_cast<Eigen::Index>(a.shape(0)));
  }
  throw py::value_error(
      fmt::format("argument '{}': expected shape ({},) for one vector or (n_vectors, {}) for a "
                  "batch, got {}",
                  name, len, len, shape_of(a)));
}

std::vector<double> vector_arg(py::handle obj, const char* name, py::ssize_t n) {
  const DoubleArray a = as_double_array(obj, name);
  if (a.ndim() == 0) {
    return std::vector<double>(static_cast<size_t>(n < 0 ? 1 : n), *a.data());
  }
  if (a.ndim() != 1 || (n >= 0 && a.shape(0) != n)) {
    throw py::value_error(
        n >= 0 ? fmt::format("argument '{}': expected a scalar or shape ({},), got {}", name, n, shape_of(a))
               : fmt::format("argument '{}': expected a 1-D array, got shape {}", name, shape_of(a)));
  }
  return std::vector<double>(a.data(), a.data() + a.shape(0));
}

py::array columns_to_array(Eigen::MatrixXd&& m, bool batched) {
  auto* owned = new Eigen::MatrixXd(std::move(m));
  py::capsule owner(owned, [](void* p) { delete static_cast<Eigen::MatrixXd*>(p); });
  const auto len = static_cast<py::ssize_t>(owned->rows());
  const auto n = static_cast<py::ssize_t>(owned->cols());
  constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
  if (!batched) {
    return py::array(py::dtype::of<double>(), {len}, {d}, owned->data(), owner);
  }
  return py::array(py::dtype::of<double>(), {n, len}, {len * d, d}, owned->data(), owner);
}

py::array nodes_to_array(Eigen::MatrixXd&& m, Eigen::Index rows, Eigen::Index cols, bool batched) {
  auto* owned = new Eigen::MatrixXd(std::move(m));
  py::capsule owner(owned, [](void* p) { delete static_cast<Eigen::MatrixXd*>(p); });
  const auto r = static_cast<py::ssize_t>(rows);
  const auto c = static_cast<py::ssize_t>(cols);
  const auto n = static_cast<py::ssize_t>(owned->cols());
  constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
  if (!batched) {
    return py::array(py::dtype::of<double>(), {r, c}, {c * d, d}, owned->data(), owner);
  }
  return py::array(py::dtype::of<double>(), {n, r, c}, {r * c * d, c * d, d}, owned->data(), owner);
}

py::array vector_to_array(std::vector<double>&& v) {
  auto* owned = new std::vector<double>(std::move(v));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array(py::dtype::of<double>(), {static_cast<py::ssize_t>(owned->size())},
                   {static_cast<py::ssize_t>(sizeof(double))}, owned->data(), owner);
}

}  // namespace pimtx::python
