// Gain-cell KV cache and attention (kv_cache/gain_cell.h, attention/gain_cell.h): closed forms of the decay,
// quantisation and read law, degenerate equivalence with dense + full, reproducibility, counts, bad settings.
#include "arch/attention/gain_cell.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "arch/attention/gain_cell_calibration.h"
#include "arch/eval.h"
#include "arch/kv_cache/gain_cell.h"
#include "arch/transformer.h"
#include "core/errors.h"
#include "devices/card.h"
#include "io/text.h"

using namespace pimtx;
using namespace pimtx::arch;
namespace fs = std::filesystem;

namespace {

const Model& stories() {
  static const Model m = load_model("data/models/stories260K.bin");
  return m;
}
const Tokenizer& tok() {
  static const auto t = load_tokenizer("data/models/tok512.bin", stories().config.vocab_size);
  return *t;
}
std::vector<std::string> all_stories() {
  return split_stories(io::read_text_file("data/text/tinystories_valid_excerpt.txt"));
}

devices::GainCellParams card() {
  core::Config c;
  core::Section s = c.root();
  return load_gain_cell_card(s, "device_card", "data/devices/si_3t_gaincell.h5");
}

// A one-head cache of head_dim 1 for closed-form checks.
std::unique_ptr<GainCellKvCache> small_cache(const std::string& toml, int max_seq = 64) {
  static std::vector<std::unique_ptr<core::Config>> keep;
  keep.push_back(std::make_unique<core::Config>(core::Config::from_string(toml)));
  core::Section s = keep.back()->root();
  auto c = std::make_unique<GainCellKvCache>(
      s, KvCacheInit{.layer = 0, .n_kv_heads = 1, .head_dim = 1, .max_seq_len = max_seq, .seed = 3});
  keep.back()->check_unknown();
  return c;
}

double eval_nll(core::Config& cfg, const std::vector<std::string>& st, uint64_t seed = 1) {
  Transformer e(stories(), cfg.section("arch"), seed);
  cfg.check_unknown();
  return evaluate(e, tok(), st, 0, false).mean_nll();
}

}  // namespace

TEST_CASE("gain-cell read law: the card polynomial at the read level, extended below and above", "[arch][gain_cell]") {
  const auto p = card();
  const double vr = 0.9;
  const GainCellReadLaw law(p, vr, p.read.v_store_min_v, p.read.v_store_max_v, false);
  for (double v = p.read.v_store_min_v; v <= p.read.v_store_max_v; v += 0.01) {
    // Horner on the collapsed 1-D polynomial vs the 2-D basis sum: same polynomial, rounding only.
    CHECK(law.current_a(v) == Approx(p.read.eval(v, vr)).epsilon(1e-12));
  }
  // Below the fitted range: I(v_min)·exp(k·(v − v_min)), k = I'(v_min)/I(v_min) (1-mV difference), closed form.
  const double vm = p.read.v_store_min_v, i0 = p.read.eval(vm, vr);
  const double k = (p.read.eval(vm + 1e-3, vr) - i0) / 1e-3 / i0;
  const double v = vm - 0.1;
  CHECK(law.current_a(v) == Approx(i0 * std::exp(-0.1 * k)).epsilon(1e-9));
  CHECK(law.current_a(v) == Approx(p.read.eval_extended(v, vr)).epsilon(1e-9));
  // Linear law: the secant through the ends.
  const GainCellReadLaw lin(p, vr, 0.6, 0.85, true);
  CHECK(lin.current_a(0.725) == Approx(0.5 * (p.read.eval(0.6, vr) + p.read.eval(0.85, vr))).epsilon(1e-12));
  CHECK_THROWS_AS(GainCellReadLaw(p, 1.5, 0.6, 0.9, false), ConfigError);  // read level outside the card
}

TEST_CASE("gain-cell kv cache: DAC quantisation and exponential decay in closed form", "[arch][gain_cell]") {
  const auto p = card();
  const double vmin = 0.6, vmax = 0.9, vr = 0.9;
  const GainCellReadLaw lin(p, vr, vmin, vmax, true);
  OpCounts cnt;
  SECTION("quantisation: 4 levels on [lo, hi] = [-1, 1]") {
    auto c = small_cache(
        "n_levels = 4\nv_store_min_v = 0.6\nv_store_max_v = 0.9\nread_law = \"linear\"\ndecay = false\n"
        "variation = false\nwrite_noise = false\nk_lo_rel = [-1.0]\nk_hi_rel = [1.0]\nv_lo_rel = [-1.0]\n"
        "v_hi_rel = [1.0]\n");
    const std::vector<float> xs = {-2.0f, -0.5f, -0.2f, 0.1f, 0.4f, 0.9f, 3.0f};
    Mat k(static_cast<int64_t>(xs.size()), 1), v(static_cast<int64_t>(xs.size()), 1);
    for (size_t i = 0; i < xs.size(); ++i) {
      k(static_cast<int64_t>(i), 0) = xs[i];
      v(static_cast<int64_t>(i), 0) = -xs[i];
    }
    c->append(0, k, v, cnt);
    const auto view = c->view(0);
    for (size_t i = 0; i < xs.size(); ++i) {
      // Levels −1, −1/3, 1/3, 1: round((x + 1)/2·3)/3·2 − 1, clipped to [−1, 1].
      const double u = std::clamp((xs[i] + 1.0) / 2.0, 0.0, 1.0);
      const double want = std::round(u * 3.0) / 3.0 * 2.0 - 1.0;
      CHECK(view.keys(static_cast<int64_t>(i), 0) == Approx(want).margin(1e-6));  // float32 view
    }
    CHECK(cnt.events.at("gain_cell.writes") == 2 * 7);
    CHECK(cnt.events.at("dac.conversions") == 2 * 7);
  }
  SECTION("decay: V(t) = V0·exp(−age/τ) toward v_hold = 0, read through the linear law") {
    const double tau = 1e-6, t_tok = 1e-7;
    auto c = small_cache(fmt::format(
        "n_levels = 65536\nv_store_min_v = 0.6\nv_store_max_v = 0.9\nread_law = \"linear\"\nvariation = false\n"
        "level_spacing = \"voltage\"\n"
        "write_noise = false\ntau_ret_s = {}\nt_token_s = {}\nk_lo_rel = [0.0]\nk_hi_rel = [1.0]\n"
        "v_lo_rel = [0.0]\nv_hi_rel = [1.0]\n",
        tau, t_tok));
    Mat k = Mat::Constant(20, 1, 1.0f);  // every key at the top level, 0.9 V
    c->append(0, k, k, cnt);
    Eigen::ArrayXXd cur(20, 1);
    c->read_currents(0, 0, 0, 20, 19, cur);
    for (int s = 0; s < 20; ++s) {
      const double vt = 0.9 * std::exp(-(19 - s) * t_tok / tau);
      CHECK(cur(s, 0) == Approx(lin.current_a(vt)).epsilon(1e-12));
    }
  }
  SECTION("refresh: the age counts from the last multiple of t_refresh_s; refreshes counted as writes") {
    const double tau = 1e-6, t_tok = 1e-7, t_ref = 3.3e-7;
    auto c = small_cache(fmt::format(
        "n_levels = 65536\nv_store_min_v = 0.6\nv_store_max_v = 0.9\nread_law = \"linear\"\nvariation = false\n"
        "level_spacing = \"voltage\"\n"
        "write_noise = false\ntau_ret_s = {}\nt_token_s = {}\nt_refresh_s = {}\nk_lo_rel = [0.0]\n"
        "k_hi_rel = [1.0]\nv_lo_rel = [0.0]\nv_hi_rel = [1.0]\n",
        tau, t_tok, t_ref));
    Mat k = Mat::Constant(10, 1, 1.0f);
    c->append(0, k, k, cnt);
    Eigen::ArrayXXd cur(10, 1);
    c->read_currents(0, 0, 0, 10, 9, cur);
    const double t_last = std::floor(9 * t_tok / t_ref) * t_ref;  // 6.6e-7
    for (int s = 0; s < 10; ++s) {
      const double age = 9 * t_tok - std::max(s * t_tok, t_last);
      CHECK(cur(s, 0) == Approx(lin.current_a(0.9 * std::exp(-age / tau))).epsilon(1e-12));
    }
    // Refresh instants 3.3e-7 (before token 4) and 6.6e-7 (before token 7): 4 and 7 held positions, 2 cells each.
    CHECK(cnt.events.at("gain_cell.refreshes") == 2 * (4 + 7));
    CHECK(cnt.events.at("gain_cell.writes") == 2 * 10 + 2 * (4 + 7));
  }
}

TEST_CASE("gain-cell attention: degenerate settings equal dense + full within 1e-3 nats", "[arch][gain_cell]") {
  auto st = all_stories();
  const std::vector<std::string> eval_st(st.begin(), st.begin() + 4);
  const std::vector<std::string> calib(st.end() - 20, st.end());  // disjoint: the text's last stories
  core::Config dense;
  const double ref = eval_nll(dense, eval_st);
  // τ = ∞, 2^16 levels everywhere, linear read law, no variation or kT/C noise, 16-bit ADC, window = context.
  auto cfg = core::Config::from_string(
      "[arch.kv_cache]\ntype = \"gain_cell\"\nn_levels = 65536\nread_law = \"linear\"\ndecay = false\n"
      "variation = false\nwrite_noise = false\nn_window = 512\n"
      "[arch.attention]\ntype = \"gain_cell\"\nscore_readout = \"adc\"\nn_adc_bits = 16\nn_input_levels = 65536\n"
      "n_output_levels = 65536\nn_window = 512\n");
  const auto cal = calibrate_gain_cell(stories(), tok(), calib, cfg, 1, 1.25);
  for (const auto& o : cal.overrides()) {
    cfg.apply_override(o);
  }
  const double nll = eval_nll(cfg, eval_st);
  INFO("dense " << ref << " gain_cell " << nll);
  CHECK(std::abs(nll - ref) < 1e-3);
}

TEST_CASE("gain-cell attention: same seed -> identical NLL, counts in closed form", "[arch][gain_cell]") {
  auto st = all_stories();
  const std::vector<std::string> eval_st(st.begin(), st.begin() + 2);
  auto make = [] {
    return core::Config::from_string(
        "[arch.kv_cache]\ntype = \"gain_cell\"\nn_window = 64\n"
        "[arch.attention]\ntype = \"gain_cell\"\nscore_readout = \"hard_sigmoid\"\nn_window = 64\nn_array_rows = 16\n"
        "n_array_cols = 16\n");
  };
  auto a = make(), b = make(), c = make();
  const double na = eval_nll(a, eval_st, 7), nb = eval_nll(b, eval_st, 7), nc = eval_nll(c, eval_st, 8);
  CHECK(na == nb);  // bit-identical
  CHECK(na != nc);  // other seed: other cells and write noise
  // Counts of one sequence of n tokens against the closed form of the header.
  auto d = make();
  Transformer e(stories(), d.section("arch"), 7);
  const auto ids = tok().encode(eval_st[0], true);
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(ids.size()), 100);
  e.forward(std::span<const int>(ids.data(), static_cast<size_t>(n)));
  const auto& mc = stories().config;
  const int64_t hd = mc.head_dim(), W = 64, R = 16;
  int64_t reads = 0, acts = 0, adcs = 0, adds = 0;
  for (int64_t p = 0; p < n; ++p) {
    const int64_t nv = std::min(p + 1, W), nb_k = (nv + R - 1) / R, nd = (hd + R - 1) / R;
    reads += 2 * nv * hd;
    acts += nd * ((nv + R - 1) / R) + nb_k * ((hd + R - 1) / R);
    adcs += nb_k * hd;
    adds += (nd - 1) * nv + (nb_k - 1) * hd;
  }
  for (int l = 0; l < mc.n_layers; ++l) {
    const auto& at = e.counts()[l].attention.events;
    CHECK(at.at("gain_cell.reads") == mc.n_heads * reads);
    CHECK(at.at("gain_cell.array_activations") == mc.n_heads * acts);
    CHECK(at.at("adc.conversions") == mc.n_heads * adcs);
    CHECK(at.at("gain_cell.phi_pulses") == mc.n_heads * reads / (2 * hd));
    CHECK(at.at("dac.conversions") == mc.n_heads * n * hd);
    CHECK(at.at("digital.adds") == mc.n_heads * adds);
    const auto& kv = e.counts()[l].kv_cache.events;
    CHECK(kv.at("gain_cell.writes") == 2 * n * mc.n_kv_heads * hd);
  }
}

TEST_CASE("gain-cell units: bad settings are ConfigErrors naming the key", "[arch][gain_cell]") {
  for (const char* bad : {"arch.kv_cache.n_levels=1", "arch.kv_cache.t_token_s=0", "arch.kv_cache.t_token_s=-1e-9",
                          "arch.attention.n_window=0", "arch.kv_cache.n_window=0", "arch.kv_cache.read_law=\"cubic\"",
                          "arch.attention.score_readout=\"softmax\""}) {
    INFO(bad);
    core::Config c =
        core::Config::from_string("[arch.kv_cache]\ntype = \"gain_cell\"\n[arch.attention]\ntype = \"gain_cell\"\n");
    c.apply_override(bad);
    CHECK_THROWS_AS(Transformer(stories(), c.section("arch"), 1), ConfigError);
  }
  // gain_cell attention on a full cache: a ConfigError that says what to set.
  core::Config c = core::Config::from_string("[arch.attention]\ntype = \"gain_cell\"\n");
  Transformer e(stories(), c.section("arch"), 1);
  const std::vector<int> ids = {1, 403, 407};
  CHECK_THROWS_WITH(e.forward(ids), Catch::Contains("kv_cache] type = \"gain_cell\""));
}
