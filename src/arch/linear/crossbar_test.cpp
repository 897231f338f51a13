// `crossbar` linear unit: one tile against a direct nodal solve (IR drop) and the decode, counts by their
// closed forms, same seed -> same conductances and outputs, degenerate settings -> digital NLL on stories260K.
#include "arch/linear/crossbar.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "arch/eval.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/config.h"
#include "core/errors.h"
#include "io/text.h"

using namespace pimtx;
using namespace pimtx::arch;

namespace {
Mat random_mat(int64_t r, int64_t c, uint64_t seed, const char* name) {
  core::Rng rng(seed, name);
  Mat m(r, c);
  for (int64_t i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<float>(rng.normal());
  }
  return m;
}

core::Config config(const std::string& toml) { return core::Config::from_string(toml, "test.toml"); }

std::unique_ptr<CrossbarLinear> make(core::Config& cfg, const Mat& w, uint64_t seed, const std::string& role = "w1") {
  auto s = cfg.root();
  return std::make_unique<CrossbarLinear>(s, LinearInit{.role = role, .layer = 0, .weight = w, .seed = seed});
}
}  // namespace

TEST_CASE("crossbar linear: one tile equals decode of a direct nodal solve with IR drop", "[arch][crossbar]") {
  // Ideal ADC and unquantised DAC: the only effects are the programmed levels and the array's IR drop.
  const Mat w = random_mat(6, 10, 1, "w");  // (out, in): one tile of 10 rows x 12 columns (differential)
  const Mat x = random_mat(3, 10, 2, "x");
  core::Config cfg = config(
      "n_dac_bits = 0\ndac_x_max = 4.0\nr_wire_row_ohm = 5.0\nr_wire_col_ohm = 5.0\nr_driver_ohm = 10.0\n"
      "r_sense_ohm = 10.0\n[adc]\ntype = 'ideal'\n[mapping]\nweight_scale = 'tile'\n");
  auto u = make(cfg, w, 7);
  REQUIRE(u->n_tiles() == 1);
  Mat y(3, 6);
  OpCounts c;
  u->forward(x, y, c);
  // Reference: the same conductances (ideal programming: g = g_min + |w|/max|w| * range), solved directly.
  const double g_min = 3.16e-6, g_max = 316e-6, wmax = w.cwiseAbs().maxCoeff();
  xbar::CellArray cells;
  cells.a1_s.resize(10, 12);
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 6; ++j) {
      const double m = std::abs(w(j, i)) / wmax * (g_max - g_min);
      cells.a1_s(i, 2 * j) = g_min + (w(j, i) >= 0 ? m : 0.0);
      cells.a1_s(i, 2 * j + 1) = g_min + (w(j, i) < 0 ? m : 0.0);
    }
  }
  xbar::Drive d;
  d.word_v = (x.transpose().cast<double>().cwiseMax(-4.0).cwiseMin(4.0) / 4.0 * 0.2);
  const Eigen::MatrixXd cur = xbar::NodalSolver(cells, xbar::Parasitics{5.0, 5.0, 10.0, 10.0}).solve(d).bit_currents_a;
  Eigen::MatrixXd ref(6, 3);
  for (int j = 0; j < 6; ++j) {
    ref.row(j) = (cur.row(2 * j) - cur.row(2 * j + 1)) / (g_max - g_min) * wmax * 4.0 / 0.2;
  }
  // float32 transfer matrix and activations: ~1e-6 relative of the largest output.
  CHECK((y.transpose().cast<double>() - ref).cwiseAbs().maxCoeff() < 1e-5 * ref.cwiseAbs().maxCoeff());
  // IR drop is visible: the exact product differs by far more than that.
  const Eigen::MatrixXd exact = (x * w.transpose()).transpose().cast<double>();
  CHECK((exact - ref).cwiseAbs().maxCoeff() > 1e-3 * ref.cwiseAbs().maxCoeff());
  // Counts: 3 tokens, one read each, one tile of 10 x 12.
  CHECK(c.events.at("xbar.array_reads") == 3);
  CHECK(c.events.at("xbar.cells_read") == 3 * 120);
  CHECK(c.events.at("dac.conversions") == 3 * 10);
  CHECK(c.events.at("adc.conversions") == 3 * 12);
  CHECK(c.events.at("digital.adds") == 3 * 6);  // one subtraction per differential pair
  CHECK(c.events.at("xbar.cells_programmed") == 120);
  CHECK(c.events.at("xbar.program_pulses") == 120);  // ideal programming: one event per cell
  // Power drawn from the drivers: sum over reads of v^T I_word (the solver's driver currents).
  const Eigen::MatrixXd iw = xbar::NodalSolver(cells, xbar::Parasitics{5.0, 5.0, 10.0, 10.0}).solve(d).word_currents_a;
  const double p_ref = d.word_v.cwiseProduct(iw).sum();
  CHECK(c.sums.at("xbar.read_power_w") == Approx(p_ref).epsilon(1e-5));  // float32 W and v
}

TEST_CASE("crossbar linear: tiling, bit-serial inputs, slices and offset mapping count as documented",
          "[arch][crossbar]") {
  const Mat w = random_mat(20, 30, 3, "w");  // in 30, out 20
  const Mat x = random_mat(2, 30, 4, "x");
  core::Config cfg = config(
      "n_tile_rows = 16\nn_tile_cols = 13\ninput = 'bit_serial'\nn_dac_bits = 4\ndac_x_max = 3.0\nn_cols_per_adc = 2\n"
      "[adc]\ntype = 'ideal'\n[mapping]\ntype = 'offset'\nn_levels = 4\nn_slices = 3\n");
  auto u = make(cfg, w, 7);
  // Offset: 3 columns per output + 1 reference -> 4 outputs per 13-column tile; 2 row blocks x 5 output blocks.
  REQUIRE(u->n_tiles() == 10);
  Mat y(2, 20);
  OpCounts c;
  u->forward(x, y, c);
  CHECK(c.events.at("xbar.array_reads") == 2 * 4 * 10 * 2);
  CHECK(c.events.at("adc.conversions") == 2 * 4 * 10 * 13);
  CHECK(c.events.at("dac.conversions") == 2 * 4 * (16 + 14) * 5);
  // Per tile and read: 12 phys-minus-outputs... plus 4 input-sum corrections; 3 shift-adds per output; 1 row add.
  CHECK(c.events.at("digital.adds") == 2 * (10 * (4 * (13 - 4 + 4) + 3 * 4) + 20));
  // Without wire resistance the arrays are ideal and y is exactly the product of the quantised inputs (sign +
  // 4-bit magnitude over +-3) and the quantised weights (64 offset codes of w / max|w| per tile column).
  core::Config cfg0 = config(
      "n_tile_rows = 16\nn_tile_cols = 13\ninput = 'bit_serial'\nn_dac_bits = 4\ndac_x_max = 3.0\n"
      "r_wire_row_ohm = 0.0\nr_wire_col_ohm = 0.0\nr_driver_ohm = 0.0\nr_sense_ohm = 0.0\n"
      "[adc]\ntype = 'ideal'\n[mapping]\ntype = 'offset'\nn_levels = 4\nn_slices = 3\n");
  auto u0 = make(cfg0, w, 7);
  Mat y0(2, 20);
  OpCounts c0;
  u0->forward(x, y0, c0);
  Eigen::MatrixXd xq = x.cast<double>(), wq = w.cast<double>();
  for (Eigen::Index i = 0; i < xq.size(); ++i) {
    xq.data()[i] = std::round(std::clamp(xq.data()[i] / 3.0, -1.0, 1.0) * 15.0) / 15.0 * 3.0;
  }
  for (int rb = 0; rb < 2; ++rb) {
    for (int j = 0; j < 20; ++j) {
      auto blk = wq.block(j, rb * 16, 1, rb == 0 ? 16 : 14);
      const double sc = blk.cwiseAbs().maxCoeff();
      for (Eigen::Index i = 0; i < blk.size(); ++i) {
        const double code = std::round((blk(0, i) / sc + 1.0) / 2.0 * 63.0);
        blk(0, i) = (2.0 * code / 63.0 - 1.0) * sc;
      }
    }
  }
  const Eigen::MatrixXd yq = xq * wq.transpose();
  // float32 transfer matrices and activations: ~1e-6 of the largest output.
  CHECK((y0.cast<double>() - yq).cwiseAbs().maxCoeff() < 1e-5 * yq.cwiseAbs().maxCoeff());
  // With 2.5-ohm wires the IR drop (~3 % of each mid-range column current here) moves the result away from it;
  // the offset scheme subtracts the digital input sum from 2x the attenuated analog sum, so the error is a
  // multiple of that (17 % of the largest output seen), bounded well below the signal.
  const double ir = (y.cast<double>() - yq).cwiseAbs().maxCoeff() / yq.cwiseAbs().maxCoeff();
  CHECK(ir > 1e-3);
  CHECK(ir < 0.4);
}

TEST_CASE("crossbar linear: same seed -> same conductances and outputs, other seed differs", "[arch][crossbar]") {
  const Mat w = random_mat(12, 40, 5, "w");
  const Mat x = random_mat(4, 40, 6, "x");
  const std::string toml =
      "dac_x_max = 3.0\nread_noise_sigma_rel = 0.02\n[adc]\nv_range_v = 0.05\n[programming]\ntype = 'gaussian'\n"
      "g_c2c_sigma_rel = 0.05\n";
  auto run = [&](uint64_t seed) {
    core::Config cfg = config(toml);
    auto u = make(cfg, w, seed);
    Mat y(4, 12);
    OpCounts c;
    u->forward(x, y, c);
    return std::make_pair(u->conductance_sum_s(), y);
  };
  const auto a = run(1), b = run(1), c = run(2);
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(a.first != c.first);
  CHECK(a.second != c.second);
}

TEST_CASE("crossbar linear: bad settings are ConfigErrors naming the key", "[arch][crossbar]") {
  const Mat w = random_mat(4, 4, 5, "w");
  auto bad = [&](const std::string& toml, const std::string& key) {
    core::Config cfg = config(toml);
    CHECK_THROWS_WITH(make(cfg, w, 1), Catch::Contains(key));
  };
  bad("[mapping]\nn_levels = 1\n", "n_levels");
  bad("roles = ['w1', 'w9']\n", "w9");
  bad("[adc]\nn_bits = 0\n", "n_bits");
  bad("n_tile_cols = 4096\n", "n_tile_cols");
  bad("n_tile_cols = 3\n[mapping]\nn_slices = 2\nn_levels = 4\n", "n_tile_cols");
  bad("input = 'bit_serial'\nn_dac_bits = 0\n", "n_dac_bits");
  // Uncalibrated ranges: a runtime error that says how to calibrate.
  core::Config cfg = config("");
  auto u = make(cfg, w, 1);
  Mat y(1, 4);
  OpCounts c;
  CHECK_THROWS_WITH(u->forward(Mat::Ones(1, 4), y, c), Catch::Contains("n_calibration_stories"));
}

TEST_CASE("crossbar linear: degenerate settings reproduce the digital NLL on stories260K", "[arch][crossbar][golden]") {
  const Model model = load_model("data/models/stories260K.bin");
  const auto tok = load_tokenizer("data/models/tok512.bin", model.config.vocab_size);
  auto stories = split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
  const std::vector<std::string> calib(stories.end() - 3, stories.end());
  stories.resize(stories.size() - 3);
  const int64_t n_tokens = 1500;
  core::Config dig;
  Transformer e0(model, dig.section("arch"), 1);
  const EvalResult r0 = evaluate(e0, *tok, stories, n_tokens, false);
  // Ideal devices, zero parasitics, 16-bit DAC and ADC, continuous levels, every role incl. the classifier.
  core::Config xb = config(
      "[arch.linear]\ntype = 'crossbar'\nroles = ['wq','wk','wv','wo','w1','w2','w3','classifier']\n"
      "n_dac_bits = 16\nr_wire_row_ohm = 0.0\nr_wire_col_ohm = 0.0\nr_driver_ohm = 0.0\nr_sense_ohm = 0.0\n"
      "dac_margin_rel = 2.0\n[arch.linear.adc]\nn_bits = 16\ncalibration_margin_rel = 2.0\n");
  Transformer e1(model, xb.section("arch"), 1);
  CHECK(e1.calibrate([&]() { (void)evaluate(e1, *tok, calib, 0, false); }) == 2);
  const EvalResult r1 = evaluate(e1, *tok, stories, n_tokens, false);
  REQUIRE(r1.n_tokens == r0.n_tokens);
  INFO("digital " << r0.mean_nll() << " crossbar " << r1.mean_nll());
  // Acceptance: within 1e-4 nats. Ranges are twice the calibration maxima so that no activation of the evaluated
  // stories clips; 16-bit steps are then ~6e-5 of the largest value.
  CHECK(std::abs(r1.mean_nll() - r0.mean_nll()) < 1e-4);
  CHECK(e1.counts()[0].linear.events.at("xbar.array_reads") > 0);
  CHECK(e1.counts()[0].linear_roles.at("w1").events.at("adc.conversions") > 0);
}

TEST_CASE("crossbar linear on stories260K: same seed -> same NLL, other seed differs", "[arch][crossbar][golden]") {
  // Issue 12 acceptance at model level: Gaussian programming error (c2c 2 %) and read noise draw from the engine's
  // seed; the same seed must give the identical NLL, another seed another one (the programmed conductances
  // themselves: "same seed -> same conductances and outputs" above).
  const Model model = load_model("data/models/stories260K.bin");
  const auto tok = load_tokenizer("data/models/tok512.bin", model.config.vocab_size);
  auto stories = split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
  const std::vector<std::string> calib(stories.end() - 2, stories.end());
  stories.resize(2);
  auto run = [&](uint64_t seed) {
    core::Config c = config(
        "[arch.linear]\ntype = 'crossbar'\nread_noise_sigma_rel = 0.01\n[arch.linear.programming]\n"
        "type = 'gaussian'\ng_c2c_sigma_rel = 0.02\n");
    Transformer e(model, c.section("arch"), seed);
    e.calibrate([&]() { (void)evaluate(e, *tok, calib, 0, false); });
    return evaluate(e, *tok, stories, 300, false).mean_nll();
  };
  const double a = run(1), b = run(1), c = run(2);
  INFO("seed 1: " << a << ", seed 2: " << c);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("crossbar linear: cubic read law solved per read, against the linear (A1) law", "[arch][crossbar]") {
  const Mat w = random_mat(5, 8, 8, "w");
  const Mat x = random_mat(3, 8, 9, "x");
  auto run = [&](const std::string& law) {
    core::Config cfg = config(
        "dac_x_max = 3.0\nv_read_v = 0.2\n[adc]\ntype = 'ideal'\n[programming]\ntype = 'device'\n"
        "read_law = '" +
        law + "'\n");
    auto u = make(cfg, w, 3);
    Mat y(3, 5);
    OpCounts c;
    u->forward(x, y, c);
    return y;
  };
  const Mat full = run("full"), lin = run("linear");
  REQUIRE(full.allFinite());
  // Same devices (same seed), so the difference is the cubic term A3·V² (device_programming.h: A3·V²/A1 ≈ 0.2 at
  // 0.4 V, i.e. ~5 % at 0.2 V; 35 % of the largest output was seen at 0.4 V): visible, but below the signal.
  const double d = (full - lin).cwiseAbs().maxCoeff() / lin.cwiseAbs().maxCoeff();
  CHECK(d > 1e-4);
  CHECK(d < 0.3);
}
