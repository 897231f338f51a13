"""Dense modified-nodal-analysis reference for a passive crossbar, in plain NumPy (independent of pimtx).

Same geometry as src/circuits/crossbar.h and pimtx.Crossbar: word line i is driven at its column-0 end from a
source V_i through r_driver_ohm; r_wire_row_ohm joins word nodes (i, j) and (i, j+1); cell (i, j) joins word node
(i, j) to bit node (i, j); r_wire_col_ohm joins bit nodes (i, j) and (i+1, j); bit line j leaves its last-row node
through r_sense_ohm into a 0 V virtual ground. Unknowns: all 2*rows*cols node voltages (every resistance > 0).
Used by the IR-drop example (validation on a small array), the Python tests and bench/python_xbar.py.
"""

import numpy as np


def dense_mna_matrix(g_s, r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm):
    """Nodal conductance matrix (2*R*C, 2*R*C): word node (i, j) at i*C + j, bit node (i, j) at R*C + i*C + j."""
    g_s = np.asarray(g_s, dtype=float)
    rows, cols = g_s.shape
    n = 2 * rows * cols
    a = np.zeros((n, n))
    w = np.arange(rows * cols).reshape(rows, cols)
    b = w + rows * cols

    def stamp(x, y, g):
        np.add.at(a, (x, x), g)
        np.add.at(a, (y, y), g)
        np.add.at(a, (x, y), -g)
        np.add.at(a, (y, x), -g)

    stamp(w.ravel(), b.ravel(), g_s.ravel())
    stamp(w[:, :-1].ravel(), w[:, 1:].ravel(), np.full(rows * (cols - 1), 1.0 / r_wire_row_ohm))
    stamp(b[:-1, :].ravel(), b[1:, :].ravel(), np.full((rows - 1) * cols, 1.0 / r_wire_col_ohm))
    a[w[:, 0], w[:, 0]] += 1.0 / r_driver_ohm
    a[b[-1, :], b[-1, :]] += 1.0 / r_sense_ohm
    return a


def dense_mna_rhs(shape, voltages_v, r_driver_ohm):
    """Right-hand sides (2*R*C, n_vectors) for word-line source voltages (n_vectors, R) or (R,)."""
    rows, cols = shape
    v = np.atleast_2d(np.asarray(voltages_v, dtype=float))
    rhs = np.zeros((2 * rows * cols, v.shape[0]))
    rhs[np.arange(rows) * cols, :] = v.T / r_driver_ohm
    return rhs


def dense_mna_currents(g_s, voltages_v, r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm):
    """Bit-line terminal currents (A), shape (cols,) or (n_vectors, cols), by a dense LU solve (numpy.linalg)."""
    g_s = np.asarray(g_s, dtype=float)
    rows, cols = g_s.shape
    a = dense_mna_matrix(g_s, r_wire_row_ohm, r_wire_col_ohm, r_driver_ohm, r_sense_ohm)
    x = np.linalg.solve(a, dense_mna_rhs(g_s.shape, voltages_v, r_driver_ohm))
    cur = (x[rows * cols + (rows - 1) * cols + np.arange(cols), :] / r_sense_ohm).T
    return cur[0] if np.ndim(voltages_v) == 1 else cur
