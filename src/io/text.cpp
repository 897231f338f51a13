#include "io/text.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace pimtx::io {

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ConfigError(fmt::format("text file '{}': not found", path));
  }
  // /dev/zero, a fifo or a directory would be read until memory runs out (or not at all).
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(fmt::format("text file '{}': not a regular file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("text file '{}': cannot open", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    throw IoError(fmt::format("text file '{}': read error", path));
  }
  return ss.str();
}

}  // namespace pimtx::io
