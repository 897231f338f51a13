// Issue 10: pimtx given hostile or mistaken input. One TEST_CASE per item of the issue (the crafted files
// are generated here); each failed on the main of 2026-11-29 (noted per case) and passes now. Items 4 and 5
// (killed and interrupted runs) are in interrupt_test.cpp; the loaders' fuzz-style cases in
// src/arch/loader_test.cpp and the netlist policy's unit cases in src/spice/netlist_policy_test.cpp.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;
using pimtx::test::run_pimtx;
using pimtx::test::write_file;

namespace {

fs::path scratch(const std::string& name) { return pimtx::test::scratch_dir("untrusted_" + name); }

const std::string k_divider = "divider\nV1 in 0 DC 1\nR1 in mid 1k\nR2 mid 0 1k\n.end\n";

bool has_control_bytes(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      return true;
    }
  }
  return false;
}

// A one-story text file for eval runs.
fs::path story_file(const fs::path& d) {
  write_file(d / "story.txt", "Once upon a time there was a little girl named Lily. She liked to play.\n");
  return d / "story.txt";
}

// `pimtx eval` on stories260K (or `model`) over a one-story text (or `text`).
std::string eval_args(const fs::path& d, const std::string& model = "data/models/stories260K.bin",
                      const std::string& text = "") {
  return "eval -q --model " + model + " --tokenizer data/models/tok512.bin --text " +
         (text.empty() ? story_file(d).string() : text);
}

}  // namespace

TEST_CASE("item 1: a netlist's .control block does not run shell commands unless --allow-control", "[cli][spice]") {
  // Old main: `shell touch X` ran while the netlist loaded, exit 0.
  const fs::path d = scratch("control");
  const fs::path marker = d / "pwned";
  write_file(d / "evil.cir",
             "evil\nV1 in 0 DC 1\nR1 in 0 1k\n.control\nshell touch " + marker.string() + "\n.endc\n.end\n");
  const auto r = run_pimtx("spice " + (d / "evil.cir").string() + " --analysis op -o " + (d / "o.h5").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Catch::Contains("evil.cir line 4") && Catch::Contains("--allow-control"));
  CHECK_FALSE(fs::exists(marker));
  CHECK_FALSE(fs::exists(d / "o.h5"));
  // An interactive command given on the command line is refused the same way.
  write_file(d / "ok.cir", k_divider);
  const auto c = run_pimtx("spice " + (d / "ok.cir").string() + " --analysis op --analysis 'shell touch " +
                           marker.string() + "' -o " + (d / "o.h5").string());
  CHECK(c.code == 2);
  CHECK_FALSE(fs::exists(marker));
  const auto t =
      run_pimtx("spice " + (d / "evil.cir").string() + " --allow-control --analysis op -o " + (d / "o.h5").string());
  CHECK(t.code == 0);
  CHECK(fs::exists(marker));  // the user trusted the file
  fs::remove_all(d);
}

TEST_CASE("items 2 and 3: crafted checkpoints exit with a clear error, not a crash", "[cli][arch]") {
  const fs::path d = scratch("ckpt");
  // Item 2 (old main: exit 139): safetensors offsets near 2^64.
  write_file(d / "config.json", R"({"model_type": "gpt2", "n_embd": 4, "n_layer": 1, "n_head": 2, "vocab_size": 8,
                                    "n_positions": 4})");
  const std::string header =
      R"({"wte.weight": {"dtype": "F32", "shape": [8, 4], "data_offsets": [18446744073709551480, 18446744073709551608]}})";
  std::string st;
  const uint64_t n = header.size();
  st.append(reinterpret_cast<const char*>(&n), 8);
  st += header;
  st += std::string(256, '\0');
  std::ofstream(d / "model.safetensors", std::ios::binary) << st;
  const auto a = run_pimtx(eval_args(d, d.string()) + " -o " + (d / "o.h5").string());
  CHECK(a.code == 1);
  CHECK_THAT(a.output, Catch::Contains("wte.weight") && Catch::Contains("truncated"));
  // Item 3 (old main: allocated 354 MB, then "truncated"): a llama2.c v1 header whose sizes overflow.
  std::string b;
  auto put = [&](int32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  b = "24ka";
  put(1);
  for (int32_t v : {1 << 20, 1 << 20, 1 << 20, 1 << 10, 1 << 10, 1 << 20, 1 << 20}) {
    put(v);
  }
  b.resize(4 << 20, '\0');
  std::ofstream(d / "big.bin", std::ios::binary) << b;
  const auto c = run_pimtx(eval_args(d, (d / "big.bin").string()) + " -o " + (d / "o.h5").string());
  CHECK((c.code == 1 || c.code == 2));
  CHECK_THAT(c.output, Catch::Contains("big.bin"));
  CHECK_FALSE(fs::exists(d / "o.h5"));
  fs::remove_all(d);
}

TEST_CASE("item 6: ngspice warnings that change the circuit are errors naming the line", "[cli][spice]") {
  // Old main: "R1 1 2" made ngspice use 1 mOhm, warning hidden, exit 0.
  const fs::path d = scratch("warn");
  write_file(d / "r.cir", "missing value\nV1 1 0 DC 1\nR1 1 2\nR2 2 0 1k\n.end\n");
  const auto r = run_pimtx("spice " + (d / "r.cir").string() + " --analysis op -o " + (d / "o.h5").string());
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Catch::Contains("set to 1 mOhm") && Catch::Contains("netlist line 3: R1 1 2"));
  write_file(d / "v.cir", "source without value\nV1 1 0\nR1 1 0 1k\n.end\n");
  const auto v = run_pimtx("spice " + (d / "v.cir").string() + " --analysis op -o " + (d / "o.h5").string());
  CHECK(v.code == 1);
  CHECK_THAT(v.output, Catch::Contains("has no value") && Catch::Contains("netlist line 2"));
  CHECK_FALSE(fs::exists(d / "o.h5"));
  fs::remove_all(d);
}

TEST_CASE("item 7: calibrate never writes a card that reading rejects", "[cli][calibration]") {
  // Old main: g_after == g_before gave update_c2c_sigma_rel = NaN, exit 0, and a card xbar then refused.
  const fs::path d = scratch("card");
  std::string csv = "v_pulse_v,t_pulse_s,g_before_s,g_after_s\n";
  for (int k = 0; k < 12; ++k) {
    csv += (k % 2 == 0 ? "1.2" : "-1.2") + std::string(",1e-6,5e-5,5e-5\n");
  }
  write_file(d / "pulse.csv", csv);
  write_file(d / "c.toml", "[calibrate]\nmodel = \"metal_oxide\"\nsource = \"csv\"\npulse_csv = \"pulse.csv\"\n");
  const auto r = run_pimtx("calibrate -q " + (d / "c.toml").string() + " -o " + (d / "card.h5").string());
  CHECK(r.code != 0);
  CHECK_FALSE(fs::exists(d / "card.h5"));
  fs::remove_all(d);
}

TEST_CASE("item 8: pimtx info on a directory or a missing file is a user error", "[cli]") {
  // Old main: a directory aborted (exit 134, uncaught H5::FileIException); a missing file exited 1.
  const fs::path d = scratch("info");
  const auto r = run_pimtx("info " + d.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Catch::Contains("is a directory"));
  CHECK(run_pimtx("info " + (d / "none.h5").string()).code == 2);
  fs::remove_all(d);
}

TEST_CASE("item 9: -o mistakes are caught before the run starts", "[cli][spice]") {
  // Old main: -o DIR ran the whole job, then "cannot rename ...: Success"; -o INPUT overwrote the input.
  const fs::path d = scratch("outpath");
  write_file(d / "x.cir", k_divider);
  fs::create_directories(d / "dir");
  const auto a = run_pimtx("spice " + (d / "x.cir").string() + " --analysis op -o " + (d / "dir").string());
  CHECK(a.code == 2);
  CHECK_THAT(a.output, Catch::Contains("is a directory"));
  const auto b = run_pimtx("spice " + (d / "x.cir").string() + " --analysis op -o " + (d / "x.cir").string());
  CHECK(b.code == 2);
  CHECK_THAT(b.output, Catch::Contains("is an input of this run"));
  CHECK(pimtx::test::read_file(d / "x.cir") == k_divider);
  write_file(d / "c.toml", "[array]\nrows = 2\ncols = 2\n");
  const auto c = run_pimtx("xbar -q " + (d / "c.toml").string() + " -o " + (d / "c.toml").string());
  CHECK(c.code == 2);
  CHECK(pimtx::test::read_file(d / "c.toml") == "[array]\nrows = 2\ncols = 2\n");
  // A folder nobody can create files in (even root: /proc): the reason from errno.
  const auto e = run_pimtx("xbar -q " + (d / "c.toml").string() + " -o /proc/pimtx_no_such_dir/o.h5");
  CHECK(e.code == 2);
  CHECK_THAT(e.output, Catch::Contains("cannot write in folder '/proc'"));
  const auto f = run_pimtx("netlist crossbar --rows 2 --cols 2 --v-in 0.1 -o " + (d / "dir").string());
  CHECK(f.code == 2);
  CHECK(fs::is_empty(d / "dir"));
  fs::remove_all(d);
}

TEST_CASE("item 10: silently wrong numbers are now errors or exact", "[cli][arch]") {
  const fs::path d = scratch("numbers");
  SECTION("a multi-line --prompt reaches the model without quote marks") {
    // Old main: the TOML override did not escape the newline, so the prompt became "\"Once\nupon\"".
    const auto r = run_pimtx(eval_args(d) + " --max-tokens 8 --prompt \"$(printf 'Once\\nupon')\" --generate 2 -o " +
                             (d / "o.h5").string());
    REQUIRE(r.code == 0);
    const pimtx::io::ResultReader rd(d / "o.h5");
    CHECK(rd.attr_string("/generation", "prompt") == "Once\nupon");
  }
  SECTION("--temperature nan, --generate beyond the context, xbar v_min_v > v_max_v") {
    const auto t = run_pimtx(eval_args(d) + " --temperature nan --generate 2 -o " + (d / "o.h5").string());
    CHECK(t.code == 2);  // old main: greedy
    CHECK_THAT(t.output, Catch::Contains("finite"));
    const auto g = run_pimtx(eval_args(d) + " --max-tokens 8 --generate 100000 -o " + (d / "o.h5").string());
    CHECK(g.code == 2);  // old main: capped at the context without a word
    CHECK_THAT(g.output, Catch::Contains("eval.n_generate") && Catch::Contains("context"));
    write_file(d / "x.toml", "[array]\nrows = 2\ncols = 2\n[input]\nv_min_v = 0.3\nv_max_v = 0.1\n");
    const auto x = run_pimtx("xbar -q " + (d / "x.toml").string() + " -o " + (d / "o.h5").string());
    CHECK(x.code == 2);  // old main: accepted
    CHECK_THAT(x.output, Catch::Contains("v_min_v"));
    CHECK_FALSE(fs::exists(d / "o.h5"));
  }
  fs::remove_all(d);
}

TEST_CASE("item 11: a timeout does not overshoot when an analysis ignores bg_halt", "[cli][spice]") {
  // Old main: the engine sent bg_halt and waited up to 30 s more (the issue measured 51 s for --timeout-s 20).
  // An operating point without a solution (a B source whose current flips sign at v = 0.5 V, fed through 1 kOhm
  // from 1 V) and huge iteration limits iterates for minutes without looking at bg_halt, which blocks.
  const fs::path d = scratch("timeout");
  write_file(d / "nosol.cir",
             "no solution\nV1 in 0 DC 1\nR1 in a 1k\nB1 a 0 I=1e-3*(v(a) > 0.5 ? 1 : -1)\n"
             ".options itl1=100000000 itl2=100000000 itl6=0 gminsteps=0 srcsteps=0\n.end\n");
  const double timeout_s = 3;
  const auto r =
      run_pimtx("spice " + (d / "nosol.cir").string() + " --timeout-s 3 --analysis op -o " + (d / "o.h5").string());
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Catch::Contains("timeout"));
  // Limit: the timeout + 2 s grace of the worker pool, plus process start-up on a loaded 2-core machine.
  CHECK(r.wall_s < timeout_s + 8);
  CHECK_FALSE(fs::exists(d / "o.h5"));
  fs::remove_all(d);
}

TEST_CASE("item 12: user errors exit 2, and messages name the file, key or line", "[cli][spice]") {
  const fs::path d = scratch("codes");
  SECTION("empty netlist, missing .include, bad --save: exit 2 (old main: 1)") {
    write_file(d / "empty.cir", "");
    const auto e = run_pimtx("spice " + (d / "empty.cir").string() + " -o " + (d / "o.h5").string());
    CHECK(e.code == 2);
    CHECK_THAT(e.output, Catch::Contains("empty netlist"));
    write_file(d / "inc.cir", "inc\n.include nowhere.lib\nV1 1 0 DC 1\nR1 1 0 1k\n.end\n");
    const auto i = run_pimtx("spice " + (d / "inc.cir").string() + " --analysis op -o " + (d / "o.h5").string());
    CHECK(i.code == 2);
    CHECK_THAT(i.output, Catch::Contains("inc.cir line 2") && Catch::Contains("not found"));
    write_file(d / "x.cir", k_divider);
    const auto s =
        run_pimtx("spice " + (d / "x.cir").string() + " --analysis op --save 'v(nowhere)' -o " + (d / "o.h5").string());
    CHECK(s.code == 2);
    CHECK_THAT(s.output, Catch::Contains("v(nowhere)") && Catch::Contains("available"));
  }
  SECTION("a binary netlist is not echoed to the terminal") {
    write_file(d / "bin.cir", std::string("\x7f"
                                          "ELF\x02\x01\x01\0\0\0\0\x1b[31mred\n\x01\x02\x03\n",
                                          24));
    const auto b = run_pimtx("spice " + (d / "bin.cir").string() + " --analysis op -o " + (d / "o.h5").string());
    CHECK(b.code == 2);
    CHECK_THAT(b.output, Catch::Contains("not a text netlist"));
    CHECK_FALSE(has_control_bytes(b.output));
  }
  SECTION("--text /dev/zero is refused instead of ending in std::bad_alloc") {
    const auto z = run_pimtx(eval_args(d, "data/models/stories260K.bin", "/dev/zero") + " -o " + (d / "o.h5").string());
    CHECK(z.code == 2);
    CHECK_THAT(z.output, Catch::Contains("/dev/zero") && Catch::Contains("not a regular file"));
  }
  SECTION("a UTF-8 BOM in a CSV is skipped, and bad bytes in a CSV error are shown") {
    write_file(d / "g.csv",
               "\xEF\xBB\xBF"
               "1e-5,2e-5\n3e-5,4e-5\n");
    write_file(d / "g.toml", "[array]\nconductance_csv = \"g.csv\"\n");
    CHECK(run_pimtx("xbar -q " + (d / "g.toml").string() + " -o " + (d / "o.h5").string()).code == 0);
    write_file(d / "g.csv",
               "1e-5,2e-5\n3e-5,\xEF\xBB\xBF"
               "4e-5\n");
    const auto c = run_pimtx("xbar -q " + (d / "g.toml").string() + " -o " + (d / "o2.h5").string());
    CHECK(c.code == 2);
    CHECK_THAT(c.output, Catch::Contains("\\xef\\xbb\\xbf4e-5"));
  }
  SECTION("too few calibration conductances: exit 2 naming the key (old main: 1)") {
    write_file(d / "c.toml", "[calibrate]\nmodel = \"metal_oxide\"\nsource = \"spice\"\ng0_s = [1e-5, 2e-5]\n");
    const auto c = run_pimtx("calibrate -q " + (d / "c.toml").string() + " -o " + (d / "card.h5").string());
    CHECK(c.code == 2);
    CHECK_THAT(c.output, Catch::Contains("calibrate.g0_s"));
  }
  fs::remove_all(d);
}
