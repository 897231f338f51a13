// `pimtx sweep` end to end: worker counts, kill + resume, a failing point, MPI ranks and shards all give the
// same merged datasets (timing datasets, whose names contain "wall_s", aside). The points are the cheap
// `lsh_nn` experiment on a few hundred vectors (a few tenths of a second each).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

namespace {

using pimtx::test::run_pimtx;
using pimtx::test::write_file;

std::string pimtx_bin() {
  const char* env = std::getenv("PIMTX_BIN");
  return env != nullptr ? env : std::string(PIMTX_BINARY_DIR) + "/pimtx";
}

// A sweep of 8 points: 2 plane sources x 2 bit counts x 2 seeds (+ extra grid values).
fs::path write_sweep(const fs::path& dir, const std::string& n_vectors, const std::string& extra_bits = "") {
  const fs::path base = fs::path(PIMTX_SOURCE_DIR) / "experiments/lsh_nn/config.toml";
  const fs::path p = dir / "sweep.toml";
  write_file(p, "[sweep]\nbase = \"" + base.string() + "\"\nset = [\"lsh_nn.n_vectors=" + n_vectors +
                    "\"]\nseeds = [1, 2]\n\n[[sweep.grid]]\nkey = \"lsh_nn.source\"\n"
                    "values = [\"software\", \"ideal_crossbar\"]\n\n[[sweep.grid]]\nkey = \"lsh_nn.n_bits\"\n"
                    "values = [4, 5" +
                    extra_bits + "]\n");
  return p;
}

// Every dataset of both files equal bit for bit (same names, shapes, values), except timing.
void require_same_datasets(const fs::path& a, const fs::path& b) {
  pimtx::io::ResultReader ra(a);
  pimtx::io::ResultReader rb(b);
  const auto da = ra.datasets("/");
  const auto db = rb.datasets("/");
  REQUIRE(da.size() == db.size());
  size_t compared = 0;
  for (size_t i = 0; i < da.size(); ++i) {
    INFO(da[i].path);
    REQUIRE(da[i].path == db[i].path);
    REQUIRE(da[i].shape == db[i].shape);
    if (da[i].path.find("wall_s") != std::string::npos) {
      continue;  // timing
    }
    if (da[i].numeric) {
      const auto va = ra.read_doubles(da[i].path);
      const auto vb = rb.read_doubles(db[i].path);
      REQUIRE(va.size() == vb.size());
      CHECK(std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0);  // NaN-safe, bit for bit
    } else if (da[i].shape.empty()) {
      CHECK(ra.read_string(da[i].path) == rb.read_string(db[i].path));
    } else {
      CHECK(ra.read_strings(da[i].path) == rb.read_strings(db[i].path));
    }
    ++compared;
  }
  CHECK(compared > 20);  // the table and the copied point groups were there to compare
}

size_t count_points(const fs::path& dir) {
  size_t n = 0;
  if (fs::exists(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      n += e.path().extension() == ".h5" && e.path().filename().string()[0] != '.' ? 1 : 0;
    }
  }
  return n;
}

// A scratch directory removed when the test case ends.
struct Scratch {
  explicit Scratch(const std::string& name) : dir(pimtx::test::scratch_dir(name)) {}
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  fs::path dir;
};

}  // namespace

TEST_CASE("sweep: --jobs 2 equals --jobs 1 bit for bit and a second run resumes everything", "[cli][sweep]") {
  const Scratch scratch("sweep_jobs");
  const fs::path& d = scratch.dir;
  const fs::path s = write_sweep(d, "400");
  const auto r1 = run_pimtx("sweep " + s.string() + " -o " + (d / "j1.h5").string() + " --jobs 1");
  INFO(r1.output);
  REQUIRE(r1.code == 0);
  CHECK(r1.output.find("8 points: 8 ok, 0 failed, 0 missing") != std::string::npos);
  const auto r2 = run_pimtx("sweep " + s.string() + " -o " + (d / "j2.h5").string() + " --jobs 2");
  REQUIRE(r2.code == 0);
  require_same_datasets(d / "j1.h5", d / "j2.h5");
  pimtx::io::ResultReader r(d / "j1.h5");
  CHECK(r.read_strings("/sweep/table/status") == std::vector<std::string>(8, "ok"));
  CHECK(r.read_strings("/sweep/table/params/lsh_nn.source")[0] == "software");
  CHECK(r.read_doubles("/sweep/table/params/lsh_nn.n_bits") ==
        std::vector<double>{4, 4, 5, 5, 4, 4, 5, 5});  // axes in file order, seeds fastest
  CHECK(r.read_ints("/sweep/table/seed") == std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2});
  // Running again finds every point complete and rewrites the same merged file.
  const auto r3 = run_pimtx("sweep " + s.string() + " -o " + (d / "j1.h5").string() + " --jobs 1");
  CHECK(r3.code == 0);
  CHECK(r3.output.find("0 points to run, 8 already complete") != std::string::npos);
  require_same_datasets(d / "j1.h5", d / "j2.h5");
}

TEST_CASE("sweep: killed with SIGKILL mid-way and resumed equals an uninterrupted run", "[cli][sweep]") {
  const Scratch scratch("sweep_kill");
  const fs::path& d = scratch.dir;
  // 3,000 vectors: ~0.3 s of brute-force neighbours per point, so the kill lands mid-sweep.
  const fs::path s = write_sweep(d, "3000");
  const fs::path out = d / "killed.h5";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string bin = pimtx_bin();
    freopen((d / "killed.log").c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(bin.c_str(), bin.c_str(), "sweep", s.c_str(), "-o", out.c_str(), "--jobs", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  const fs::path points = d / "killed.points";
  for (int i = 0; i < 6000 && count_points(points) < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  const size_t done_at_kill = count_points(points);
  INFO("points complete at the kill: " << done_at_kill);
  REQUIRE(done_at_kill >= 2);
  REQUIRE(done_at_kill < 8);  // really mid-way
  CHECK_FALSE(fs::exists(out));
  // The worker died with its parent (PR_SET_PDEATHSIG): no point completes after the kill.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(count_points(points) == done_at_kill);
  const auto resumed = run_pimtx("sweep " + s.string() + " -o " + out.string() + " --jobs 2");
  INFO(resumed.output);
  REQUIRE(resumed.code == 0);
  CHECK(resumed.output.find(std::to_string(8 - done_at_kill) + " points to run, " + std::to_string(done_at_kill) +
                            " already complete") != std::string::npos);
  const auto clean = run_pimtx("sweep " + s.string() + " -o " + (d / "clean.h5").string() + " --jobs 2");
  REQUIRE(clean.code == 0);
  require_same_datasets(out, d / "clean.h5");
  // No temporary file of the killed worker is left.
  for (const auto& e : fs::directory_iterator(points)) {
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
  }
}

TEST_CASE("sweep: a point with a bad value fails alone with its error in the table and exit 1", "[cli][sweep]") {
  const Scratch scratch("sweep_bad");
  const fs::path& d = scratch.dir;
  const fs::path s = write_sweep(d, "300", ", 99");  // n_bits = 99 is out of range
  const auto r = run_pimtx("sweep " + s.string() + " -o " + (d / "bad.h5").string() + " --jobs 2");
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find("12 points: 8 ok, 4 failed, 0 missing") != std::string::npos);
  pimtx::io::ResultReader h(d / "bad.h5");
  const auto status = h.read_strings("/sweep/table/status");
  const auto error = h.read_strings("/sweep/table/error");
  const auto bits = h.read_doubles("/sweep/table/params/lsh_nn.n_bits");
  const auto top1 = h.read_doubles("/sweep/table/results/lsh_nn.top1_rel");
  REQUIRE(status.size() == 12);
  for (size_t i = 0; i < 12; ++i) {
    INFO(i);
    CHECK(status[i] == (bits[i] == 99 ? "failed" : "ok"));
    if (bits[i] == 99) {
      CHECK(error[i].find("'lsh_nn.n_bits' = 99") != std::string::npos);
      CHECK(std::isnan(top1[i]));
    } else {
      CHECK(error[i].empty());
      CHECK(top1[i] > 0.3);  // a real result (LSH on 300 vectors finds the neighbour far above chance)
    }
  }
}

TEST_CASE("sweep: --shard 0/2 + --shard 1/2 + --merge equals a local run", "[cli][sweep]") {
  const Scratch scratch("sweep_shard");
  const fs::path& d = scratch.dir;
  const fs::path s = write_sweep(d, "300");
  REQUIRE(run_pimtx("sweep " + s.string() + " -o " + (d / "local.h5").string()).code == 0);
  const std::string o = " -o " + (d / "sharded.h5").string();
  const auto a = run_pimtx("sweep " + s.string() + o + " --shard 0/2");
  CHECK(a.code == 0);
  CHECK(a.output.find("merge all shards with") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "sharded.h5"));
  // Merging early reports the missing points (exit 1) but still writes the table.
  const auto early = run_pimtx("sweep " + s.string() + o + " --merge");
  CHECK(early.code == 1);
  CHECK(early.output.find("4 ok, 0 failed, 4 missing") != std::string::npos);
  CHECK(run_pimtx("sweep " + s.string() + o + " --shard 1/2").code == 0);
  const auto m = run_pimtx("sweep " + s.string() + o + " --merge");
  CHECK(m.code == 0);
  require_same_datasets(d / "local.h5", d / "sharded.h5");
  CHECK(run_pimtx("sweep " + s.string() + o + " --shard 2/2").code == 2);
}

TEST_CASE("sweep: mpirun -n 2 equals a local run", "[cli][sweep][mpi]") {
  const auto help = run_pimtx("sweep --help");
  if (help.output.find("MPI: built in") == std::string::npos || std::system("command -v mpirun >/dev/null") != 0) {
    WARN("MPI not built in or mpirun missing: test not run");
    return;
  }
  const Scratch scratch("sweep_mpi");
  const fs::path& d = scratch.dir;
  const fs::path s = write_sweep(d, "300");
  REQUIRE(run_pimtx("sweep " + s.string() + " -o " + (d / "local.h5").string()).code == 0);
  const std::string cmd = "mpirun --oversubscribe --allow-run-as-root -n 2 " + pimtx_bin() + " sweep " + s.string() +
                          " -o " + (d / "mpi.h5").string() + " --jobs 1 > " + (d / "mpi.log").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(pimtx::test::read_file(d / "mpi.log"));
  REQUIRE(rc == 0);
  const std::string log = pimtx::test::read_file(d / "mpi.log");
  CHECK(log.find("sweep rank 0/2") != std::string::npos);
  CHECK(log.find("sweep rank 1/2") != std::string::npos);
  require_same_datasets(d / "local.h5", d / "mpi.h5");
}

TEST_CASE("sweep: bad sweep files are usage errors naming the key", "[cli][sweep]") {
  const Scratch scratch("sweep_errors");
  const fs::path& d = scratch.dir;
  const fs::path base = fs::path(PIMTX_SOURCE_DIR) / "experiments/lsh_nn/config.toml";
  write_file(d / "typo.toml", "[sweep]\nbase = \"" + base.string() + "\"\nseedz = [1]\n");
  auto r = run_pimtx("sweep " + (d / "typo.toml").string() + " -o " + (d / "x.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("unknown sweep key 'sweep.seedz'") != std::string::npos);
  write_file(d / "zip.toml", "[sweep]\nbase = \"" + base.string() +
                                 "\"\n[[sweep.grid]]\nkeys = [\"lsh_nn.n_bits\", \"lsh_nn.n_tables\"]\n"
                                 "values = [[4, 2], [5]]\n");
  r = run_pimtx("sweep " + (d / "zip.toml").string() + " -o " + (d / "x.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("sweep.grid[0].values") != std::string::npos);
  CHECK(r.output.find("zip.toml:5") != std::string::npos);
  write_file(d / "nobase.toml", "[sweep]\nbase = \"missing.toml\"\n");
  r = run_pimtx("sweep " + (d / "nobase.toml").string() + " -o " + (d / "x.h5").string());
  CHECK(r.code == 2);
  CHECK(r.output.find("missing.toml") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "x.h5"));
}

TEST_CASE("sweep: point ids follow the resolved config, not the position in the sweep", "[cli][sweep]") {
  const Scratch scratch("sweep_ids");
  const fs::path& d = scratch.dir;
  auto ids = [&](const std::string& n_vectors, const std::string& extra) {
    const auto r = run_pimtx("sweep " + write_sweep(d, n_vectors, extra).string() + " --list");
    REQUIRE(r.code == 0);
    std::map<std::string, std::string> out;  // "source bits seed" -> id
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string index, id, seed, source, bits;
      ls >> index >> id >> seed >> source >> bits;
      out[source + " " + bits + " " + seed] = id;
    }
    return out;
  };
  const auto a = ids("300", "");
  const auto b = ids("300", ", 6");  // one more value: 12 points, the first 8 keep their ids
  REQUIRE(a.size() == 8);
  REQUIRE(b.size() == 12);
  for (const auto& [k, id] : a) {
    CHECK(b.at(k) == id);
  }
  const auto c = ids("301", "");  // a different fixed override: every id changes
  for (const auto& [k, id] : a) {
    CHECK(c.at(k) != id);
  }
}
