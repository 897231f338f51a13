#!/usr/bin/python3
"""Plot a kv_cam result file (pimtx run experiments/kv_cam/config.toml), or the merged file of
`pimtx sweep experiments/kv_cam/figure.toml` (its single point).

usage: /usr/bin/python3 experiments/kv_cam/plot.py RESULT.h5 [OUT.png]

Three panels: (a) cpq: NLL increase over the full cache vs KV bytes moved less than an FP16 cache, one line per bit
width through the prune ratios, with the issue's goal box (>= 59 % less movement at <= 1 % NLL); (b) cam: NLL
increase over dense vs k, one line per (CAM source, code bits, score), goal line 2 % at k = 32; (c) NLL increase vs
the attended fraction of keys for cam, lsh and cam + cpq.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def result_group(f):
    """/kv_cam of a `pimtx run` file, or that of the first point of a `pimtx sweep` file."""
    if "kv_cam" in f:
        return f["kv_cam"]
    points = f["sweep/points"]
    return points[sorted(points)[0]]["kv_cam"]


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as f:
        g = result_group(f)
        d = g["dense/nll"][0]
        rel = lambda x: 100.0 * (np.asarray(x) / d - 1.0)  # noqa: E731
        bk, bv = g["cpq/n_bits_k"][()], g["cpq/n_bits_v"][()]
        pk, pv = g["cpq/prune_ratio_k"][()], g["cpq/prune_ratio_v"][()]
        cnll, cmov = g["cpq/nll"][()], g["cpq/movement_reduction"][()]
        ks, nbits, wins = g["cam/k"][()], g["cam/n_bits"][()], g["cam/n_window"][()]
        scores = [s(x) for x in g["cam/scores"][()]]
        sources = [s(x) for x in g["cam/sources"][()]]
        anll, aatt = g["cam/nll"][()], g["cam/attended_frac"][()]
        lnll, latt = g["lsh/nll"][()], g["lsh/attended_frac"][()]
        lb, lr = g["lsh/n_bits"][()], g["lsh/n_rounds"][()]
        mnll, matt = g["combined/nll"][0], g["combined/attended_frac"][0]
        ntok = int(g["n_tokens"][()])
    fig, ax = plt.subplots(1, 3, figsize=(19, 6))
    a = ax[0]
    for i in range(len(bk)):
        a.plot(100 * cmov[i], rel(cnll[i]), "o-", label=f"K {bk[i]} / V {bv[i]} bits")
        for j in range(len(pk)):
            a.annotate(f"{pk[j]:g}/{pv[j]:g}", (100 * cmov[i, j], rel(cnll[i, j])), fontsize=6, xytext=(3, 3),
                       textcoords="offset points")
    a.axvspan(59, 100, ymin=0, ymax=1, color="g", alpha=0.05)
    a.axhline(1.0, color="g", ls="--", lw=1, label="goal: <= 1 % NLL, >= 59 % less")
    a.axvline(59, color="g", ls="--", lw=1)
    a.set_xlabel("KV bytes moved less than FP16 (%)")
    a.set_ylabel("NLL increase over full cache (%)")
    a.set_yscale("symlog", linthresh=1)
    a.set_title("(a) cpq: bits x prune ratio K/V (labels)")
    a.legend(fontsize=8)
    a = ax[1]
    for si, src in enumerate(sources):
        for ni, nb in enumerate(nbits):
            for ci, sc in enumerate(scores):
                for wi, w in enumerate(wins):
                    ls = "-" if src == "card" else ":"
                    a.plot(ks, rel(anll[si, ni, ci, wi]), "o" + ls,
                           label=f"{src}, {nb if nb else 'sign'} bits, {sc}, window {w}")
    a.axhline(2.0, color="g", ls="--", lw=1, label="goal 2 % at k = 32")
    a.axvline(32, color="g", ls=":", lw=1)
    a.set_xscale("log", base=2)
    a.set_yscale("symlog", linthresh=1)
    a.set_xlabel("k (keys kept by the top-k)")
    a.set_ylabel("NLL increase over dense (%)")
    a.set_title("(b) cam: NLL vs k")
    a.legend(fontsize=7)
    a = ax[2]
    for si, src in enumerate(sources):
        for ni, nb in enumerate(nbits):
            ci = scores.index("exact") if "exact" in scores else 0
            for wi, w in enumerate(wins):
                a.plot(aatt[si, ni, ci, wi], rel(anll[si, ni, ci, wi]), "o-",
                       label=f"cam {src}, {nb if nb else 'sign'} bits, exact, window {w}")
    a.plot(latt, rel(lnll), "s", label="lsh " + ", ".join(f"{b}x{r}" for b, r in zip(lb, lr)))
    a.plot([matt], [rel(mnll)], "*", ms=12, label="cam (card) + cpq")
    a.set_xlabel("attended fraction of causal keys")
    a.set_ylabel("NLL increase over dense (%)")
    a.set_yscale("symlog", linthresh=1)
    a.set_title("(c) at matched attended fractions")
    a.legend(fontsize=7)
    fig.suptitle(f"stories260K, {ntok} predicted tokens: dense NLL {d:.4f}")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
