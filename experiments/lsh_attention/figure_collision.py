#!/usr/bin/python3
"""Figure for experiments/lsh_attention/figure_collision.toml: measured P[hash bit equal] vs the angle between two
vectors for every plane source, against 1 - theta/pi (Charikar 2002), and markdown rows for the figures README.

usage: /usr/bin/python3 experiments/lsh_attention/figure_collision.py SWEEP.h5 OUT.png
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        g = plot.lsh_group(f)["collision"]
        coll = {s: (g[s]["theta_rad"][()], g[s]["p_measured"][()], g[s]["n_compared"][()]) for s in g}
        attrs = dict(g[next(iter(g))].attrs)
    fig, ax = plt.subplots(figsize=(7, 5))
    th = np.linspace(0, np.pi, 200)
    ax.plot(th, 1 - th / np.pi, "k-", lw=1.5, label=r"$1-\theta/\pi$ (Charikar 2002)")
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, (s, (t, p, n)) in enumerate(coll.items()):
        dev = np.max(np.abs(p - (1 - t / np.pi)))
        ax.plot(t, p, markers[i % 6], mfc="none", ms=7, mew=1.4, label=f"{s} (max dev {dev:.3f})")
        sd = np.max(np.sqrt((1 - t / np.pi) * (t / np.pi) / n))
        print(f"| collision_law | max \\|P[bit equal] - (1 - θ/π)\\|, {s} planes, {len(t)} angles | {dev:.3f} "
              f"(binomial sd ≤ {sd:.3f}) | 0 for Gaussian planes (Charikar 2002) |")
    ax.set_xlabel(r"angle $\theta$ between the two vectors (rad)")
    ax.set_ylabel("P[hash bit equal]")
    ax.set_title(f"Hash collisions per plane: {int(attrs.get('n_bits', 0))} bits x {int(attrs.get('n_rounds', 0))} "
                 f"rounds x {int(attrs.get('n_slots', 0))} slots, {int(attrs.get('n_pairs', 0))} pairs per angle",
                 fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
