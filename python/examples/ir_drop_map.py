#!/usr/bin/python3
"""IR-drop error map of a 128x128 passive crossbar vs wire resistance, through the pimtx Python module.

usage: PYTHONPATH=build/python /usr/bin/python3 python/examples/ir_drop_map.py [OUT.png]

1. Validation: pimtx.Crossbar against an independent dense NumPy nodal solve (mna.py) on an 8x8 array with wire,
   driver and sense resistance; the script stops if they differ by more than 1e-10 of full scale.
2. A 128x128 array (conductances uniform in [3.16 uS, 316 uS], seed 1) read with 0.2 V on every word line, for
   r_wire (row = column) in 0.1, 0.5, 1, 2.5 ohm, ideal drivers and sense (0 ohm, so only the wires drop voltage;
   the 8x8 check has them): the map of the voltage
   lost per cell, 1 - (V_word - V_bit) / V_in, from the solved node voltages, and the column-current error
   against the ideal G^T V.
Default output: results/python_ir_drop_map.png.
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pimtx  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mna import dense_mna_currents  # noqa: E402


def validate():
    rng = np.random.default_rng(2)
    g = rng.uniform(3.16e-6, 316e-6, size=(8, 8))
    v = rng.uniform(0.0, 0.2, size=(4, 8))
    par = dict(r_wire_row_ohm=2.5, r_wire_col_ohm=2.5, r_driver_ohm=10.0, r_sense_ohm=10.0)
    ours = pimtx.Crossbar(g, **par).solve(v)
    ref = dense_mna_currents(g, v, **par)
    err = np.max(np.abs(ours - ref)) / np.max(np.abs(ref))
    print(f"8x8 check vs dense NumPy MNA: max error {err:.2e} of full scale")
    if not err < 1e-10:
        sys.exit(f"pimtx.Crossbar disagrees with the dense reference ({err:.3g})")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("results", "python_ir_drop_map.png")
    validate()
    n, v_in = 128, 0.2
    g = np.random.default_rng(1).uniform(3.16e-6, 316e-6, size=(n, n))
    v = np.full(n, v_in)
    r_wires = [0.1, 0.5, 1.0, 2.5]
    fig, axes = plt.subplots(1, len(r_wires) + 1, figsize=(4.2 * (len(r_wires) + 1), 3.8))
    col_err = []
    for ax, rw in zip(axes, r_wires):
        t0 = time.perf_counter()
        x = pimtx.Crossbar(g, r_wire_row_ohm=rw, r_wire_col_ohm=rw)
        r = x.solve(v, node_voltages=True)
        dt = time.perf_counter() - t0
        loss = 1.0 - (r["word_node_v"] - r["bit_node_v"]) / v_in
        ideal = x.ideal_currents(v)
        rel = np.abs(r["bit_currents_a"] - ideal) / np.abs(ideal)
        col_err.append(rel)
        print(f"r_wire {rw:5.1f} ohm: cell voltage loss max {loss.max():.3f}, column current error max "
              f"{rel.max():.3f} mean {rel.mean():.3f} ({dt:.3f} s, {x.n_unknowns} unknowns)")
        im = ax.imshow(loss, cmap="magma", vmin=0.0)
        ax.set_title(f"r_wire = {rw} Ω")
        ax.set_xlabel("bit line j")
        ax.set_ylabel("word line i")
        fig.colorbar(im, ax=ax, fraction=0.046, label="1 − V_cell / V_in")
    ax = axes[-1]
    for rw, e in zip(r_wires, col_err):
        ax.semilogy(e, label=f"{rw} Ω")
    ax.set_xlabel("bit line j")
    ax.set_ylabel("|I − I_ideal| / I_ideal")
    ax.set_title("column current error")
    ax.legend()
    fig.suptitle("128×128 crossbar, G uniform 3.16–316 µS, 0.2 V on every word line, ideal driver/sense (pimtx.Crossbar)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
