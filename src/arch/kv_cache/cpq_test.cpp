// Tests of the `cpq` KV cache (issue 14): quantisation error bounds, pruning, byte accounting, settings errors,
// and the degenerate equivalence with `full` on stories260K.
#include "arch/kv_cache/cpq.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "arch/eval.h"
#include "arch/kv_cache/full.h"
#include "arch/model.h"
#include "arch/tokenizer.h"
#include "arch/transformer.h"
#include "core/errors.h"
#include "core/rng.h"
#include "io/text.h"

using namespace pimtx;
using namespace pimtx::arch;

namespace {

constexpr int k_hd = 8;
constexpr int k_heads = 2;
constexpr int k_seq = 40;

KvCacheInit init() {
  return KvCacheInit{
      .layer = 0, .n_layers = 1, .n_kv_heads = k_heads, .head_dim = k_hd, .max_seq_len = k_seq, .seed = 1};
}

std::unique_ptr<KvCache> make(const std::string& toml) {
  core::Config cfg = core::Config::from_string("[kv]\ntype = \"cpq\"\n" + toml, "t.toml");
  auto s = cfg.section("kv");
  auto c = kv_cache_registry().create(s, "full", init());
  cfg.check_unknown();
  return c;
}

Mat random_mat(int64_t rows, int64_t cols, uint64_t seed) {
  core::Rng rng(seed, "cpq_test");
  Mat m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<float>(rng.normal());
  }
  return m;
}

}  // namespace

TEST_CASE("cpq with 16 bits and no pruning reproduces the values to the 16-bit step", "[arch][cpq]") {
  auto c = make("n_bits_k = 16\nn_bits_v = 16\n");
  const Mat k = random_mat(k_seq, k_heads * k_hd, 1), v = random_mat(k_seq, k_heads * k_hd, 2);
  OpCounts cnt;
  c->append(0, k.topRows(10), v.topRows(10), cnt);
  c->append(10, k.bottomRows(k_seq - 10), v.bottomRows(k_seq - 10), cnt);
  for (int h = 0; h < k_heads; ++h) {
    const KvView view = c->view(h);
    REQUIRE(view.keys.rows() == k_seq);
    for (int t = 0; t < k_seq; ++t) {
      // Error bound: half a step of 32767 levels of a group scale <= the row max rounded up to FP16 (+1/2048),
      // scaled by at most (1 + 1/15) by the 4-bit group code rounding up.
      const float kmax = k.row(t).cwiseAbs().maxCoeff(), vmax = v.row(t).cwiseAbs().maxCoeff();
      for (int i = 0; i < k_hd; ++i) {
        CHECK(std::abs(view.keys(t, i) - k(t, h * k_hd + i)) <= 0.5f * kmax * 1.001f / 32767.0f + 1e-7f);
        CHECK(std::abs(view.values(t, i) - v(t, h * k_hd + i)) <= 0.5f * vmax * 1.001f / 32767.0f + 1e-7f);
      }
    }
  }
}

TEST_CASE("cpq quantisation error stays within half a step of the group scale", "[arch][cpq]") {
  for (int bits : {2, 3, 4, 8}) {
    INFO("bits " << bits);
    auto c =
        make(fmt::format("n_bits_k = {}\nn_bits_v = {}\nn_group_k = 2\nn_group_v = 8\nn_scale_bits = 3\n", bits, bits));
    const Mat k = random_mat(k_seq, k_heads * k_hd, 3), v = random_mat(k_seq, k_heads * k_hd, 4);
    OpCounts cnt;
    c->append(0, k, v, cnt);
    const double levels = std::ldexp(1.0, bits - 1) - 1.0;
    for (int h = 0; h < k_heads; ++h) {
      const KvView view = c->view(h);
      for (int t = 0; t < k_seq; ++t) {
        const double rmax = k.row(t).cwiseAbs().maxCoeff();
        for (int g = 0; g < k_hd; g += 2) {
          // The group scale is at most the group max rounded up by one 3-bit code step of the row scale.
          const double gmax = k.row(t).segment(h * k_hd + g, 2).cwiseAbs().maxCoeff();
          const double s_g = std::min(rmax * 1.001, gmax + rmax * 1.001 / 7.0);
          for (int i = g; i < g + 2; ++i) {
            CHECK(std::abs(view.keys(t, i) - k(t, h * k_hd + i)) <= 0.5 * s_g / levels + 1e-6);
          }
        }
      }
    }
  }
}

TEST_CASE("cpq with static channel scales: per-channel steps, clipping, no row scale moved", "[arch][cpq]") {
  // Channel scales 0.5 for head 0 and 3 for head 1: head 0 clips most Gaussian values, head 1 none.
  std::string ks = "channel_scale_k = [", vs = "channel_scale_v = [";
  for (int i = 0; i < k_heads * k_hd; ++i) {
    ks += fmt::format("{}{}", i ? ", " : "", i < k_hd ? 0.5 : 3.0);
    vs += fmt::format("{}{}", i ? ", " : "", 5.0);
  }
  auto c =
      make("n_bits_k = 4\nn_bits_v = 4\nn_group_k = 8\nn_group_v = 8\nn_scale_bits = 0\nscale_headroom_ratio = 1\n" +
           ks + "]\n" + vs + "]\n");
  const Mat k = random_mat(k_seq, k_heads * k_hd, 9), v = random_mat(k_seq, k_heads * k_hd, 10);
  OpCounts cnt;
  c->append(0, k, v, cnt);
  for (int t = 0; t < k_seq; ++t) {
    for (int i = 0; i < k_hd; ++i) {
      const double x0 = k(t, i), x1 = k(t, k_hd + i);
      // Head 0: step 0.5/7, clipped to ±0.5; head 1: step 3/7, |x| < 3 for these draws.
      CHECK(c->view(0).keys(t, i) ==
            Approx(std::clamp(std::round(x0 / 0.5 * 7.0), -7.0, 7.0) * 0.5 / 7.0).margin(1e-6));
      CHECK(std::abs(c->view(1).keys(t, i) - x1) <= 0.5 * 3.0 / 7.0 + 1e-6);
    }
  }
  // Rows: 1 format bit + payload (dense 32 x 4 = 128 bits at most), no scale bits: <= 17 bytes per K or V row.
  const auto& cpq = dynamic_cast<const CpqKvCache&>(*c);
  CHECK(cpq.bytes_written() <= k_seq * 2 * 17);
  CHECK(cpq.channel_absmax(true, 1)[0] == Approx(k.col(k_hd).cwiseAbs().maxCoeff()));
  CHECK_THROWS_AS(make("channel_scale_k = [1.0, 2.0]\n"), ConfigError);
}

TEST_CASE("cpq pruning removes exactly the magnitudes below the threshold", "[arch][cpq]") {
  auto c = make(
      "n_bits_k = 16\nn_bits_v = 16\nprune_ratio = 0.3\nprune_threshold_k = [0.5, 0.8]\nprune_threshold_v = [0.1, "
      "0.2]\n");
  const Mat k = random_mat(k_seq, k_heads * k_hd, 5), v = random_mat(k_seq, k_heads * k_hd, 6);
  OpCounts cnt;
  c->append(0, k, v, cnt);
  const auto& cpq = dynamic_cast<const CpqKvCache&>(*c);
  for (int h = 0; h < k_heads; ++h) {
    const double t = h == 0 ? 0.5 : 0.8;
    int64_t pruned = 0;
    const KvView view = c->view(h);
    for (int r = 0; r < k_seq; ++r) {
      for (int i = 0; i < k_hd; ++i) {
        const float x = k(r, h * k_hd + i);
        if (std::abs(x) < t) {
          CHECK(view.keys(r, i) == 0.0f);
          ++pruned;
        } else {
          CHECK(view.keys(r, i) != 0.0f);
        }
      }
    }
    CHECK(cpq.sparsity(true, h, false) == Approx(static_cast<double>(pruned) / (k_seq * k_hd)));
    CHECK(cpq.sparsity(true, h, true) >= cpq.sparsity(true, h, false));
  }
  // threshold_rel: relative to the head's row max.
  auto r = make("n_bits_k = 16\nn_bits_v = 16\nthreshold_rel = 0.5\n");
  r->append(0, k, v, cnt);
  for (int t = 0; t < k_seq; ++t) {
    const float m = k.row(t).segment(0, k_hd).cwiseAbs().maxCoeff();
    for (int i = 0; i < k_hd; ++i) {
      CHECK((r->view(0).keys(t, i) == 0.0f) == (std::abs(k(t, i)) < 0.5f * m));
    }
  }
}

TEST_CASE("cpq counts the compressed bytes against an FP16 cache", "[arch][cpq]") {
  auto c = make("n_bits_k = 4\nn_bits_v = 2\nn_group_k = 4\nn_group_v = 8\nn_scale_bits = 4\n");
  const Mat k = random_mat(3, k_heads * k_hd, 7), v = random_mat(3, k_heads * k_hd, 8);
  OpCounts cnt;
  c->append(0, k, v, cnt);
  // Gaussian rows: no element is quantised to 0 at 4 bits with probability ~1, so K rows are dense:
  // 1 + 16 * 4 + 16 + 4 groups * 4 = 97 bits -> 13 bytes. V (2 bits: levels -1, 0, 1) may be sparse, so bound it:
  // dense 1 + 32 + 16 + 2 * 4 = 57 bits -> 8 bytes at most.
  const auto& cpq = dynamic_cast<const CpqKvCache&>(*c);
  CHECK(cpq.bytes_written_fp16() == 3 * 2 * 2 * 16);
  CHECK(cpq.bytes_read_fp16() == (1 + 2 + 3) * 2 * 2 * 16);
  CHECK(cpq.bytes_written() <= 3 * (13 + 8));
  CHECK(cpq.bytes_written() >= 3 * (13 + 1));
  CHECK(cnt.events.at("kv.bytes_written") == cpq.bytes_written());
  CHECK(cnt.events.at("kv.bytes_read") == cpq.bytes_read());
  CHECK(cnt.events.at("kv.bytes_read_fp16") == cpq.bytes_read_fp16());
  CHECK(cnt.kv_entries_stored == 3 * k_heads);
}

TEST_CASE("cpq magnitude histogram quantiles", "[arch][cpq]") {
  MagnitudeHistogram h;
  for (int i = 1; i <= 10000; ++i) {
    h.add(static_cast<float>(i) * 1e-3f);  // uniform on (0, 10]
  }
  // Bin width 12 decades / 2048 bins = 1.36 % in |x|: the interpolated quantile lies within it.
  CHECK(h.quantile(0.5) == Approx(5.0).epsilon(0.014));
  CHECK(h.quantile(0.1) == Approx(1.0).epsilon(0.014));
  CHECK(h.quantile(0.0) == 0.0);
}

TEST_CASE("cpq rejects bad settings", "[arch][cpq]") {
  CHECK_THROWS_AS(make("n_bits_k = 0\n"), ConfigError);
  CHECK_THROWS_AS(make("n_bits_v = 17\n"), ConfigError);
  CHECK_THROWS_AS(make("prune_ratio = 1.0\nprune_threshold_k = [0, 0]\nprune_threshold_v = [0, 0]\n"), ConfigError);
  CHECK_THROWS_AS(make("prune_ratio = 0.3\n"), ConfigError);          // no calibrated thresholds
  CHECK_THROWS_AS(make("prune_threshold_k = [0.1]\n"), ConfigError);  // wrong length
  CHECK_THROWS_AS(make("n_group_k = 9\n"), ConfigError);
  CHECK_THROWS_WITH(make("n_bits_k = 0\n"), Catch::Contains("n_bits_k"));
}

TEST_CASE("cpq with 16 bits and no pruning equals full on stories260K within 1e-4 nats", "[arch][cpq][golden]") {
  const Model m = load_model("data/models/stories260K.bin");
  const auto tok = load_tokenizer("data/models/tok512.bin", m.config.vocab_size);
  auto stories = split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
  stories.resize(8);
  core::Config full_cfg;
  Transformer full(m, full_cfg.section("arch"), 1);
  const EvalResult a = evaluate(full, *tok, stories, 0, false);
  auto cfg = core::Config::from_string("[arch.kv_cache]\ntype = \"cpq\"\nn_bits_k = 16\nn_bits_v = 16\n");
  Transformer cpq(m, cfg.section("arch"), 1);
  const EvalResult b = evaluate(cpq, *tok, stories, 0, false);
  REQUIRE(a.n_tokens > 500);
  INFO("full " << a.mean_nll() << " cpq16 " << b.mean_nll());
  // Acceptance (issue 14): 16-bit CPQ without pruning is the full cache within 1e-4 nats.
  CHECK(std::abs(a.mean_nll() - b.mean_nll()) < 1e-4);
  // And at 4 bits the cache actually moves fewer bytes than FP16 (a sanity check that the unit is in the path).
  auto cfg4 = core::Config::from_string("[arch.kv_cache]\ntype = \"cpq\"\n");
  Transformer c4(m, cfg4.section("arch"), 1);
  evaluate(c4, *tok, {stories[0]}, 0, false);
  const auto& u = dynamic_cast<const CpqKvCache&>(c4.kv_cache(0));
  CHECK(u.bytes_written() < u.bytes_written_fp16() / 2);
}

TEST_CASE("cpq calibrate_thresholds / _channel_scales set the quantiles and maxima of the calibration text",
          "[arch][cpq][golden]") {
  // Transformer::calibrate() on stories A sets what experiment kv_cam computes from a 16-bit cpq cache over A: the
  // prune_ratio quantile of |x| per layer and kv head, and the max |x| per channel. Layer 0's keys and values do not
  // depend on any cache, so there they agree bit for bit; deeper layers see the 16-bit cache's rounding in kv_cam's
  // reference but exact values in the calibration pass, so they agree within one histogram bin (1.4 % in |x|) for
  // the thresholds and within 1e-3 relative for the channel maxima (16-bit steps of a head's range).
  const Model m = load_model("data/models/stories260K.bin");
  const auto tok = load_tokenizer("data/models/tok512.bin", m.config.vocab_size);
  auto stories = split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
  const std::vector<std::string> calib(stories.end() - 4, stories.end()), test(stories.begin(), stories.begin() + 3);
  const double ratio = 0.3;
  auto c16 = core::Config::from_string("[arch.kv_cache]\ntype = \"cpq\"\nn_bits_k = 16\nn_bits_v = 16\n");
  Transformer ref(m, c16.section("arch"), 1);
  evaluate(ref, *tok, calib, 0, false);
  const std::string common = "[arch.kv_cache]\ntype = \"cpq\"\nn_bits_k = 4\nn_bits_v = 4\nprune_ratio = 0.3\n";
  auto calibrated =
      core::Config::from_string(common + "calibrate_thresholds = true\ncalibrate_channel_scales = true\n");
  Transformer b(m, calibrated.section("arch"), 1);
  CHECK(b.calibrate([&]() { evaluate(b, *tok, calib, 0, false); }) == 1);
  for (int l = 0; l < m.config.n_layers; ++l) {
    const auto& r = dynamic_cast<const CpqKvCache&>(ref.kv_cache(l));
    const auto& u = dynamic_cast<const CpqKvCache&>(b.kv_cache(l));
    for (int h = 0; h < m.config.n_kv_heads; ++h) {
      for (bool key : {true, false}) {
        INFO("layer " << l << " kv head " << h << (key ? " K" : " V"));
        const double t = r.magnitude_quantile(key, h, ratio);
        const std::vector<double> am = r.channel_absmax(key, h), sc = u.channel_scale(key, h);
        REQUIRE(sc.size() == am.size());
        if (l == 0) {
          CHECK(u.threshold(key, h) == t);
        } else {
          CHECK(u.threshold(key, h) == Approx(t).epsilon(0.014));
        }
        for (size_t i = 0; i < am.size(); ++i) {
          if (l == 0) {
            CHECK(sc[i] == std::max(am[i], 1e-6));
          } else {
            CHECK(sc[i] == Approx(std::max(am[i], 1e-6)).epsilon(1e-3));
          }
        }
      }
    }
  }
  const EvalResult rb = evaluate(b, *tok, test, 0, false);
  REQUIRE(rb.n_tokens > 100);
  const auto& ub = dynamic_cast<const CpqKvCache&>(b.kv_cache(1));
  CHECK(ub.sparsity(true, 0, false) > 0.2);  // ~30 % pruned; the statistics restarted after calibration
  CHECK(ub.sparsity(true, 0, false) < 0.4);
  CHECK_THROWS_WITH(make("prune_ratio = 0.3\ncalibrate_thresholds = true\nprune_threshold_k = [0, 0]\n"),
                    Catch::Contains("calibrate_thresholds"));
}
