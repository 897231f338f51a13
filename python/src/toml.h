// Python dict -> TOML text (toml.cpp).
//
// Contract: nested dicts become tables (`under` is the dotted path of d itself, "" for the root), values may be
// bool, int, float, str, os.PathLike, NumPy scalars/arrays (via tolist()) and lists of these; anything else is a
// ConfigError naming the key. Floats keep their exact value (Python's shortest round-trip repr).
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace pimtx::python {

std::string dict_to_toml(const pybind11::dict& d, const std::string& under = "");

}  // namespace pimtx::python
