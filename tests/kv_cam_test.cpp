// End-to-end tests of the kv_cam experiment (issue 14) through `pimtx run`, on ~150 predicted tokens.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "io/h5.h"
#include "pimtx_cli.h"

namespace fs = std::filesystem;

namespace {

using Result = pimtx::test::CliRun;
Result run(const std::string& args) { return pimtx::test::run_pimtx(args); }

// config.toml cut down to ~150 predicted tokens, 5 calibration stories and a few points of each grid; the first
// cpq point is 16 bits without pruning (== full) and the cam point k = 512 >= context (== dense).
const std::string k_tiny =
    "experiments/kv_cam/config.toml --quiet --set kv_cam.max_tokens=150 --set kv_cam.n_calibration_stories=5 "
    "--set 'kv_cam.cpq_n_bits_k=[16,6]' --set 'kv_cam.cpq_n_bits_v=[16,4]' --set 'kv_cam.cpq_prune_ratio_k=[0,0]' "
    "--set 'kv_cam.cpq_prune_ratio_v=[0,0.2]' --set 'kv_cam.cam_k=[512,8]' --set 'kv_cam.cam_scores=[\"exact\"]' "
    "--set 'kv_cam.cam_n_bits=[64]' --set 'kv_cam.cam_n_window=[0]' --set 'kv_cam.lsh_n_bits=[4]' "
    "--set 'kv_cam.lsh_n_rounds=[4]' ";

}  // namespace

TEST_CASE("kv_cam experiment: degenerate points equal the references, same seed same results", "[kv_cam][cli]") {
  const fs::path d = pimtx::test::scratch_dir("kv_cam");
  const Result a = run("run " + k_tiny + "-o " + (d / "a.h5").string());
  INFO(a.output);
  REQUIRE(a.code == 0);
  CHECK(a.output.find("(a) cpq") != std::string::npos);
  const Result b = run("run " + k_tiny + "-o " + (d / "b.h5").string());
  REQUIRE(b.code == 0);
  pimtx::io::ResultReader ra(d / "a.h5"), rb(d / "b.h5");
  const double dense = ra.read_doubles("/kv_cam/dense/nll")[0];
  const auto cpq = ra.read_doubles("/kv_cam/cpq/nll");  // (bits pairs, prune pairs) = (2, 2)
  REQUIRE(ra.shape("/kv_cam/cpq/nll") == std::vector<size_t>{2, 2});
  const auto cam = ra.read_doubles("/kv_cam/cam/nll");  // (source, n_bits, score, window, k) = (2, 1, 1, 1, 2)
  REQUIRE(ra.shape("/kv_cam/cam/nll") == std::vector<size_t>{2, 1, 1, 1, 2});
  CHECK(std::abs(cpq[0] - dense) < 1e-4);  // 16 bits, no pruning (acceptance tolerance, issue 14)
  CHECK(std::abs(cam[0] - dense) < 1e-5);  // ideal CAM, k >= context, exact scores
  CHECK(std::abs(cam[2] - dense) < 1e-5);  // CAM card: the same selection of every key
  CHECK(cam[1] != dense);                  // k = 8: a sparse set
  const auto mov = ra.read_doubles("/kv_cam/cpq/movement_reduction");
  CHECK(mov[2] > 0.5);  // 6/4 bits move less than half of FP16's bytes
  // Same seed: bit-identical tables.
  for (const char* t : {"/kv_cam/cpq/nll", "/kv_cam/cam/nll", "/kv_cam/lsh/nll", "/kv_cam/combined/nll",
                        "/kv_cam/cpq/movement_reduction"}) {
    CHECK(ra.read_doubles(t) == rb.read_doubles(t));
  }
  CHECK(ra.exists("/kv_cam/calibration/channel_scale_k"));
  CHECK(ra.exists("/kv_cam/runs/cam_card_n64_exact_w0_k8/op_counts/attention/events/cam.searches"));
  CHECK(ra.exists("/kv_cam/runs/cpq_k6v4_pk0_pv0.2/op_counts/kv_cache/events/kv.bytes_read"));
  fs::remove_all(d);
}

TEST_CASE("kv_cam experiment and units: bad settings are config errors (exit 2, no file)", "[kv_cam][cli]") {
  const fs::path d = pimtx::test::scratch_dir("kv_cam_bad");
  const std::string out = " -o " + (d / "bad.h5").string();
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"--set 'kv_cam.cpq_n_bits_k=[0,4]'", "cpq_n_bits_k"},
           {"--set 'kv_cam.cpq_n_bits_v=[17,4]'", "cpq_n_bits_v"},
           {"--set 'kv_cam.cam_k=[0]'", "cam_k"},
           {"--set 'kv_cam.cpq_prune_ratio_v=[0,1.0]'", "cpq_prune_ratio_v"},
           {"--set kv_cam.cam_n_adc_bits=0", "cam_n_adc_bits"}}) {
    const Result r = run("run " + k_tiny + set + out);
    INFO(set << "\n" << r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(key) != std::string::npos);
    CHECK_FALSE(fs::exists(d / "bad.h5"));
  }
  // The units through `pimtx eval`.
  const std::string ev =
      "eval --model data/models/stories260K.bin --tokenizer data/models/tok512.bin "
      "--text data/text/tinystories_valid_excerpt.txt --max-tokens 50 --quiet ";
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"--set arch.kv_cache.type=cpq --set arch.kv_cache.n_bits_k=17", "n_bits_k"},
           {"--set arch.kv_cache.type=cpq --set arch.kv_cache.prune_ratio=1.0", "prune_ratio"},
           {"--set arch.attention.type=cam --set arch.attention.k=0", "arch.attention.k"},
           {"--set arch.attention.type=cam --set arch.attention.n_adc_bits=17", "n_adc_bits"}}) {
    const Result r = run(ev + set + out);
    INFO(set << "\n" << r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(key) != std::string::npos);
    CHECK_FALSE(fs::exists(d / "bad.h5"));
  }
  fs::remove_all(d);
}
