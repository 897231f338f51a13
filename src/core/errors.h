// Error hierarchy for pimtx (STYLE.md §4).
//
// Contract: every error the library raises derives from pimtx::Error. Layer boundaries add context
// with pimtx::rethrow_with_context (std::throw_with_nested), and only src/cli/main.cpp catches,
// prints the chain with describe_chain() and picks the exit code: ConfigError and UsageError -> 2,
// everything else -> 1. Nothing in src/ calls exit() or abort().
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace pimtx {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad configuration or user input (unknown key, wrong type, out of range, bad CSV/checkpoint content).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// Wrong command-line usage (exit code 2, like ConfigError).
class UsageError : public Error {
 public:
  using Error::Error;
};

// libngspice reported a failure (netlist error, non-convergence, timeout, fatal error).
class SpiceError : public Error {
 public:
  using Error::Error;
};

// File could not be read or written, or its content is corrupt.
class IoError : public Error {
 public:
  using Error::Error;
};

// A fit failed or its inputs were unusable.
class CalibrationError : public Error {
 public:
  using Error::Error;
};

// Numerical failure (singular matrix, no convergence) inside a native solver.
class NumericError : public Error {
 public:
  using Error::Error;
};

// Throws `outer` with the currently handled exception nested inside it. Call only inside a catch block.
template <class E>
[[noreturn]] void rethrow_with_context(const std::string& context) {
  std::throw_with_nested(E(context));
}

// "outer: inner: innermost" style multi-line chain, outermost first, one line per level.
std::string describe_chain(const std::exception& e);

// True if `e` or any exception nested inside it is (derived from) T.
template <class T>
bool chain_contains(const std::exception& e) {
  if (dynamic_cast<const T*>(&e) != nullptr) {
    return true;
  }
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    return chain_contains<T>(inner);
  } catch (...) {
  }
  return false;
}

}  // namespace pimtx
