#include "io/h5.h"

#include <H5Cpp.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <functional>

#include "core/errors.h"
#include "core/interrupt.h"
#include "pimtx/git_info.h"

namespace pimtx::io {

namespace fs = std::filesystem;

namespace {

// Silence HDF5's automatic error stack printing; we turn failures into IoError with context.
struct SilenceHdf5 {
  SilenceHdf5() { H5::Exception::dontPrint(); }
};
const SilenceHdf5 g_silence;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    if (slash > start) {
      parts.push_back(path.substr(start, slash - start));
    }
    start = slash + 1;
  }
  return parts;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return (slash == std::string::npos || slash == 0) ? "/" : path.substr(0, slash);
}

void ensure_groups(H5::H5File& f, const std::string& group_path) {
  std::string acc;
  for (const auto& part : split(group_path)) {
    acc += "/" + part;
    if (!f.nameExists(acc)) {
      f.createGroup(acc);
    }
  }
}

std::vector<hsize_t> dims_for(size_t n, const std::vector<size_t>& shape, const std::string& path) {
  if (shape.empty()) {
    return {static_cast<hsize_t>(n)};
  }
  size_t prod = 1;
  std::vector<hsize_t> dims;
  for (size_t d : shape) {
    prod *= d;
    dims.push_back(static_cast<hsize_t>(d));
  }
  if (prod != n) {
    throw IoError(fmt::format("HDF5 dataset {}: shape product {} != data size {}", path, prod, n));
  }
  return dims;
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) {
    return "unknown";
  }
  return buf;
}

H5::StrType vlen_str() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

// Calls fn(obj) with the group or dataset at `path` ("/" is the root group).
template <class Fn>
auto with_object(H5::H5File& f, const std::string& path, Fn&& fn) {
  if (path == "/" || path.empty() || f.childObjType(path) == H5O_TYPE_GROUP) {
    H5::Group g = f.openGroup(path.empty() ? "/" : path);
    return fn(static_cast<H5::H5Object&>(g));
  }
  H5::DataSet d = f.openDataSet(path);
  return fn(static_cast<H5::H5Object&>(d));
}

template <class Fn>
auto guard(const std::string& what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const H5::Exception& e) {
    throw IoError(fmt::format("HDF5: {}: {}", what, e.getDetailMsg()));
  }
}

}  // namespace

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// ---------------------------------------------------------------------------------------------------

struct ResultFile::Impl {
  fs::path final_path;
  fs::path temp_path;
  core::CleanupPath cleanup;  // SIGINT/SIGTERM remove temp_path (core/interrupt.h)
  std::unique_ptr<H5::H5File> file;

  template <class T>
  void write_array(const std::string& path, std::span<const T> data, const std::vector<size_t>& shape,
                   const H5::PredType& mem_type, const H5::PredType& file_type, const std::string& units) {
    guard("writing " + path, [&] {
      ensure_groups(*file, parent_of(path));
      const auto dims = dims_for(data.size(), shape, path);
      H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
      H5::DSetCreatPropList plist;
      // Chunk + compress larger datasets; small ones stay contiguous.
      if (data.size() >= 4096) {
        std::vector<hsize_t> chunk = dims;
        hsize_t total = 1;
        for (auto& c : chunk) {
          total *= c;
        }
        for (size_t i = 0; i < chunk.size() && total > 65536; ++i) {
          while (chunk[i] > 1 && total > 65536) {
            total /= chunk[i];
            chunk[i] = (chunk[i] + 1) / 2;
            total *= chunk[i];
          }
        }
        plist.setChunk(static_cast<int>(chunk.size()), chunk.data());
        plist.setDeflate(4);
      }
      H5::DataSet ds = file->createDataSet(path, file_type, space, plist);
      if (!data.empty()) {
        ds.write(data.data(), mem_type);
      }
      if (!units.empty()) {
        H5::StrType st = vlen_str();
        H5::Attribute a = ds.createAttribute("units", st, H5::DataSpace(H5S_SCALAR));
        a.write(st, units);
      }
    });
  }
};

ResultFile::ResultFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;

ResultFile::~ResultFile() {
  if (impl_ && impl_->file) {
    try {
      impl_->file->close();
    } catch (...) {
    }
    std::error_code ec;
    fs::remove(impl_->temp_path, ec);
  }
}

ResultFile ResultFile::create(const fs::path& final_path) {
  auto impl = std::make_unique<Impl>();
  impl->final_path = final_path;
  const fs::path parent = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (!fs::is_directory(parent)) {
    throw IoError(fmt::format("cannot create output directory {} for {}", parent.string(), final_path.string()));
  }
  impl->temp_path = parent / fmt::format(".{}.tmp.{}", final_path.filename().string(), getpid());
  impl->cleanup = core::CleanupPath(impl->temp_path);  // registered before the file exists
  impl->file = guard("creating " + impl->temp_path.string(),
                     [&] { return std::make_unique<H5::H5File>(impl->temp_path.string(), H5F_ACC_TRUNC); });
  return ResultFile(std::move(impl));
}

void ResultFile::copy_from(const fs::path& src_file, const std::string& src_object, const std::string& dst_object) {
  guard(fmt::format("copying {}:{} to {}", src_file.string(), src_object, dst_object), [&] {
    H5::H5File src(src_file.string(), H5F_ACC_RDONLY);
    ensure_groups(*impl_->file, parent_of(dst_object));
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const herr_t rc =
        H5Ocopy(src.getId(), src_object.c_str(), impl_->file->getId(), dst_object.c_str(), H5P_DEFAULT, lcpl);
    H5Pclose(lcpl);
    if (rc < 0) {
      throw IoError(fmt::format("HDF5: H5Ocopy of {}:{} to {} failed", src_file.string(), src_object, dst_object));
    }
  });
}

void ResultFile::write_meta(const RunMeta& meta) {
  create_group("/meta");
  set_attr("/meta", "tool", std::string("pimtx"));
  set_attr("/meta", "tool_version", std::string(PIMTX_VERSION));
  set_attr("/meta", "git_commit", std::string(PIMTX_GIT_COMMIT));
  set_attr("/meta", "host", hostname());
  set_attr("/meta", "command", meta.command);
  set_attr("/meta", "config", meta.config_text);
  set_attr("/meta", "config_origin", meta.config_origin);
  set_attr("/meta", "seed", static_cast<int64_t>(meta.seed));
  set_attr("/meta", "start_time_utc", meta.start_time_utc);
  set_attr("/meta", "end_time_utc", meta.end_time_utc.empty() ? utc_now_iso8601() : meta.end_time_utc);
  set_attr("/meta", "schema", std::string("pimtx-results/1"));
}

void ResultFile::create_group(const std::string& path) {
  guard("creating group " + path, [&] { ensure_groups(*impl_->file, path); });
}

void ResultFile::write(const std::string& path, std::span<const double> data, const std::vector<size_t>& shape,
                       const std::string& units) {
  impl_->write_array(path, data, shape, H5::PredType::NATIVE_DOUBLE, H5::PredType::IEEE_F64LE, units);
}
void ResultFile::write(const std::string& path, std::span<const float> data, const std::vector<size_t>& shape,
                       const std::string& units) {
  impl_->write_array(path, data, shape, H5::PredType::NATIVE_FLOAT, H5::PredType::IEEE_F32LE, units);
}
void ResultFile::write(const std::string& path, std::span<const int64_t> data, const std::vector<size_t>& shape,
                       const std::string& units) {
  impl_->write_array(path, data, shape, H5::PredType::NATIVE_INT64, H5::PredType::STD_I64LE, units);
}
void ResultFile::write(const std::string& path, std::span<const uint8_t> data, const std::vector<size_t>& shape,
                       const std::string& units) {
  impl_->write_array(path, data, shape, H5::PredType::NATIVE_UINT8, H5::PredType::STD_U8LE, units);
}

void ResultFile::write_scalar(const std::string& path, double value, const std::string& units) {
  write(path, std::span<const double>(&value, 1), {}, units);
}
void ResultFile::write_scalar(const std::string& path, int64_t value, const std::string& units) {
  write(path, std::span<const int64_t>(&value, 1), {}, units);
}

void ResultFile::write_strings(const std::string& path, const std::vector<std::string>& values) {
  guard("writing " + path, [&] {
    ensure_groups(*impl_->file, parent_of(path));
    std::vector<const char*> ptrs;
    for (const auto& v : values) {
      ptrs.push_back(v.c_str());
    }
    hsize_t n = values.size();
    H5::DataSpace space(1, &n);
    H5::StrType st = vlen_str();
    H5::DataSet ds = impl_->file->createDataSet(path, st, space);
    if (!ptrs.empty()) {
      ds.write(ptrs.data(), st);
    }
  });
}

void ResultFile::write_string(const std::string& path, const std::string& value) {
  guard("writing " + path, [&] {
    ensure_groups(*impl_->file, parent_of(path));
    H5::StrType st = vlen_str();
    H5::DataSet ds = impl_->file->createDataSet(path, st, H5::DataSpace(H5S_SCALAR));
    ds.write(value, st);
  });
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, const std::string& value) {
  guard("attribute " + object_path + "@" + name, [&] {
    with_object(*impl_->file, object_path, [&](H5::H5Object& obj) {
      if (obj.attrExists(name)) {
        obj.removeAttr(name);
      }
      H5::StrType st = vlen_str();
      H5::Attribute a = obj.createAttribute(name, st, H5::DataSpace(H5S_SCALAR));
      a.write(st, value);
    });
  });
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, double value) {
  guard("attribute " + object_path + "@" + name, [&] {
    with_object(*impl_->file, object_path, [&](H5::H5Object& obj) {
      if (obj.attrExists(name)) {
        obj.removeAttr(name);
      }
      H5::Attribute a = obj.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR));
      a.write(H5::PredType::NATIVE_DOUBLE, &value);
    });
  });
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, int64_t value) {
  guard("attribute " + object_path + "@" + name, [&] {
    with_object(*impl_->file, object_path, [&](H5::H5Object& obj) {
      if (obj.attrExists(name)) {
        obj.removeAttr(name);
      }
      H5::Attribute a = obj.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
      a.write(H5::PredType::NATIVE_INT64, &value);
    });
  });
}

void ResultFile::commit() {
  guard("closing " + impl_->temp_path.string(), [&] {
    impl_->file->flush(H5F_SCOPE_GLOBAL);
    impl_->file->close();
  });
  impl_->file.reset();
  std::error_code ec;
  fs::rename(impl_->temp_path, impl_->final_path, ec);
  impl_->cleanup.release();  // after the rename: an interrupt before it still removes the temporary file
  if (ec) {
    fs::remove(impl_->temp_path, ec);
    throw IoError(
        fmt::format("cannot rename {} to {}: {}", impl_->temp_path.string(), impl_->final_path.string(), ec.message()));
  }
}

const fs::path& ResultFile::final_path() const { return impl_->final_path; }
const fs::path& ResultFile::temp_path() const { return impl_->temp_path; }

// ---------------------------------------------------------------------------------------------------

struct ResultReader::Impl {
  fs::path path;
  std::unique_ptr<H5::H5File> file;
};

ResultReader::ResultReader(const fs::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw IoError(fmt::format("result file not found: {}", path.string()));
  }
  if (!fs::is_regular_file(path, ec)) {  // H5File::isHdf5 throws on a directory
    throw IoError(fmt::format("not a result file: {} is {}", path.string(),
                              fs::is_directory(path, ec) ? "a directory" : "not a regular file"));
  }
  const bool is_hdf5 = guard("probing " + path.string(), [&] { return H5::H5File::isHdf5(path.string()) > 0; });
  if (!is_hdf5) {
    throw IoError(fmt::format("not an HDF5 file: {}", path.string()));
  }
  impl_->file =
      guard("opening " + path.string(), [&] { return std::make_unique<H5::H5File>(path.string(), H5F_ACC_RDONLY); });
}
ResultReader::ResultReader(ResultReader&&) noexcept = default;
ResultReader::~ResultReader() = default;

bool ResultReader::exists(const std::string& path) const {
  // nameExists fails if an intermediate group is missing, so walk the path.
  std::string acc;
  for (const auto& part : split(path)) {
    acc += "/" + part;
    if (!impl_->file->nameExists(acc)) {
      return false;
    }
  }
  return true;
}

std::vector<size_t> ResultReader::shape(const std::string& path) const {
  return guard("reading " + path, [&] {
    H5::DataSet ds = impl_->file->openDataSet(path);
    H5::DataSpace sp = ds.getSpace();
    const int nd = sp.getSimpleExtentNdims();
    std::vector<hsize_t> dims(static_cast<size_t>(nd));
    sp.getSimpleExtentDims(dims.data());
    return std::vector<size_t>(dims.begin(), dims.end());
  });
}

std::vector<double> ResultReader::read_doubles(const std::string& path) const {
  return guard("reading " + path + " in " + impl_->path.string(), [&] {
    H5::DataSet ds = impl_->file->openDataSet(path);
    const auto n = static_cast<size_t>(ds.getSpace().getSimpleExtentNpoints());
    std::vector<double> out(n);
    if (n > 0) {
      ds.read(out.data(), H5::PredType::NATIVE_DOUBLE);
    }
    return out;
  });
}

std::vector<int64_t> ResultReader::read_ints(const std::string& path) const {
  return guard("reading " + path + " in " + impl_->path.string(), [&] {
    H5::DataSet ds = impl_->file->openDataSet(path);
    const auto n = static_cast<size_t>(ds.getSpace().getSimpleExtentNpoints());
    std::vector<int64_t> out(n);
    if (n > 0) {
      ds.read(out.data(), H5::PredType::NATIVE_INT64);
    }
    return out;
  });
}

std::vector<std::string> ResultReader::read_strings(const std::string& path) const {
  return guard("reading " + path + " in " + impl_->path.string(), [&] {
    H5::DataSet ds = impl_->file->openDataSet(path);
    const auto n = static_cast<size_t>(ds.getSpace().getSimpleExtentNpoints());
    std::vector<char*> ptrs(n, nullptr);
    H5::StrType st = vlen_str();
    if (n > 0) {
      ds.read(ptrs.data(), st);
    }
    std::vector<std::string> out;
    if (n == 0) {
      return out;  // nothing was read, so nothing to reclaim (H5Dvlen_reclaim fails on an empty selection)
    }
    for (char* p : ptrs) {
      out.emplace_back(p != nullptr ? p : "");
    }
    H5::DataSet::vlenReclaim(ptrs.data(), st, ds.getSpace());
    return out;
  });
}

std::string ResultReader::read_string(const std::string& path) const {
  return guard("reading " + path + " in " + impl_->path.string(), [&] {
    H5::DataSet ds = impl_->file->openDataSet(path);
    std::string s;
    ds.read(s, ds.getStrType());
    return s;
  });
}

bool ResultReader::has_attr(const std::string& object_path, const std::string& name) const {
  if (!exists(object_path) && object_path != "/") {
    return false;
  }
  return guard("attribute " + object_path + "@" + name, [&] {
    return with_object(*impl_->file, object_path, [&](H5::H5Object& obj) { return obj.attrExists(name); });
  });
}

std::string ResultReader::attr_string(const std::string& object_path, const std::string& name) const {
  return guard("attribute " + object_path + "@" + name + " in " + impl_->path.string(), [&] {
    return with_object(*impl_->file, object_path, [&](H5::H5Object& obj) {
      H5::Attribute a = obj.openAttribute(name);
      std::string s;
      a.read(a.getStrType(), s);
      return s;
    });
  });
}

double ResultReader::attr_double(const std::string& object_path, const std::string& name) const {
  return guard("attribute " + object_path + "@" + name + " in " + impl_->path.string(), [&] {
    return with_object(*impl_->file, object_path, [&](H5::H5Object& obj) {
      H5::Attribute a = obj.openAttribute(name);
      double v = 0;
      a.read(H5::PredType::NATIVE_DOUBLE, &v);
      return v;
    });
  });
}

std::vector<std::string> ResultReader::children(const std::string& group_path) const {
  return guard("listing " + group_path, [&] {
    H5::Group g = impl_->file->openGroup(group_path);
    std::vector<std::string> out;
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
      out.push_back(g.getObjnameByIdx(i));
    }
    return out;
  });
}

std::vector<ResultReader::DatasetInfo> ResultReader::datasets(const std::string& group_path) const {
  return guard("listing datasets under " + group_path + " in " + impl_->path.string(), [&] {
    std::vector<DatasetInfo> out;
    std::function<void(const std::string&)> walk = [&](const std::string& gpath) {
      H5::Group g = impl_->file->openGroup(gpath);
      for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
        const std::string child = (gpath == "/" ? "" : gpath) + "/" + g.getObjnameByIdx(i);
        if (g.getObjTypeByIdx(i) == H5G_GROUP) {
          walk(child);
          continue;
        }
        H5::DataSet ds = impl_->file->openDataSet(child);
        H5::DataSpace sp = ds.getSpace();
        std::vector<hsize_t> dims(static_cast<size_t>(sp.getSimpleExtentNdims()));
        sp.getSimpleExtentDims(dims.data());
        DatasetInfo info;
        info.path = child;
        for (hsize_t d : dims) {
          info.shape.push_back(static_cast<size_t>(d));
        }
        const H5T_class_t cls = ds.getTypeClass();
        info.numeric = cls == H5T_FLOAT || cls == H5T_INTEGER;
        if (ds.attrExists("units")) {
          H5::Attribute ua = ds.openAttribute("units");
          ua.read(ua.getStrType(), info.units);
        }
        out.push_back(std::move(info));
      }
    };
    walk(group_path.empty() ? "/" : group_path);
    return out;
  });
}

namespace {
std::string attr_value_text(H5::Attribute& a) {
  const H5T_class_t cls = a.getTypeClass();
  const auto n = a.getSpace().getSimpleExtentNpoints();
  if (cls == H5T_STRING) {
    std::string s;
    a.read(a.getStrType(), s);
    const size_t nl = s.find('\n');
    if (nl != std::string::npos || s.size() > 60) {
      size_t lines = 1;
      for (char c : s) {
        lines += c == '\n' ? 1 : 0;
      }
      return fmt::format("\"{}...\" ({} lines)", s.substr(0, std::min<size_t>(std::min(nl, s.size()), 60)), lines);
    }
    return "\"" + s + "\"";
  }
  if (n == 1 && cls == H5T_FLOAT) {
    double v = 0;
    a.read(H5::PredType::NATIVE_DOUBLE, &v);
    return fmt::format("{}", v);
  }
  if (n == 1 && cls == H5T_INTEGER) {
    int64_t v = 0;
    a.read(H5::PredType::NATIVE_INT64, &v);
    return fmt::format("{}", v);
  }
  return fmt::format("<{} values>", n);
}
}  // namespace

namespace {

// One dataset line of `pimtx info` (shape, units, up to 4 values) and its attributes.
void describe_dataset(H5::H5File& f, const std::string& path, const std::string& name, const std::string& indent,
                      std::ostream& os) {
  H5::DataSet ds = f.openDataSet(path);
  H5::DataSpace sp = ds.getSpace();
  const int nd = sp.getSimpleExtentNdims();
  std::vector<hsize_t> dims(static_cast<size_t>(nd));
  sp.getSimpleExtentDims(dims.data());
  std::string shape;
  for (size_t d = 0; d < dims.size(); ++d) {
    shape += (d ? "x" : "") + std::to_string(dims[d]);
  }
  if (shape.empty()) {
    shape = "scalar";
  }
  std::string units;
  if (ds.attrExists("units")) {
    H5::Attribute ua = ds.openAttribute("units");
    ua.read(ua.getStrType(), units);
  }
  std::string value;
  const auto npts = sp.getSimpleExtentNpoints();
  const H5T_class_t cls = ds.getTypeClass();
  if (npts >= 1 && npts <= 4 && (cls == H5T_FLOAT || cls == H5T_INTEGER)) {
    std::vector<double> v(static_cast<size_t>(npts));
    ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
    value = " =";
    for (double x : v) {
      value += fmt::format(" {:.6g}", x);
    }
  } else if (cls == H5T_STRING && npts == 1 && nd == 0) {
    std::string s;
    ds.read(s, ds.getStrType());
    value = " = \"" + s.substr(0, 60) + (s.size() > 60 ? "...\"" : "\"");
  }
  os << indent << name << "  [" << shape << "]" << (units.empty() ? "" : " " + units) << value << "\n";
  for (int a = 0; a < ds.getNumAttrs(); ++a) {
    H5::Attribute at = ds.openAttribute(static_cast<unsigned>(a));
    if (at.getName() != "units") {
      os << indent << "  @" << at.getName() << " = " << attr_value_text(at) << "\n";
    }
  }
}

constexpr int k_max_group_depth = 64;  // deeper means a cycle of hard links (a crafted file)

}  // namespace

void ResultReader::describe(std::ostream& os) const {
  os << impl_->path.string() << "\n";
  std::function<void(const std::string&, int)> walk = [&](const std::string& gpath, int depth) {
    if (depth > k_max_group_depth) {
      throw IoError(fmt::format("HDF5: {}: group '{}' is nested deeper than {} (a link cycle?)", impl_->path.string(),
                                gpath, k_max_group_depth));
    }
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    H5::Group g =
        guard("opening group " + gpath + " in " + impl_->path.string(), [&] { return impl_->file->openGroup(gpath); });
    guard("attributes of " + gpath + " in " + impl_->path.string(), [&] {
      for (int i = 0; i < g.getNumAttrs(); ++i) {
        H5::Attribute a = g.openAttribute(static_cast<unsigned>(i));
        os << indent << "@" << a.getName() << " = " << attr_value_text(a) << "\n";
      }
    });
    const hsize_t n = guard("listing " + gpath, [&] { return g.getNumObjs(); });
    for (hsize_t i = 0; i < n; ++i) {
      const std::string name = guard("listing " + gpath, [&] { return g.getObjnameByIdx(i); });
      const std::string child = (gpath == "/" ? "" : gpath) + "/" + name;
      // A dangling soft link or an external link to a missing file fails here: name the object.
      const std::string what = fmt::format("{}: object '{}' (a broken link?)", impl_->path.string(), child);
      if (guard(what, [&] { return g.getObjTypeByIdx(i); }) == H5G_GROUP) {
        os << indent << name << "/\n";
        walk(child, depth + 1);
      } else {
        guard(what, [&] { describe_dataset(*impl_->file, child, name, indent, os); });
      }
    }
  };
  walk("/", 0);
}

}  // namespace pimtx::io
