// Result files must open with h5py (the users' plotting tool): write one with ResultFile, read it back with
// /usr/bin/python3 + h5py and compare values, units and /meta provenance.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "io/h5.h"

namespace fs = std::filesystem;

TEST_CASE("h5py reads pimtx result files", "[io][python]") {
  const fs::path dir = fs::temp_directory_path() / ("pimtx_h5py_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path out = dir / "r.h5";
  {
    auto f = pimtx::io::ResultFile::create(out);
    std::vector<double> currents(64 * 3);
    for (size_t i = 0; i < currents.size(); ++i) {
      currents[i] = 1e-6 * static_cast<double>(i);
    }
    f.write("/xbar/currents_a", currents, {64, 3}, "A");
    std::vector<float> logits{0.5f, -1.25f};
    f.write("/arch/logits", logits, {}, "1");
    f.write_strings("/arch/labels", {"dense", "lsh"});
    pimtx::io::RunMeta m;
    m.command = "pimtx run x.toml";
    m.config_text = "seed = 5\n[xbar]\nrows = 64\n";
    m.seed = 5;
    m.start_time_utc = pimtx::io::utc_now_iso8601();
    f.write_meta(m);
    f.commit();
  }
  const std::string script =
      "import h5py, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "c = f['/xbar/currents_a']\n"
      "assert c.shape == (64, 3), c.shape\n"
      "assert abs(c[10, 2] - 1e-6 * 32) < 1e-18\n"
      "assert c.attrs['units'] == 'A'\n"
      "assert list(f['/arch/logits'][:]) == [0.5, -1.25]\n"
      "assert [s.decode() if isinstance(s, bytes) else s for s in f['/arch/labels'][:]] == ['dense', 'lsh']\n"
      "m = f['/meta'].attrs\n"
      "assert m['seed'] == 5 and 'rows = 64' in m['config'] and m['command'] == 'pimtx run x.toml'\n"
      "assert len(m['git_commit']) >= 7\n"
      "print('h5py-ok')\n";
  const fs::path py = dir / "check.py";
  FILE* s = std::fopen(py.c_str(), "w");
  REQUIRE(s != nullptr);
  std::fputs(script.c_str(), s);
  std::fclose(s);
  const std::string cmd = "/usr/bin/python3 " + py.string() + " " + out.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  char buf[512];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    output.append(buf, n);
  }
  const int status = pclose(p);
  INFO(output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(output.find("h5py-ok") != std::string::npos);
  fs::remove_all(dir);
}
