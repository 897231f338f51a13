#include "core/errors.h"

namespace pimtx {

namespace {
void append_chain(const std::exception& e, std::string& out, int depth) {
  if (!out.empty()) {
    out += '\n';
  }
  out.append(static_cast<size_t>(depth) * 2, ' ');
  out += e.what();
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    append_chain(inner, out, depth + 1);
  } catch (...) {
    out += "\n  (unknown non-standard exception)";
  }
}
}  // namespace

std::string describe_chain(const std::exception& e) {
  std::string out;
  append_chain(e, out, 0);
  return out;
}

}  // namespace pimtx
