#!/usr/bin/python3
"""Python-loop overhead of pimtx.Crossbar.solve, and a dense NumPy solve of the same circuit.

usage: PYTHONPATH=build/python /usr/bin/python3 bench/python_xbar.py [BUILD_DIR]   (default build/)

A 64x64 array (G uniform in [1, 100] uS, 2.5-ohm wires, driver and sense) and 1,000 input vectors are written to
CSV and solved one vector per call (i) in a Python loop over pimtx.Crossbar.solve, (ii) in the C++ loop of
bench_xbar_solve_loop (NodalSolver::solve) on the same CSV files; both reuse the factorisation and report the
best of 3 loops. Printed: time per call of each, the Python overhead (goal <= 10 %), and the time per vector of
a dense NumPy nodal solve of the same circuit (numpy.linalg.solve of the 8,192-node system, mna.py): per call
(factor + solve, 2 calls) and amortised over the 1,000 vectors in one call, with the ratios to pimtx.
Timings on a shared machine are noisy: compare the ratios from one run.
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import pimtx

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))
from mna import dense_mna_matrix, dense_mna_rhs  # noqa: E402

N, N_CALLS, REPEATS, R_WIRE, R_END = 64, 1000, 3, 2.5, 2.5


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    rng = np.random.default_rng(1)
    g = rng.uniform(1e-6, 1e-4, size=(N, N))
    v = rng.uniform(0.0, 0.2, size=(N_CALLS, N))
    with tempfile.TemporaryDirectory() as tmp:
        gp, vp = os.path.join(tmp, "g.csv"), os.path.join(tmp, "v.csv")
        np.savetxt(gp, g, delimiter=",", fmt="%.17g")
        np.savetxt(vp, v, delimiter=",", fmt="%.17g")
        out = subprocess.run([os.path.join(build, "bench", "bench_xbar_solve_loop"), gp, vp, str(R_WIRE), str(R_END),
                              str(REPEATS)], capture_output=True, text=True, check=True).stdout.split()
    t_cpp, cpp_sum = float(out[out.index("per_call_s") + 1]), float(out[out.index("checksum_a") + 1])

    x = pimtx.Crossbar(g, r_wire_row_ohm=R_WIRE, r_wire_col_ohm=R_WIRE, r_driver_ohm=R_END, r_sense_ohm=R_END)
    x.solve(v[0])  # factorisation, as the C++ warm-up call
    rows = list(v)
    best = float("inf")
    for _ in range(REPEATS):
        s = 0.0
        t0 = time.perf_counter()
        for vk in rows:
            s += x.solve(vk).sum()
        best = min(best, time.perf_counter() - t0)
    t_py = best / N_CALLS
    print(f"array {N}x{N}, {x.n_unknowns} unknowns, {N_CALLS} solves per loop, best of {REPEATS}")
    print(f"C++ loop (bench_xbar_solve_loop):  {t_cpp * 1e6:9.1f} us per call")
    print(f"Python loop (pimtx.Crossbar.solve): {t_py * 1e6:9.1f} us per call")
    print(f"Python overhead: {100.0 * (t_py / t_cpp - 1.0):+.1f} % (goal <= 10 %); "
          f"same currents: {'yes' if abs(s - cpp_sum) <= 1e-12 * abs(cpp_sum) else 'NO'}")

    a = dense_mna_matrix(g, R_WIRE, R_WIRE, R_END, R_END)  # (8192, 8192) float64, 512 MiB
    rhs = dense_mna_rhs(g.shape, v, R_END)
    t_one = float("inf")
    for k in range(2):
        t0 = time.perf_counter()
        np.linalg.solve(a, rhs[:, k])
        t_one = min(t_one, time.perf_counter() - t0)
    t0 = time.perf_counter()
    xd = np.linalg.solve(a, rhs)
    t_all = (time.perf_counter() - t0) / N_CALLS
    cur = xd[N * N + (N - 1) * N + np.arange(N), :].T / R_END
    err = np.max(np.abs(cur - x.solve(v))) / np.max(np.abs(cur))
    print(f"NumPy dense solve, one call per vector: {t_one * 1e3:9.1f} ms per call = "
          f"{t_one / t_py:,.0f}x pimtx")
    print(f"NumPy dense solve, 1000 vectors in one call: {t_all * 1e6:9.1f} us per vector = "
          f"{t_all / t_py:,.1f}x pimtx; max difference {err:.1e} of full scale")


if __name__ == "__main__":
    main()
