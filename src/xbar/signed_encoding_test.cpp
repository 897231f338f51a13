// Signed encodings: encode -> ideal column readings (Σ V·level) -> decode recovers Σ V·w of the quantised
// weights exactly, for both units, continuous and multi-level / sliced cells.
#include "xbar/signed_encoding.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"
#include "core/rng.h"
#include "xbar/registry.h"

using namespace pimtx;
using namespace pimtx::xbar;

namespace {
Eigen::MatrixXd random_matrix(Eigen::Index r, Eigen::Index c, const char* name) {
  core::Rng rng(5, name);
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = rng.uniform(-1.0, 1.0);
  }
  return m;
}
}  // namespace

TEST_CASE("signed encodings decode the ideal readings to the quantised weighted sums", "[xbar]") {
  const Eigen::MatrixXd w = random_matrix(9, 5, "w");
  const Eigen::MatrixXd v = random_matrix(9, 3, "v");
  for (const std::string name : {"differential", "offset"}) {
    core::Config none;
    auto sec = none.root();
    const auto enc = signed_encoding_registry().create_named(name, sec);
    for (const auto& [levels, slices] : std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {2, 4}, {4, 2}, {16, 1}}) {
      CellQuantization q{levels, slices};
      q.validate();
      const Eigen::MatrixXd lv = enc->encode(w, q);
      REQUIRE(lv.cols() == enc->physical_cols(w.cols(), q));
      CHECK(lv.minCoeff() >= 0.0);
      CHECK(lv.maxCoeff() <= 1.0);
      // Quantised weights the encoding stands for.
      Eigen::MatrixXd wq = w;
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        const double x = w.data()[i];
        const double m = name == "differential" ? std::abs(x) : 0.5 * (x + 1.0);
        const double c = levels == 0 ? m : std::round(m * q.code_max()) / q.code_max();
        wq.data()[i] = name == "differential" ? std::copysign(c, x) : 2.0 * c - 1.0;
      }
      const Eigen::MatrixXd y = enc->decode(lv.transpose() * v, v.colwise().sum(), q);
      INFO(name << " levels " << levels << " slices " << slices);
      // Exact arithmetic up to rounding of sums of ~10 terms.
      CHECK((y - wq.transpose() * v).cwiseAbs().maxCoeff() < 1e-12);
      if (levels == 0) {
        CHECK((wq - w).cwiseAbs().maxCoeff() < 1e-15);
      } else {
        // Quantisation step of the code: at most half a step per weight (x2 for offset's 2c - 1).
        CHECK((wq - w).cwiseAbs().maxCoeff() <= (name == "offset" ? 1.0 : 0.5) / q.code_max() + 1e-15);
      }
    }
  }
  CHECK_THROWS_AS(CellQuantization({1, 1}).validate(), ConfigError);
  CHECK_THROWS_AS(CellQuantization({0, 2}).validate(), ConfigError);
  CHECK_THROWS_AS(CellQuantization({16, 9}).validate(), ConfigError);
}
