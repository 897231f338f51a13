// bench_xbar_solve_loop: the C++ side of bench/python_xbar.py. Solves an array given as CSV for each input vector
// of a CSV, one NodalSolver::solve() call per vector (the factorisation is reused after the first call), and
// prints the time per call: the best of `repeats` loops over all vectors, after one warm-up call.
// Usage: bench_xbar_solve_loop G.csv V.csv R_WIRE_OHM R_END_OHM [repeats]
//   G.csv: (rows, cols) conductances (S); V.csv: one input vector per line (V); R_WIRE_OHM: row and column wire
//   segments; R_END_OHM: driver and sense resistance.
// Output (one line): "cpp per_call_s X n_calls N checksum_a S" (S: sum of all currents, to compare with Python).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "io/csv.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;
using Clock = std::chrono::steady_clock;

namespace {
Eigen::MatrixXd read_matrix(const std::string& path) {
  const io::CsvTable t = io::read_numeric_csv(path, false);
  Eigen::MatrixXd m(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(t.n_cols()));
  for (size_t i = 0; i < t.rows.size(); ++i) {
    for (size_t j = 0; j < t.n_cols(); ++j) {
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = t.rows[i][j];
    }
  }
  return m;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: bench_xbar_solve_loop G.csv V.csv R_WIRE_OHM R_END_OHM [repeats]\n");
    return 2;
  }
  xbar::CellArray cells;
  cells.a1_s = read_matrix(argv[1]);
  const Eigen::MatrixXd v = read_matrix(argv[2]);  // (n_vec, rows)
  const double rw = std::atof(argv[3]), re = std::atof(argv[4]);
  const int repeats = argc > 5 ? std::atoi(argv[5]) : 3;
  xbar::NodalSolver solver(cells, xbar::Parasitics{rw, rw, re, re});
  std::vector<xbar::Drive> drives(static_cast<size_t>(v.rows()));
  for (Eigen::Index k = 0; k < v.rows(); ++k) {
    drives[static_cast<size_t>(k)].word_v = v.row(k).transpose();
  }
  (void)solver.solve(drives[0]);  // factorisation
  double best = 1e300, checksum = 0.0;
  for (int r = 0; r < repeats; ++r) {
    checksum = 0.0;
    const auto t0 = Clock::now();
    for (const auto& d : drives) {
      checksum += solver.solve(d).bit_currents_a.sum();
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  fmt::print("cpp per_call_s {:.9g} n_calls {} checksum_a {:.17g}\n", best / static_cast<double>(drives.size()),
             drives.size(), checksum);
  return 0;
}
