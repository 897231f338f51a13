// Overflow-checked size arithmetic for the checkpoint and tokenizer loaders, which read sizes and offsets
// from untrusted files: a product or sum that does not fit in size_t is a ConfigError naming `context`
// (the file), never a wrapped value that passes a bounds check.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <initializer_list>
#include <string>

#include "core/errors.h"

namespace pimtx::arch {

inline size_t checked_mul(std::initializer_list<size_t> factors, const std::string& context) {
  size_t r = 1;
  for (size_t f : factors) {
    if (__builtin_mul_overflow(r, f, &r)) {
      throw ConfigError(fmt::format("{}: sizes overflow 64-bit arithmetic (a product exceeds 2^64 bytes)", context));
    }
  }
  return r;
}

inline size_t checked_add(std::initializer_list<size_t> terms, const std::string& context) {
  size_t r = 0;
  for (size_t t : terms) {
    if (__builtin_add_overflow(r, t, &r)) {
      throw ConfigError(fmt::format("{}: sizes overflow 64-bit arithmetic (a sum exceeds 2^64 bytes)", context));
    }
  }
  return r;
}

}  // namespace pimtx::arch
