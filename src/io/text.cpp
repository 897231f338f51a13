#include "io/text.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace pimtx::io {

std::string read_text_file(const std::string& path) {
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
