// Shared helpers of the pimtx Python binding (python/src/*.cpp): NumPy <-> Eigen conversion with argument-named
// errors, zero-copy return of Eigen results, and the registration functions of each binding file.
//
// Contract: the binding layer holds no logic of its own; it converts arguments, releases the GIL around the
// C++ calls that take time (solves, SPICE runs, experiments, evaluation) and maps pimtx's exceptions to the
// Python classes of errors.cpp. Input arrays must hold real numbers (bool, integer or floating dtype; they are
// converted to float64); any other dtype is a TypeError and a wrong shape a ValueError, both naming the argument.
#pragma once

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <Eigen/Dense>
#include <string>
#include <vector>

namespace pimtx::python {

namespace py = pybind11;

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A C-contiguous float64 view of `obj` (a copy only when the dtype or layout requires one); TypeError naming
// `name` if obj is not array-like or its dtype is not real.
DoubleArray as_double_array(py::handle obj, const char* name);

// A 2-D (rows, cols) array -> Eigen matrix of the same shape; ValueError naming `name` otherwise.
// expect_rows / expect_cols < 0: any.
Eigen::MatrixXd matrix_arg(py::handle obj, const char* name, Eigen::Index expect_rows = -1,
                           Eigen::Index expect_cols = -1);

// A batch of vectors of length `len`: shape (len,) (one vector, *batched = false) or (n, len) (*batched = true).
// Returns the (len, n) matrix (one column per vector).
Eigen::MatrixXd vectors_arg(py::handle obj, const char* name, Eigen::Index len, bool* batched);

// A 1-D array of length n, or a scalar broadcast to n (n < 0: any length, scalar gives length 1).
std::vector<double> vector_arg(py::handle obj, const char* name, py::ssize_t n = -1);

// Zero-copy NumPy view of an Eigen column-major matrix m of shape (len, n_vec): the result has shape (n_vec, len),
// or (len,) when !batched (n_vec must be 1). The matrix is moved into the array's owner.
py::array columns_to_array(Eigen::MatrixXd&& m, bool batched);
// The same for node matrices (rows*cols, n_vec) -> (n_vec, rows, cols) or (rows, cols).
py::array nodes_to_array(Eigen::MatrixXd&& m, Eigen::Index rows, Eigen::Index cols, bool batched);

// std::vector<double> -> 1-D float64 array (moved, zero-copy).
py::array vector_to_array(std::vector<double>&& v);

void register_errors(py::module_& m);
void register_xbar(py::module_& m);
void register_devices(py::module_& m);
void register_spice(py::module_& m);
void register_run(py::module_& m);

}  // namespace pimtx::python
