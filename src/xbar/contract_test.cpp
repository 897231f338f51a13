// Contract tests of xbar's registries over every registered unit, from its example config (tests/contract.h):
// programming models (programmed conductances, pulse counts and read laws of fixed targets; random pulse trains),
// ADCs (conversions of a fixed batch after calibration) and signed encodings (cell levels and the decoded sums of
// ideal readings). Degenerate cases: gaussian programming with every sigma 0 is ideal (below); both encodings
// decode ideal readings to the quantised weighted sums: signed_encoding_test.cpp.
#include "tests/contract.h"

#include <catch2/catch.hpp>

#include "xbar/registry.h"

using namespace pimtx;
using namespace pimtx::xbar;

namespace {

contract::Outcome run_programming(const std::string& text, uint64_t seed) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  auto m = programming_registry().create(sec, "ideal");
  cfg.check_unknown();
  contract::Outcome o;
  core::Rng c2c(seed, "xbar.c2c");
  for (uint64_t cell = 0; cell < 8; ++cell) {
    const double target = m->g_min_s() + (m->g_max_s() - m->g_min_s()) * (0.1 + 0.1 * static_cast<double>(cell));
    const core::Rng d2d(seed, "xbar.d2d", cell);
    core::Rng d = d2d;
    int64_t n_pulses = 0;
    const double g = m->program(m->g_min_s(), target, d, c2c, &n_pulses);
    core::Rng d_law = d2d;
    const auto law = m->read_law(g, d_law);
    core::Rng d_rand = d2d;
    o.output.insert(o.output.end(),
                    {g, static_cast<double>(n_pulses), law[0], law[1], m->random_pulses(10, d_rand, c2c)});
  }
  o.resolved = cfg.resolved_text();
  return o;
}

contract::Outcome run_adc(const std::string& text, uint64_t seed) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  core::Rng d2d(seed, "xbar.adc.d2d");
  const Eigen::Index cols = 4;
  auto adc = adc_registry().create(sec, "ideal", cols, &d2d);
  cfg.check_unknown();
  Eigen::MatrixXd v(cols, 5);  // volts (cols, n_vec)
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    v.data()[i] = 0.05 * std::sin(1.3 * static_cast<double>(i) + 0.2);
  }
  adc->calibrate(v);
  core::Rng noise(seed, "xbar.adc.noise");
  const Eigen::MatrixXd y = adc->convert(v, noise);
  contract::Outcome o;
  o.output.assign(y.data(), y.data() + y.size());
  o.output.push_back(adc->range_v().value_or(-1.0));
  o.resolved = cfg.resolved_text();
  return o;
}

contract::Outcome run_encoding(const std::string& text, uint64_t /*seed*/) {
  auto cfg = core::Config::from_string(text);
  auto sec = cfg.root();
  auto enc = signed_encoding_registry().create(sec, "differential");
  cfg.check_unknown();
  Eigen::MatrixXd w(6, 3);  // (rows, n_out), normalised weights in [-1, 1]
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    w.data()[i] = std::sin(2.1 * static_cast<double>(i) + 0.4);
  }
  Eigen::MatrixXd v(6, 2);  // word-line volts (rows, n_vec)
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    v.data()[i] = 0.1 * std::cos(0.7 * static_cast<double>(i));
  }
  const CellQuantization q{4, 2};  // 4 levels per cell, 2 slices
  const Eigen::MatrixXd levels = enc->encode(w, q);
  const Eigen::MatrixXd sums = enc->decode(levels.transpose() * v, v.colwise().sum(), q);
  contract::Outcome o;
  o.output.assign(levels.data(), levels.data() + levels.size());
  o.output.insert(o.output.end(), sums.data(), sums.data() + sums.size());
  o.resolved = cfg.resolved_text();
  return o;
}

}  // namespace

TEST_CASE("contract: every programming model from its example, and gaussian with no spread is ideal",
          "[xbar][contract]") {
  contract::check_registry("programming", programming_registry(), run_programming);
  // programming.h: "ideal" is "gaussian" with every sigma 0, so the same draws give the same conductances.
  contract::check_same_outputs(run_programming, "type = \"gaussian\"\ng_min_s = 1e-5\ng_max_s = 1e-4\n",
                               "type = \"ideal\"\ng_min_s = 1e-5\ng_max_s = 1e-4\n", 0.0);
}

TEST_CASE("contract: every ADC from its example", "[xbar][contract]") {
  contract::check_registry("adc", adc_registry(), run_adc);
}

TEST_CASE("contract: every signed encoding from its example", "[xbar][contract]") {
  contract::check_registry("signed_encoding", signed_encoding_registry(), run_encoding);
}
