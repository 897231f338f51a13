#include "io/output_path.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/errors.h"
#include "core/interrupt.h"

namespace pimtx::io {

namespace fs = std::filesystem;

namespace {

// The folder the output goes into, or its nearest existing ancestor.
fs::path existing_folder(const fs::path& out) {
  fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  std::error_code ec;
  while (!fs::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) {
    dir = dir.parent_path();
  }
  return dir;
}

}  // namespace

void check_output_path(const fs::path& out, const std::vector<std::string>& inputs) {
  if (out.empty()) {
    throw UsageError("output path is empty");
  }
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) {
      throw UsageError(fmt::format("output '{}' is a directory; give a file name", out.string()));
    }
    if (!fs::is_regular_file(st)) {
      throw UsageError(fmt::format("output '{}' exists and is not a regular file", out.string()));
    }
    for (const auto& in : inputs) {
      std::error_code eq;
      if (!in.empty() && fs::equivalent(out, in, eq) && !eq) {
        throw UsageError(
            fmt::format("output '{}' is an input of this run ('{}'); it would be overwritten", out.string(), in));
      }
    }
  }
  const fs::path dir = existing_folder(out);
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("output '{}': '{}' is not a directory", out.string(), dir.string()));
  }
  const fs::path probe = dir / fmt::format(".pimtx-probe.{}", getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    throw UsageError(
        fmt::format("output '{}': cannot write in folder '{}': {}", out.string(), dir.string(), std::strerror(err)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path tmp = parent / fmt::format(".{}.tmp.{}", path.filename().string(), getpid());
  core::CleanupPath guard(tmp);
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw IoError(fmt::format("cannot write '{}' (temporary file '{}')", path.string(), tmp.string()));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ec2;
    fs::remove(tmp, ec2);
    throw IoError(fmt::format("cannot rename '{}' to '{}': {}", tmp.string(), path.string(), ec.message()));
  }
}

}  // namespace pimtx::io
