#!/usr/bin/python3
"""Python-loop overhead of pimtx.Crossbar.solve, and a dense NumPy solve of the same circuit.

usage: PYTHONPATH=build/python /usr/bin/python3 bench/python_xbar.py [BUILD_DIR]   (default build/)

A 64x64 array (G uniform in [1, 100] uS, 2.5-ohm wires, driver and sense) and 1,000 input vectors are written to
CSV and solved one vector per call (i) in a Python loop over pimtx.Crossbar.solve, (ii) in the C++ loop of
bench_xbar_solve_loop (NodalSolver::solve) on the same CSV files; both reuse the factorisation and report the
best of 3 loops. Printed: time per call of each and the Python overhead (goal <= 10 %); then the time of one
dense NumPy nodal solve (numpy.linalg.solve, mna.py; factor + solve) of the 16x16 and 32x32 corners of the
array, against pimtx's time per call on the same corner, with the ratio. PIMTX_BENCH_DENSE_N=16,32,64 adds the
full 64x64 circuit (8,192 nodes, 512 MiB: about 64x the 32x32 time; 18 min with Debian's reference BLAS at load ~12).
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
DENSE_SIZES = [int(a) for a in os.environ.get("PIMTX_BENCH_DENSE_N", "16,32").split(",")]


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
          f"same currents: {'yes' if abs(s - cpp_sum) <= 1e-12 * abs(cpp_sum) else 'NO'}", flush=True)

    # Dense NumPy nodal solve (mna.py), one call per vector (factor + solve), on corners of the same array; each
    # line is printed when measured.
    for n in DENSE_SIZES:
        gn, vn = g[:n, :n], v[:, :n]
        xn = pimtx.Crossbar(gn, r_wire_row_ohm=R_WIRE, r_wire_col_ohm=R_WIRE, r_driver_ohm=R_END, r_sense_ohm=R_END)
        xn.solve(vn[0])
        t0 = time.perf_counter()
        for vk in vn[:200]:
            xn.solve(vk)
        t_p = (time.perf_counter() - t0) / 200
        a = dense_mna_matrix(gn, R_WIRE, R_WIRE, R_END, R_END)
        t0 = time.perf_counter()
        xd = np.linalg.solve(a, dense_mna_rhs(gn.shape, vn[0], R_END))
        t_d = time.perf_counter() - t0
        cur = xd[n * n + (n - 1) * n + np.arange(n), 0] / R_END
        ours = xn.solve(vn[0])
        err = np.max(np.abs(cur - ours)) / np.max(np.abs(ours))
        print(f"{n}x{n} ({2 * n * n} nodes): NumPy dense solve {t_d * 1e3:10.1f} ms per call, pimtx "
              f"{t_p * 1e6:8.1f} us per call: ratio {t_d / t_p:,.0f}x; max difference {err:.1e} of full scale",
              flush=True)

if __name__ == "__main__":
    main()
