#!/usr/bin/python3
"""The LSH collision law measured from Python, with hash planes programmed into passive TiOx crossbars.

usage: PYTHONPATH=build/python /usr/bin/python3 python/examples/lsh_collision.py [OUT.png]

Random-hyperplane LSH: a sign bit h(x) = sign(w . x) collides for two vectors at angle theta with probability
1 - theta/pi when w is drawn from a rotation-invariant distribution. Here each plane is a differential column pair
of a 64-row crossbar, w = G+ - G-, with G+ and G- the conductances that random programming pulses leave in TiOx
devices (pimtx.DeviceCard.random_pulses on data/devices/tiox_passive.h5: reset, then 5 pulses of random
amplitude through the card's pulse law with each device's d2d and c2c spread). The array is read with 0.2 V
full-scale inputs through 2.5-ohm wires and 10-ohm driver/sense resistance (pimtx.Crossbar, the devices' own
small-signal read law from DeviceCard.read_law, read_law="linear"); the bit is the sign of I+ - I-.
For 12 angles and 300 pairs per angle, 64 planes each, the script compares the measured collision probability
with 1 - theta/pi and with ideal Gaussian planes (NumPy). Default output: results/python_lsh_collision.png.
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pimtx  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIM, N_PLANES, N_PAIRS, V_READ = 64, 64, 300, 0.2


def unit_pairs(rng, theta, n, dim):
    """n pairs of unit vectors at exactly angle theta (uniformly oriented)."""
    x = rng.standard_normal((n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    u = rng.standard_normal((n, dim))
    u -= np.sum(u * x, axis=1, keepdims=True) * x
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return x, np.cos(theta) * x + np.sin(theta) * u


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("results", "python_lsh_collision.png")
    card = pimtx.DeviceCard.load(os.path.join(ROOT, "data", "devices", "tiox_passive.h5"),
                                 programming={"read_law": "linear"})
    n_cells = DIM * 2 * N_PLANES
    g = card.random_pulses(n_cells, 5, seed=1)  # conductances after random programming (S)
    a1, a3 = card.read_law(g, seed=1)            # the same devices' read law (a3 = 0: linear read)
    a1 = a1.reshape(DIM, 2 * N_PLANES)           # columns 2k, 2k+1: plane k's G+ and G-
    xbar = pimtx.Crossbar(a1, r_wire_row_ohm=2.5, r_wire_col_ohm=2.5, r_driver_ohm=10.0, r_sense_ohm=10.0)
    print(f"TiOx planes: G in [{g.min() * 1e6:.1f}, {g.max() * 1e6:.1f}] uS, mean {g.mean() * 1e6:.1f} uS")

    def bits(v):
        i = xbar.solve(v)  # (n, 2*N_PLANES) column currents, one factorisation for the whole batch
        return i[:, 0::2] > i[:, 1::2]

    rng = np.random.default_rng(7)
    w_soft = rng.standard_normal((DIM, N_PLANES))
    thetas = np.linspace(0.0, np.pi, 12)
    p_xbar, p_soft = [], []
    t0 = time.perf_counter()
    for th in thetas:
        x, y = unit_pairs(rng, th, N_PAIRS, DIM)
        scale = V_READ / np.maximum(np.abs(x).max(axis=1, keepdims=True), np.abs(y).max(axis=1, keepdims=True))
        p_xbar.append(np.mean(bits(x * scale) == bits(y * scale)))
        p_soft.append(np.mean((x @ w_soft > 0) == (y @ w_soft > 0)))
    dt = time.perf_counter() - t0
    law = 1.0 - thetas / np.pi
    print(f"{len(thetas) * N_PAIRS * 2} array reads in {dt:.2f} s")
    print(f"max |P - (1 - theta/pi)|: crossbar {np.max(np.abs(np.array(p_xbar) - law)):.3f}, "
          f"Gaussian planes {np.max(np.abs(np.array(p_soft) - law)):.3f} "
          f"({N_PAIRS} pairs x {N_PLANES} planes per angle: binomial s.d. <= "
          f"{0.5 / np.sqrt(N_PAIRS * N_PLANES):.3f}, planes shared)")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(thetas, law, "k-", label="1 − θ/π")
    ax.plot(thetas, p_soft, "s", mfc="none", label="Gaussian planes (NumPy)")
    ax.plot(thetas, p_xbar, "o", label="TiOx crossbar planes, 2.5 Ω wires")
    ax.set_xlabel("angle θ between the two vectors (rad)")
    ax.set_ylabel("P(hash bit collides)")
    ax.legend()
    ax.set_title(f"LSH collision law, {DIM}-dim inputs, {N_PLANES} planes")
    fig.tight_layout()
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
