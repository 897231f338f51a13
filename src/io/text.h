// Whole-file text input (evaluation corpora, netlists): IoError naming the file if it cannot be read.
#pragma once

#include <string>

namespace pimtx::io {

std::string read_text_file(const std::string& path);

}  // namespace pimtx::io
