#include "xbar/approx.h"

#include <algorithm>
#include <vector>

#include "core/errors.h"

namespace pimtx::xbar {

namespace {
constexpr double k_min_r_ohm = 1e-9;  // stands in for 0 Ω in the tridiagonal line systems
double cond(double r) { return 1.0 / std::max(r, k_min_r_ohm); }

// Solve a tridiagonal chain: node k has diagonal d[k], coupling -c[k] to node k+1, right side b[k].
// Thomas algorithm; the chain matrices here are symmetric and diagonally dominant, so no pivoting.
void thomas(std::vector<double>& d, const std::vector<double>& c, std::vector<double>& b) {
  const size_t n = d.size();
  for (size_t k = 1; k < n; ++k) {
    const double w = -c[k - 1] / d[k - 1];
    d[k] -= w * -c[k - 1];
    b[k] -= w * b[k - 1];
  }
  b[n - 1] /= d[n - 1];
  for (size_t k = n - 1; k-- > 0;) {
    b[k] = (b[k] + c[k] * b[k + 1]) / d[k];
  }
}
}  // namespace

Eigen::MatrixXd ideal_currents(const CellArray& cells, const Drive& drive) {
  drive.check_shape(cells.rows(), cells.cols());
  Eigen::MatrixXd out = cells.a1_s.transpose() * drive.word_v;  // (cols, n_vec)
  if (drive.bit_v.size() != 0) {
    const Eigen::VectorXd col_sum = cells.a1_s.colwise().sum().transpose();
    out -= (drive.bit_v.array().colwise() * col_sum.array()).matrix();
  }
  return out;
}

Eigen::MatrixXd line_relaxation_currents(const CellArray& cells, const Parasitics& p, const Drive& drive,
                                         int n_sweeps) {
  cells.validate();
  p.validate();
  drive.check_shape(cells.rows(), cells.cols());
  if (n_sweeps < 1) {
    throw ConfigError("line relaxation needs n_sweeps >= 1");
  }
  const Eigen::Index R = cells.rows();
  const Eigen::Index C = cells.cols();
  const double g_drv = cond(p.r_driver_ohm);
  const double g_row = cond(p.r_wire_row_ohm);
  const double g_col = cond(p.r_wire_col_ohm);
  const double g_sns = cond(p.r_sense_ohm);
  const Eigen::MatrixXd& g = cells.a1_s;
  Eigen::MatrixXd out(C, drive.n_vectors());
  Eigen::MatrixXd vw(R, C);  // word-line node voltages
  Eigen::MatrixXd vb(R, C);  // bit-line node voltages
  std::vector<double> d, c, b;
  for (Eigen::Index k = 0; k < drive.n_vectors(); ++k) {
    for (Eigen::Index j = 0; j < C; ++j) {
      vb.col(j).setConstant(drive.bit_voltage(j, k));
    }
    for (int s = 0; s < n_sweeps; ++s) {
      // Word lines: node j couples to j±1 (g_row), the driver at j = 0, and its cell to the held bit node.
      d.assign(static_cast<size_t>(C), 0.0);
      c.assign(static_cast<size_t>(C), g_row);
      b.assign(static_cast<size_t>(C), 0.0);
      for (Eigen::Index i = 0; i < R; ++i) {
        for (Eigen::Index j = 0; j < C; ++j) {
          const auto u = static_cast<size_t>(j);
          d[u] = g(i, j) + (j > 0 ? g_row : 0.0) + (j + 1 < C ? g_row : 0.0) + (j == 0 ? g_drv : 0.0);
          b[u] = g(i, j) * vb(i, j) + (j == 0 ? g_drv * drive.word_v(i, k) : 0.0);
        }
        thomas(d, c, b);
        for (Eigen::Index j = 0; j < C; ++j) {
          vw(i, j) = b[static_cast<size_t>(j)];
        }
      }
      // Bit lines: node i couples to i±1 (g_col), the terminal at the last row, and its cell.
      d.assign(static_cast<size_t>(R), 0.0);
      c.assign(static_cast<size_t>(R), g_col);
      b.assign(static_cast<size_t>(R), 0.0);
      for (Eigen::Index j = 0; j < C; ++j) {
        const double vt = drive.bit_voltage(j, k);
        for (Eigen::Index i = 0; i < R; ++i) {
          const auto u = static_cast<size_t>(i);
          d[u] = g(i, j) + (i > 0 ? g_col : 0.0) + (i + 1 < R ? g_col : 0.0) + (i + 1 == R ? g_sns : 0.0);
          b[u] = g(i, j) * vw(i, j) + (i + 1 == R ? g_sns * vt : 0.0);
        }
        thomas(d, c, b);
        for (Eigen::Index i = 0; i < R; ++i) {
          vb(i, j) = b[static_cast<size_t>(i)];
        }
      }
    }
    for (Eigen::Index j = 0; j < C; ++j) {
      if (p.r_sense_ohm > 0.0) {
        out(j, k) = (vb(R - 1, j) - drive.bit_voltage(j, k)) / p.r_sense_ohm;
      } else {
        // Ideal sense: the terminal takes every cell current of the line (KCL over the bit line).
        double s = 0.0;
        for (Eigen::Index i = 0; i < R; ++i) {
          s += g(i, j) * (vw(i, j) - vb(i, j));
        }
        out(j, k) = s;
      }
    }
  }
  return out;
}

}  // namespace pimtx::xbar
