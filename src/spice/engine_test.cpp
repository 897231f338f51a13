// Engine tests (all need libngspice: tagged [spice]).
#include "spice/engine.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/errors.h"

using pimtx::SpiceError;
using pimtx::spice::Engine;
using pimtx::spice::Job;
using pimtx::spice::run_job;

namespace {

double rel_err(double got, double want) { return std::abs(got - want) / std::abs(want); }

// Resident set size of this process in bytes (Linux /proc/self/statm, second field in pages).
double rss_bytes() {
  std::ifstream in("/proc/self/statm");
  long size = 0;
  long resident = 0;
  in >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string message_of(const Job& job) {
  try {
    run_job(job);
  } catch (const SpiceError& e) {
    return pimtx::describe_chain(e);
  }
  return "";
}

}  // namespace

TEST_CASE("resistor divider matches V*R2/(R1+R2)", "[spice]") {
  // R values chosen so the ratio is not a short binary fraction.
  const double v = 1.3;
  const double r1 = 1234.5;
  const double r2 = 3210.7;
  Job job{{"divider", "V1 in 0 DC 1.3", "R1 in mid 1234.5", "R2 mid 0 3210.7"}, {"op"}, {"v(mid)", "v1#branch"}};
  const auto r = run_job(job);
  // ngspice solves the linear nodal system by LU in double precision: 1e-9 is far above rounding.
  CHECK(rel_err(r.scalar("v(mid)"), v * r2 / (r1 + r2)) < 1e-9);
  // The source branch current flows from + through the source: -V/(R1+R2).
  CHECK(rel_err(r.scalar("v1#branch"), -v / (r1 + r2)) < 1e-9);
  CHECK(r.at("v(mid)").units == "V");
  CHECK(r.at("v1#branch").units == "A");
}

TEST_CASE("RC storage node decays exponentially", "[spice]") {
  // C = 1 fF storage node, R = 1 GOhm leak: tau = 1 us. tmax = tau/2000 keeps the trapezoidal
  // truncation error (~(dt/tau)^2/12 per step) far below the 1e-4 tolerance below.
  const double tau = 1e-6;
  const double v0 = 0.9;
  Job job{{"rc decay", "C1 sn 0 1f IC=0.9", "R1 sn 0 1G", ".options reltol=1e-7 abstol=1e-18 vntol=1e-12"},
          {"tran 1n 5u 0 0.5n uic"},
          {"time", "v(sn)"}};
  const auto r = run_job(job);
  const auto& t = r.at("time").real;
  const auto& vs = r.at("v(sn)").real;
  REQUIRE(t.size() > 100);
  double worst = 0.0;
  for (size_t k = 0; k < t.size(); ++k) {
    const double want = v0 * std::exp(-t[k] / tau);
    worst = std::max(worst, std::abs(vs[k] - want) / v0);
  }
  // Relative to V0; integration error of the adaptive trapezoidal rule with the tolerances above.
  CHECK(worst < 1e-4);
}

TEST_CASE("alter changes a value between two op analyses", "[spice]") {
  Job job{{"alter", "V1 1 0 DC 1", "R1 1 2 1k", "R2 2 0 3k"}, {"op", "alter r2 1k", "op"}, {"op1.v(2)", "v(2)"}};
  const auto r = run_job(job);
  REQUIRE(r.vectors.size() == 2);
  CHECK(r.vectors[0].real.at(0) == Approx(0.75).epsilon(1e-12));  // linear LU solve: rounding only
  CHECK(r.vectors[1].real.at(0) == Approx(0.5).epsilon(1e-12));
}

TEST_CASE("broken netlist raises SpiceError with ngspice's message and the line", "[spice]") {
  const std::string msg = message_of({{"broken", "V1 1 0 DC 1", "R1 1 2 1k", "R2 2 0 abc"}, {"op"}, {}});
  CHECK_THAT(msg, Catch::Contains("Error on line"));
  CHECK_THAT(msg, Catch::Contains("R2 2 0 abc"));
}

TEST_CASE("unknown subcircuit raises SpiceError", "[spice]") {
  const std::string msg = message_of({{"nosub", "V1 1 0 DC 1", "X1 1 0 nosuch_cell", "R2 1 0 3k"}, {"op"}, {}});
  CHECK_THAT(msg, Catch::Contains("unknown subckt"));
  CHECK_THAT(msg, Catch::Contains("netlist line 3"));
}

TEST_CASE("non-converging transient raises SpiceError (Timestep too small)", "[spice]") {
  // A B-source with a jump of its current at v = 0.5 V and tight tolerances: ngspice cannot find a step.
  const std::string msg = message_of({{"nonconv", "V1 1 0 PULSE(0 1 1n 1f 1f 10n 20n)", "R1 1 2 1", "C1 2 0 1p",
                                       "B1 2 0 I = v(2) > 0.5 ? 1e3*(v(2)-0.5) : -1e3*v(2)",
                                       ".options reltol=1e-9 abstol=1e-20 vntol=1e-15 chgtol=1e-25"},
                                      {"tran 1p 50n"},
                                      {"v(2)"}});
  CHECK_THAT(msg, Catch::Contains("Timestep too small"));
}

TEST_CASE("floating node (singular matrix) is an error, not a patched result", "[spice]") {
  const std::string msg = message_of({{"floating", "V1 1 0 DC 1", "R1 1 0 1k", "C1 2 3 1p", "C2 3 0 1p"}, {"op"}, {}});
  CHECK_THAT(msg, Catch::Contains("singular matrix"));
}

TEST_CASE("missing vector is a user error listing the available ones", "[spice]") {
  // A requested name is user input: ConfigError (exit 2), issue 10 item 12.
  std::string msg;
  try {
    run_job({{"missing", "V1 1 0 DC 1", "R1 1 0 1k"}, {"op"}, {"v(7)"}});
  } catch (const pimtx::ConfigError& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Catch::Contains("v(7)"));
  CHECK_THAT(msg, Catch::Contains("available"));
}

TEST_CASE("timeout halts a long transient and the engine stays usable", "[spice]") {
  // 1e8 time steps would take minutes; the 0.3 s limit must stop it.
  const std::string msg =
      message_of({{"long", "V1 1 0 SIN(0 1 1e3)", "R1 1 2 1k", "C1 2 0 1u"}, {"tran 1n 100m 0 1n"}, {"v(2)"}, 0.3});
  CHECK_THAT(msg, Catch::Contains("timeout"));
  const auto r = run_job({{"after", "V1 1 0 DC 1", "R1 1 2 1k", "R2 2 0 3k"}, {"op"}, {"v(2)"}});
  CHECK(r.scalar("v(2)") == Approx(0.75).epsilon(1e-12));  // linear LU solve: rounding only
}

TEST_CASE("reload after which the engine works, stray .spiceinit is ignored", "[spice]") {
  // A .spiceinit that redefines `op` would make every op produce no data if it were read.
  const auto dir = std::filesystem::temp_directory_path() / ("pimtx-spiceinit-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ".spiceinit") << "alias op echo hijacked\n";
  const auto old_cwd = std::filesystem::current_path();
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home != nullptr ? old_home : "";
  setenv("HOME", dir.c_str(), 1);
  std::filesystem::current_path(dir);
  const int loads_before = Engine::instance().load_count();
  Engine::instance().reload();
  std::filesystem::current_path(old_cwd);
  setenv("HOME", saved_home.c_str(), 1);
  std::filesystem::remove_all(dir);
  CHECK(Engine::instance().load_count() == loads_before + 1);
  const auto r = run_job({{"after reload", "V1 1 0 DC 2", "R1 1 2 1k", "R2 2 0 1k"}, {"op"}, {"v(2)"}});
  CHECK(r.scalar("v(2)") == Approx(1.0).epsilon(1e-12));  // linear LU solve: rounding only
}

TEST_CASE("500 consecutive runs grow resident memory by less than 20 MB", "[spice]") {
  // A 200-resistor ladder per run: without remcirc + destroy all this grows by MBs per hundred runs.
  std::vector<std::string> net{"ladder", "V1 n0 0 DC 1"};
  for (int k = 0; k < 200; ++k) {
    net.push_back("R" + std::to_string(k) + " n" + std::to_string(k) + " n" + std::to_string(k + 1) + " 1k");
    net.push_back("Rg" + std::to_string(k) + " n" + std::to_string(k + 1) + " 0 10k");
  }
  const Job job{net, {"op"}, {"v(n200)"}};
  const double first = run_job(job).scalar("v(n200)");
  const double before = rss_bytes();
  for (int k = 0; k < 500; ++k) {
    REQUIRE(run_job(job).scalar("v(n200)") == first);  // same circuit, same deterministic LU: identical
  }
  const double grown_mb = (rss_bytes() - before) / 1e6;
  std::cout << "RSS growth over 500 runs: " << grown_mb << " MB\n";
  CHECK(grown_mb < 20.0);
}
