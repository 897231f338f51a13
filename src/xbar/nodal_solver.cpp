#include "xbar/nodal_solver.h"

#include <fmt/format.h>

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/errors.h"

namespace pimtx::xbar {

namespace {
using SpMat = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using SparseColumn = std::vector<std::pair<int, double>>;  // (row, value) non-zeros of one column
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Node reference after merging: >= 0 an unknown, < 0 the fixed source -(ref + 1)
// (sources 0..rows-1 are word drivers, rows..rows+cols-1 bit terminals).
struct Element {
  int a;
  int b;
  double g;  // wire conductance; unused for cells
  int cell;  // row-major cell index, or -1 for a wire/driver/sense element
};

// Nested-dissection order of the physical word (i*C+j) and bit (RC+i*C+j) nodes of cell block
// [r0,r1) x [c0,c1): both halves, then the chain that lies on the cut, then the separator.
void nested_dissection(int R, int C, int r0, int r1, int c0, int c1, std::vector<int>& out) {
  const int RC = R * C;
  if (r1 <= r0 || c1 <= c0) {
    return;
  }
  if ((r1 - r0) * (c1 - c0) <= 8) {
    for (int i = r0; i < r1; ++i) {
      for (int j = c0; j < c1; ++j) {
        out.push_back(RC + i * C + j);
        out.push_back(i * C + j);
      }
    }
    return;
  }
  if (c1 - c0 >= r1 - r0) {
    const int cm = (c0 + c1) / 2;
    nested_dissection(R, C, r0, r1, c0, cm, out);
    nested_dissection(R, C, r0, r1, cm + 1, c1, out);
    for (int i = r0; i < r1; ++i) {
      out.push_back(RC + i * C + cm);  // bit chain of the cut column
    }
    for (int i = r0; i < r1; ++i) {
      out.push_back(i * C + cm);  // separator: its word nodes
    }
  } else {
    const int rm = (r0 + r1) / 2;
    nested_dissection(R, C, r0, rm, c0, c1, out);
    nested_dissection(R, C, rm + 1, r1, c0, c1, out);
    for (int j = c0; j < c1; ++j) {
      out.push_back(rm * C + j);  // word chain of the cut row
    }
    for (int j = c0; j < c1; ++j) {
      out.push_back(RC + rm * C + j);  // separator: its bit nodes
    }
  }
}

// Sparse forward substitution of a unit lower-triangular CSC factor (Eigen's SimplicialLDLT storage: strictly
// lower entries, rows ascending in each column, so the first entry of column j is j's elimination-tree parent).
// rhs: (row, value) pairs; out: the non-zeros of L⁻¹·rhs (rows on the union of the tree paths from the rhs rows).
struct SparseForward {
  const int* lp;
  const int* li;
  const double* lx;
  const int* nnz;  // innerNonZeroPtr (uncompressed storage) or null
  Eigen::VectorXd x;
  std::vector<char> mark;
  std::vector<int> list;

  explicit SparseForward(const SpMat& l)
      : lp(l.outerIndexPtr()),
        li(l.innerIndexPtr()),
        lx(l.valuePtr()),
        nnz(l.innerNonZeroPtr()),
        x(Eigen::VectorXd::Zero(l.cols())),
        mark(static_cast<size_t>(l.cols()), 0) {}
  int end(int j) const { return nnz != nullptr ? lp[j] + nnz[j] : lp[j + 1]; }
  void solve(const std::vector<std::pair<int, double>>& rhs, std::vector<std::pair<int, double>>& out) {
    list.clear();
    for (const auto& [r, v] : rhs) {
      x[r] += v;
      for (int j = r; j >= 0 && mark[static_cast<size_t>(j)] == 0; j = lp[j] < end(j) ? li[lp[j]] : -1) {
        mark[static_cast<size_t>(j)] = 1;
        list.push_back(j);
      }
    }
    std::sort(list.begin(), list.end());  // parents have larger indices: ascending = topological
    for (int j : list) {
      const double xj = x[j];
      if (xj != 0.0) {
        for (int p = lp[j]; p < end(j); ++p) {
          x[li[p]] -= lx[p] * xj;
        }
      }
    }
    out.clear();
    for (int j : list) {
      out.emplace_back(j, x[j]);
      x[j] = 0.0;
      mark[static_cast<size_t>(j)] = 0;
    }
  }
};

int find(std::vector<int>& parent, int x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

// Physical nodes of an R x C array: word (i,j) = i*C+j, bit (i,j) = RC+i*C+j, driver source i = 2RC+i,
// terminal j = 2RC+R+j. Nodes >= 2RC are fixed sources.
struct Raw {
  int a, b;
  double r;
};

// The resistive elements (drivers, word-line and bit-line segments, sense resistors), before any merging.
std::vector<Raw> resistive_elements(int R, int C, const Parasitics& p) {
  const int RC = R * C;
  std::vector<Raw> raw;
  raw.reserve(static_cast<size_t>(2 * RC + R + C));
  for (int i = 0; i < R; ++i) {
    raw.push_back({2 * RC + i, i * C, p.r_driver_ohm});
    for (int j = 0; j + 1 < C; ++j) {
      raw.push_back({i * C + j, i * C + j + 1, p.r_wire_row_ohm});
    }
  }
  for (int j = 0; j < C; ++j) {
    for (int i = 0; i + 1 < R; ++i) {
      raw.push_back({RC + i * C + j, RC + (i + 1) * C + j, p.r_wire_col_ohm});
    }
    raw.push_back({RC + (R - 1) * C + j, 2 * RC + R + j, p.r_sense_ohm});
  }
  return raw;
}

// Union-find parents that merge the nodes joined by 0-ohm elements (a source stays the root of its class).
std::vector<int> merge_zero_ohm(const std::vector<Raw>& raw, int n_phys, int RC) {
  std::vector<int> parent(static_cast<size_t>(n_phys));
  std::iota(parent.begin(), parent.end(), 0);
  for (const Raw& e : raw) {
    if (e.r == 0.0) {
      const int ra = find(parent, e.a);
      const int rb = find(parent, e.b);
      // Keep a source as the root so the merged class stays fixed.
      if (ra != rb) {
        if (rb >= 2 * RC) {
          parent[ra] = rb;
        } else {
          parent[rb] = ra;
        }
      }
    }
  }
  return parent;
}

// Order in which the physical nodes are numbered as unknowns: nested dissection (optionally with the nodes next to
// a source last) followed by the sources, or the natural order.
std::vector<int> node_order(bool nested, bool boundary_last, int R, int C, const std::vector<Raw>& raw,
                            std::vector<int>& parent) {
  const int RC = R * C;
  const int n_phys = 2 * RC + R + C;
  std::vector<int> order;
  order.reserve(static_cast<size_t>(n_phys));
  if (!nested) {
    for (int q = 0; q < n_phys; ++q) {
      order.push_back(q);
    }
    return order;
  }
  nested_dissection(R, C, 0, R, 0, C, order);
  if (boundary_last) {
    // Nodes joined to a source by a resistive element go last (stable): the transfer matrix's right-hand
    // sides then live in the final block of the factor, and its forward substitutions stay inside it.
    std::vector<char> bnd(static_cast<size_t>(n_phys), 0);
    auto mark = [&](int a, int b) {
      const bool sa = find(parent, a) >= 2 * RC, sb = find(parent, b) >= 2 * RC;
      if (sa && !sb) {
        bnd[static_cast<size_t>(b)] = 1;
      } else if (sb && !sa) {
        bnd[static_cast<size_t>(a)] = 1;
      }
    };
    for (const Raw& e : raw) {
      if (e.r > 0.0) {
        mark(e.a, e.b);
      }
    }
    for (int c = 0; c < RC; ++c) {
      mark(c, RC + c);
    }
    std::stable_partition(order.begin(), order.end(), [&](int q) { return bnd[static_cast<size_t>(q)] == 0; });
  }
  for (int q = 2 * RC; q < n_phys; ++q) {
    order.push_back(q);
  }
  return order;
}

// Node reference of every physical node (see Element); n_unknowns receives the number of unknowns.
std::vector<int> number_nodes(const std::vector<int>& order, std::vector<int>& parent, int RC, int& n_unknowns) {
  const auto n_phys = parent.size();
  std::vector<int> ref(n_phys, 0);
  std::vector<int> root_ref(n_phys, INT32_MIN);
  // A merged class (a whole line at 0 ohm) is numbered at its LAST node in the order, so it is eliminated
  // late, like a separator: walk the order backwards and count down.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int r = find(parent, *it);
    if (root_ref[r] == INT32_MIN) {
      root_ref[r] = r >= 2 * RC ? -(r - 2 * RC) - 1 : n_unknowns++;
    }
  }
  for (size_t q = 0; q < n_phys; ++q) {
    const int r = find(parent, static_cast<int>(q));
    ref[q] = root_ref[r] >= 0 ? n_unknowns - 1 - root_ref[r] : root_ref[r];
  }
  return ref;
}
}  // namespace

struct NodalSolver::Impl {
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
  SolverOptions opt;
  Eigen::VectorXd a1;  // row-major cells
  Eigen::VectorXd a3;  // row-major cells, empty if linear
  std::vector<Element> elements;
  std::vector<size_t> boundary;                // elements touching a fixed source
  int n = 0;                                   // unknowns
  SpMat mat;                                   // pattern of wires + cells; values rewritten per factorisation
  Eigen::VectorXd wire_values;                 // mat values with wires only
  std::vector<std::array<int, 4>> cell_slots;  // value index of (a,a), (b,b), (a,b), (b,a); -1 if absent
  Eigen::SimplicialLDLT<SpMat, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt;
  Eigen::SimplicialLDLT<SpMat, Eigen::Lower, Eigen::NaturalOrdering<int>> ldlt_nd;  // unknowns pre-ordered
  bool nd() const { return opt.kind == LinearSolverKind::direct && opt.ordering == Ordering::nested_dissection; }
  Eigen::ConjugateGradient<SpMat, Eigen::Lower | Eigen::Upper, Eigen::IncompleteCholesky<double>> pcg;
  bool linear_factored = false;
  Eigen::VectorXd last_x;  // pcg warm start
  double t_analyze = 0.0;

  int slot(int r, int c) const {
    const int* outer = mat.outerIndexPtr();
    const int* inner = mat.innerIndexPtr();
    const int* p = std::lower_bound(inner + outer[c], inner + outer[c + 1], r);
    return static_cast<int>(p - inner);
  }

  // Fill mat values with wires + cell conductances g_cell (row-major cells).
  void load_matrix(const Eigen::VectorXd& g_cell) {
    double* v = mat.valuePtr();
    std::copy(wire_values.data(), wire_values.data() + wire_values.size(), v);
    for (size_t e = 0; e < elements.size(); ++e) {
      const Element& el = elements[e];
      if (el.cell < 0) {
        continue;
      }
      const auto& s = cell_slots[static_cast<size_t>(el.cell)];
      const double g = g_cell[el.cell];
      if (s[0] >= 0) {
        v[s[0]] += g;
      }
      if (s[1] >= 0) {
        v[s[1]] += g;
      }
      if (s[2] >= 0) {
        v[s[2]] -= g;
      }
      if (s[3] >= 0) {
        v[s[3]] -= g;
      }
    }
  }

  double factorize() {
    const auto t0 = Clock::now();
    if (nd()) {
      ldlt_nd.factorize(mat);
      if (ldlt_nd.info() != Eigen::Success) {
        throw NumericError("xbar nodal solver: LDLT factorisation failed (matrix not positive definite?)");
      }
    } else if (opt.kind == LinearSolverKind::direct) {
      ldlt.factorize(mat);
      if (ldlt.info() != Eigen::Success) {
        throw NumericError("xbar nodal solver: LDLT factorisation failed (matrix not positive definite?)");
      }
    } else {
      pcg.setTolerance(opt.pcg_rel_tol);
      pcg.setMaxIterations(opt.pcg_max_iter);
      pcg.factorize(mat);
      if (pcg.info() != Eigen::Success) {
        throw NumericError("xbar nodal solver: incomplete-Cholesky preconditioner failed");
      }
    }
    return seconds_since(t0);
  }

  Eigen::MatrixXd lin_solve(const Eigen::MatrixXd& rhs, SolveResult& res) {
    if (nd()) {
      return ldlt_nd.solve(rhs);
    }
    if (opt.kind == LinearSolverKind::direct) {
      return ldlt.solve(rhs);
    }
    Eigen::MatrixXd x(rhs.rows(), rhs.cols());
    for (Eigen::Index k = 0; k < rhs.cols(); ++k) {
      if (last_x.size() != n) {
        last_x = Eigen::VectorXd::Zero(n);
      }
      x.col(k) = pcg.solveWithGuess(rhs.col(k), last_x);
      res.pcg_iterations += pcg.iterations();
      if (pcg.info() != Eigen::Success) {
        throw NumericError(fmt::format("xbar PCG did not reach relative residual {} in {} iterations (error {})",
                                       opt.pcg_rel_tol, pcg.iterations(), pcg.error()));
      }
      last_x = x.col(k);
    }
    return x;
  }

  double cell_current(int cell, double v) const {
    return a3.size() == 0 ? a1[cell] * v : (a1[cell] + a3[cell] * v * v) * v;
  }

  double node_v(int ref, const Eigen::VectorXd& x, const Eigen::VectorXd& vsrc) const {
    return ref >= 0 ? x[ref] : vsrc[-ref - 1];
  }

  // Fixed source voltages (rows + cols, n_vec): the word drivers, then the bit-line terminals.
  Eigen::MatrixXd source_voltages(const Drive& drive) const {
    const Eigen::Index nv = drive.n_vectors();
    Eigen::MatrixXd vsrc(rows + cols, nv);
    vsrc.topRows(rows) = drive.word_v;
    for (Eigen::Index k = 0; k < nv; ++k) {
      for (Eigen::Index j = 0; j < cols; ++j) {
        vsrc(rows + j, k) = drive.bit_voltage(j, k);
      }
    }
    return vsrc;
  }

  // Linear solve (or Newton start): K x = sum over boundary elements of g_lin * V_source.
  Eigen::MatrixXd linear_rhs(const Eigen::MatrixXd& vsrc) const {
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(n, vsrc.cols());
    for (size_t e : boundary) {
      const Element& el = elements[e];
      const double g = el.cell < 0 ? el.g : a1[el.cell];
      if (el.a >= 0 && el.b < 0) {
        rhs.row(el.a) += g * vsrc.row(-el.b - 1);
      } else if (el.b >= 0 && el.a < 0) {
        rhs.row(el.b) += g * vsrc.row(-el.a - 1);
      }
    }
    return rhs;
  }

  // Newton per vector on F(x) = sum of currents leaving each unknown node = 0, from the linear solution x
  // (unknowns, n_vec), which it overwrites. Returns the factorisation time.
  double newton(Eigen::MatrixXd& x, const Eigen::MatrixXd& vsrc, SolveResult& res) {
    double t_fact = 0.0;
    Eigen::VectorXd gd(a1.size());
    Eigen::VectorXd f(n);
    for (Eigen::Index k = 0; k < x.cols(); ++k) {
      Eigen::VectorXd xk = x.col(k);
      const Eigen::VectorXd vs = vsrc.col(k);
      int it = 0;
      for (;; ++it) {
        if (it >= opt.newton_max_iter) {
          throw NumericError(
              fmt::format("xbar Newton did not converge in {} iterations (vector {})", opt.newton_max_iter, k));
        }
        f.setZero();
        for (const Element& el : elements) {
          const double va = node_v(el.a, xk, vs);
          const double vb = node_v(el.b, xk, vs);
          double cur;
          if (el.cell < 0) {
            cur = el.g * (va - vb);
          } else {
            const double v = va - vb;
            cur = cell_current(el.cell, v);
            gd[el.cell] = a1[el.cell] + 3.0 * a3[el.cell] * v * v;
          }
          if (el.a >= 0) {
            f[el.a] += cur;
          }
          if (el.b >= 0) {
            f[el.b] -= cur;
          }
        }
        load_matrix(gd);
        t_fact += factorize();
        linear_factored = false;  // the stored factor is now a Jacobian
        Eigen::MatrixXd step = lin_solve(f, res);
        xk -= step.col(0);
        if (step.cwiseAbs().maxCoeff() <= opt.newton_tol_v) {
          break;
        }
      }
      res.max_newton_iterations = std::max(res.max_newton_iterations, it + 1);
      x.col(k) = xk;
    }
    return t_fact;
  }

  // Terminal currents from the elements that touch a source.
  void terminal_currents(const Eigen::MatrixXd& x, const Eigen::MatrixXd& vsrc, SolveResult& res) const {
    const Eigen::Index nv = vsrc.cols();
    res.bit_currents_a = Eigen::MatrixXd::Zero(cols, nv);
    res.word_currents_a = Eigen::MatrixXd::Zero(rows, nv);
    for (Eigen::Index k = 0; k < nv; ++k) {
      const Eigen::VectorXd xk = n > 0 ? Eigen::VectorXd(x.col(k)) : Eigen::VectorXd();
      const Eigen::VectorXd vs = vsrc.col(k);
      for (size_t e : boundary) {
        const Element& el = elements[e];
        const double v = node_v(el.a, xk, vs) - node_v(el.b, xk, vs);
        const double cur = el.cell < 0 ? el.g * v : cell_current(el.cell, v);  // a -> b
        auto credit = [&](int ref_node, double into) {
          const int s = -ref_node - 1;
          if (s < rows) {
            res.word_currents_a(s, k) -= into;
          } else {
            res.bit_currents_a(s - rows, k) += into;
          }
        };
        if (el.b < 0) {
          credit(el.b, cur);
        }
        if (el.a < 0) {
          credit(el.a, -cur);
        }
      }
    }
  }

  // Word and bit node voltage at every cell. Cell c is the element joining word node c to bit node c; the cells
  // are the last rows*cols elements.
  void cell_node_voltages(const Eigen::MatrixXd& x, const Eigen::MatrixXd& vsrc, SolveResult& res) const {
    const Eigen::Index nv = vsrc.cols();
    const Eigen::Index rc = rows * cols;
    const size_t first_cell = elements.size() - static_cast<size_t>(rc);
    res.word_node_v.resize(rc, nv);
    res.bit_node_v.resize(rc, nv);
    for (Eigen::Index k = 0; k < nv; ++k) {
      const Eigen::VectorXd xk = n > 0 ? Eigen::VectorXd(x.col(k)) : Eigen::VectorXd();
      const Eigen::VectorXd vs = vsrc.col(k);
      for (Eigen::Index c = 0; c < rc; ++c) {
        const Element& el = elements[first_cell + static_cast<size_t>(c)];
        res.word_node_v(c, k) = node_v(el.a, xk, vs);
        res.bit_node_v(c, k) = node_v(el.b, xk, vs);
      }
    }
  }

  // transfer_matrix(): the right-hand sides B (word source i -> unknowns, b_cols) and G (unknowns -> bit terminal j,
  // g_cols); the direct source-terminal elements go into t.bit_a_per_v, and t.word_a_per_v starts as the diagonal of
  // the conductances at each word source.
  void transfer_columns(TransferMatrix& t, std::vector<SparseColumn>& b_cols, std::vector<SparseColumn>& g_cols) const {
    const Eigen::Index R = rows, C = cols;
    b_cols.assign(static_cast<size_t>(R), {});
    g_cols.assign(static_cast<size_t>(C), {});
    t.bit_a_per_v = Eigen::MatrixXd::Zero(C, R);
    Eigen::VectorXd g_sum = Eigen::VectorXd::Zero(R);
    for (size_t e : boundary) {
      const Element& el = elements[e];
      const double g = el.cell < 0 ? el.g : a1[el.cell];
      if (el.a < 0 && el.b < 0) {
        const int sa = -el.a - 1, sb = -el.b - 1;
        const int word = std::min(sa, sb), term = std::max(sa, sb) - static_cast<int>(R);
        if (word < R && term >= 0) {
          t.bit_a_per_v(term, word) += g;
          g_sum[word] += g;
        }
        continue;
      }
      const int s = el.a < 0 ? -el.a - 1 : -el.b - 1;
      const int u = el.a < 0 ? el.b : el.a;
      if (s < R) {
        b_cols[static_cast<size_t>(s)].emplace_back(u, g);
        g_sum[s] += g;
      } else {
        g_cols[static_cast<size_t>(s - R)].emplace_back(u, g);
      }
    }
    t.word_a_per_v = g_sum.asDiagonal();
  }

  // transfer_matrix(), direct solver: with the factor K = Pᵀ L D Lᵀ P, Gᵀ K⁻¹ B = (L⁻¹ P G)ᵀ D⁻¹ (L⁻¹ P B) is added
  // to t.bit_a_per_v and Bᵀ K⁻¹ B subtracted from t.word_a_per_v.
  void add_schur_complement(TransferMatrix& t, const std::vector<SparseColumn>& b_cols,
                            const std::vector<SparseColumn>& g_cols) const {
    const Eigen::Index R = rows, C = cols;
    const SpMat& l = nd() ? ldlt_nd.matrixL().nestedExpression() : ldlt.matrixL().nestedExpression();
    const Eigen::VectorXd d = nd() ? ldlt_nd.vectorD() : ldlt.vectorD();
    const auto& perm = nd() ? ldlt_nd.permutationP() : ldlt.permutationP();
    auto permuted = [&](SparseColumn v) {
      if (perm.size() > 0) {
        for (auto& [r, x] : v) {
          r = perm.indices()[r];
        }
      }
      return v;
    };
    SparseForward fwd(l);
    std::vector<SparseColumn> y(static_cast<size_t>(R + C));
    for (Eigen::Index k = 0; k < R + C; ++k) {
      const auto& rhs = k < R ? b_cols[static_cast<size_t>(k)] : g_cols[static_cast<size_t>(k - R)];
      fwd.solve(permuted(rhs), y[static_cast<size_t>(k)]);
    }
    // Dense product over the union of the touched rows, each scaled by 1/sqrt(D) (K is positive definite).
    std::vector<int> row_slot(static_cast<size_t>(n), -1);
    int n_union = 0;
    for (const auto& yk : y) {
      for (const auto& [r, v] : yk) {
        if (row_slot[static_cast<size_t>(r)] < 0) {
          row_slot[static_cast<size_t>(r)] = n_union++;
        }
      }
    }
    Eigen::MatrixXd yb = Eigen::MatrixXd::Zero(n_union, R), yg = Eigen::MatrixXd::Zero(n_union, C);
    for (Eigen::Index k = 0; k < R + C; ++k) {
      for (const auto& [r, v] : y[static_cast<size_t>(k)]) {
        const double sv = v / std::sqrt(d[r]);
        if (k < R) {
          yb(row_slot[static_cast<size_t>(r)], k) = sv;
        } else {
          yg(row_slot[static_cast<size_t>(r)], k - R) = sv;
        }
      }
    }
    t.bit_a_per_v.noalias() += yg.transpose() * yb;
    t.word_a_per_v.noalias() -= yb.transpose() * yb;
  }

  // a1 (and a3 for a nonlinear array) of the cells, row-major.
  void set_cells(const CellArray& cells) {
    const int R = static_cast<int>(rows);
    const int C = static_cast<int>(cols);
    a1.resize(R * C);
    if (cells.nonlinear()) {
      a3.resize(R * C);
    }
    for (int i = 0; i < R; ++i) {
      for (int j = 0; j < C; ++j) {
        a1[i * C + j] = cells.a1_s(i, j);
        if (cells.nonlinear()) {
          a3[i * C + j] = cells.a3_s_per_v2(i, j);
        }
      }
    }
  }

  // The elements between node references: resistive ones that join two different references, then every cell.
  void set_elements(const std::vector<Raw>& raw, const std::vector<int>& ref, int RC) {
    for (const Raw& e : raw) {
      if (e.r > 0.0 && ref[e.a] != ref[e.b]) {
        elements.push_back({ref[e.a], ref[e.b], 1.0 / e.r, -1});
      }
    }
    for (int c = 0; c < RC; ++c) {
      elements.push_back({ref[c], ref[RC + c], 0.0, c});
    }
  }

  // Sparsity pattern: wires with values, cells as explicit zeros (the same pattern serves every Jacobian); the
  // boundary elements; each cell's value slots; the symbolic analysis of the chosen linear solver.
  void build_pattern(int RC) {
    std::vector<Eigen::Triplet<double, int>> trip;
    trip.reserve(4 * elements.size());
    for (size_t e = 0; e < elements.size(); ++e) {
      const Element& el = elements[e];
      const double g = el.cell < 0 ? el.g : 0.0;
      if (el.a < 0 || el.b < 0) {  // boundary elements deliver the source/terminal currents
        boundary.push_back(e);
      }
      if (el.a >= 0) {
        trip.emplace_back(el.a, el.a, g);
      }
      if (el.b >= 0) {
        trip.emplace_back(el.b, el.b, g);
      }
      if (el.a >= 0 && el.b >= 0) {
        trip.emplace_back(el.a, el.b, -g);
        trip.emplace_back(el.b, el.a, -g);
      }
    }
    if (n == 0) {
      return;
    }
    mat.resize(n, n);
    mat.setFromTriplets(trip.begin(), trip.end());
    mat.makeCompressed();
    wire_values = Eigen::Map<const Eigen::VectorXd>(mat.valuePtr(), mat.nonZeros());
    cell_slots.assign(static_cast<size_t>(RC), {-1, -1, -1, -1});
    for (const Element& el : elements) {
      if (el.cell < 0) {
        continue;
      }
      auto& s = cell_slots[static_cast<size_t>(el.cell)];
      if (el.a >= 0) {
        s[0] = slot(el.a, el.a);
      }
      if (el.b >= 0) {
        s[1] = slot(el.b, el.b);
      }
      if (el.a >= 0 && el.b >= 0) {
        s[2] = slot(el.a, el.b);
        s[3] = slot(el.b, el.a);
      }
    }
    if (nd()) {
      ldlt_nd.analyzePattern(mat);
    } else if (opt.kind == LinearSolverKind::direct) {
      ldlt.analyzePattern(mat);
    } else {
      pcg.analyzePattern(mat);
    }
  }
};

NodalSolver::NodalSolver(const CellArray& cells, const Parasitics& parasitics, SolverOptions options)
    : impl_(std::make_unique<Impl>()) {
  cells.validate();
  parasitics.validate();
  Impl& m = *impl_;
  const auto t0 = Clock::now();
  m.opt = options;
  m.rows = cells.rows();
  m.cols = cells.cols();
  const int R = static_cast<int>(m.rows);
  const int C = static_cast<int>(m.cols);
  const int RC = R * C;
  m.set_cells(cells);
  const int n_phys = 2 * RC + R + C;  // word and bit nodes, driver sources, sense terminals (see Raw)
  const std::vector<Raw> raw = resistive_elements(R, C, parasitics);
  std::vector<int> parent = merge_zero_ohm(raw, n_phys, RC);
  const std::vector<int> order = node_order(m.nd(), m.opt.boundary_last, R, C, raw, parent);
  const std::vector<int> ref = number_nodes(order, parent, RC, m.n);
  m.set_elements(raw, ref, RC);
  m.build_pattern(RC);
  m.t_analyze = seconds_since(t0);
}

NodalSolver::~NodalSolver() = default;
NodalSolver::NodalSolver(NodalSolver&&) noexcept = default;
NodalSolver& NodalSolver::operator=(NodalSolver&&) noexcept = default;
Eigen::Index NodalSolver::n_unknowns() const { return impl_->n; }
double NodalSolver::t_analyze_s() const { return impl_->t_analyze; }

SolveResult NodalSolver::solve(const Drive& drive, bool node_voltages) {
  Impl& m = *impl_;
  drive.check_shape(m.rows, m.cols);
  const auto t0 = Clock::now();
  const Eigen::MatrixXd vsrc = m.source_voltages(drive);
  const Eigen::Index nv = vsrc.cols();
  SolveResult res;
  double t_fact = 0.0;
  Eigen::MatrixXd x(m.n, nv);  // (unknowns, n_vec)
  if (m.n > 0) {
    if (!m.linear_factored) {
      m.load_matrix(m.a1);
      t_fact += m.factorize();
      m.linear_factored = true;
    }
    x = m.lin_solve(m.linear_rhs(vsrc), res);
    if (m.a3.size() != 0) {
      t_fact += m.newton(x, vsrc, res);
    }
  }
  m.terminal_currents(x, vsrc, res);
  if (node_voltages) {
    m.cell_node_voltages(x, vsrc, res);
  }
  res.t_factor_s = t_fact;
  res.t_solve_s = seconds_since(t0) - t_fact;
  return res;
}

TransferMatrix NodalSolver::transfer_matrix() {
  Impl& m = *impl_;
  if (m.a3.size() != 0) {
    throw NumericError("xbar transfer matrix: the cells are nonlinear (a3 != 0); use solve() per input vector");
  }
  const auto t0 = Clock::now();
  const Eigen::Index R = m.rows;
  TransferMatrix t;
  if (m.n > 0 && !m.linear_factored) {
    m.load_matrix(m.a1);
    m.factorize();
    m.linear_factored = true;
  }
  if (m.n > 0 && m.opt.kind == LinearSolverKind::pcg) {
    Drive d;
    d.word_v = Eigen::MatrixXd::Identity(R, R);
    SolveResult r = solve(d);
    t.bit_a_per_v = std::move(r.bit_currents_a);
    t.word_a_per_v = std::move(r.word_currents_a);
    t.t_s = seconds_since(t0);
    return t;
  }
  std::vector<SparseColumn> b_cols, g_cols;
  m.transfer_columns(t, b_cols, g_cols);
  if (m.n > 0) {
    m.add_schur_complement(t, b_cols, g_cols);
  }
  t.t_s = seconds_since(t0);
  return t;
}

}  // namespace pimtx::xbar
