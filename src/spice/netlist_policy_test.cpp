// Netlist policy (issue 10 item 1 and parts of 12) without libngspice: what is refused, with which line.
// Built with -fsanitize=address,undefined in scripts/test.sh.
#include "spice/netlist_policy.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/errors.h"

namespace fs = std::filesystem;
using pimtx::ConfigError;
using pimtx::spice::apply_netlist_policy;
using pimtx::spice::check_commands;
using pimtx::spice::NetlistPolicy;

namespace {

std::string refusal(const std::vector<std::string>& lines, const NetlistPolicy& p = {}) {
  try {
    (void)apply_netlist_policy(lines, p);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("pimtx_policy_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const std::vector<std::string> k_good = {"divider", "V1 in 0 DC 1", "R1 in mid 1k", "R2 mid 0 1k", ".op", ".end"};

}  // namespace

TEST_CASE("netlist policy: a plain netlist passes unchanged", "[spice][policy]") {
  CHECK(apply_netlist_policy(k_good, {}) == k_good);
}

TEST_CASE("netlist policy: .control blocks are refused by default, naming the line", "[spice][policy]") {
  std::vector<std::string> n = k_good;
  n.insert(n.begin() + 4, ".control");
  n.insert(n.begin() + 5, "shell touch /tmp/pimtx_should_not_exist");
  n.insert(n.begin() + 6, ".endc");
  NetlistPolicy p;
  p.source = "x.cir";
  const std::string msg = refusal(n, p);
  CHECK(msg.find("x.cir line 5: .control") != std::string::npos);
  CHECK(msg.find("--allow-control") != std::string::npos);
  for (const char* spelling : {"  .CONTROL", ".Control  * comment"}) {
    std::vector<std::string> m = n;
    m[4] = spelling;
    CHECK_FALSE(refusal(m).empty());
  }
  p.allow_control = true;
  CHECK(apply_netlist_policy(n, p) == n);
}

TEST_CASE("netlist policy: *ng_script titles, binary bytes and empty netlists", "[spice][policy]") {
  std::vector<std::string> n = k_good;
  n[0] = "*ng_script";
  CHECK(refusal(n).find("line 1") != std::string::npos);
  n = k_good;
  n[2] = std::string("R1 in mid 1k\0\x01\x7f", 16);
  const std::string msg = refusal(n);
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("not a text netlist") != std::string::npos);
  CHECK(msg.find('\0') == std::string::npos);  // the message itself is printable
  CHECK(msg.find("\\x01") != std::string::npos);
  CHECK(refusal({"title only"}).find("empty netlist") != std::string::npos);
  CHECK(refusal({"title", "* comment", "", ".end"}).find("empty netlist") != std::string::npos);
  CHECK_FALSE(refusal({}).empty());
}

TEST_CASE("netlist policy: includes are resolved, scanned and made absolute", "[spice][policy]") {
  const fs::path d = scratch("include");
  std::ofstream(d / "models.lib") << "* models\n.model m1 d\n";
  std::ofstream(d / "evil.inc") << "* looks harmless\n.control\nshell touch x\n.endc\n";
  std::ofstream(d / "nested.inc") << ".include evil.inc\n";
  NetlistPolicy p;
  p.base_dir = d.string();
  p.source = "n.cir";
  std::vector<std::string> n = k_good;
  n.insert(n.begin() + 1, ".include models.lib");
  const auto out = apply_netlist_policy(n, p);
  CHECK(out[1] == ".include \"" + (d / "models.lib").string() + "\"");
  n[1] = ".inc 'evil.inc'";
  CHECK(refusal(n, p).find("evil.inc line 2") != std::string::npos);
  n[1] = ".include \"nested.inc\"";
  CHECK(refusal(n, p).find("evil.inc line 2") != std::string::npos);
  n[1] = ".include missing.lib";
  const std::string missing = refusal(n, p);
  CHECK(missing.find("n.cir line 2") != std::string::npos);
  CHECK(missing.find("not found") != std::string::npos);
  n[1] = ".include /dev/zero";
  CHECK(refusal(n, p).find("not a regular file") != std::string::npos);
  n[1] = ".lib models.lib typ";
  CHECK(apply_netlist_policy(n, p)[1] == ".lib \"" + (d / "models.lib").string() + "\" typ");
  std::ofstream(d / "self.inc") << ".include self.inc\n";
  n[1] = ".include self.inc";
  CHECK(refusal(n, p).find("nested deeper") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("netlist policy: commands that reach outside the simulation are refused", "[spice][policy]") {
  CHECK_NOTHROW(check_commands({"op", "tran 1n 1u", "alter r1 2k", "dc v1 0 1 0.1", "set temp=30"}, {}));
  for (const char* bad : {"shell touch x", "write out.raw", "wrdata f v(1)", "source evil.cir", "cd /", "quit",
                          "set sourcepath = ( /tmp )", "print v(1) > file", "codemodel x.cm", "osdi x.osdi"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(check_commands({"op", bad}, {}), ConfigError);
  }
  NetlistPolicy trusted;
  trusted.allow_control = true;
  CHECK_NOTHROW(check_commands({"shell true"}, trusted));
}
