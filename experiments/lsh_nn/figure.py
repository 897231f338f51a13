#!/usr/bin/python3
"""Figure for experiments/lsh_nn/figure.toml (a `pimtx sweep` result): top-1/5/10 nearest-neighbour accuracy per
hash-plane source, mean and sample sd over seeds, beside Cai et al.'s numbers (software planes, one draw).

usage: /usr/bin/python3 experiments/lsh_nn/figure.py SWEEP.h5 OUT.png
Prints markdown table rows (figure | quantity | pimtx | paper) for results/figures/README.md.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PAPER = {"top1_rel": 0.8391, "top5_rel": 0.9975, "top10_rel": 0.9999}  # Cai et al., experiments.ipynb


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        t = f["sweep/table"]
        ok = np.array(text(t["status"][()])) == "ok"
        source = np.array(text(t["params/lsh_nn.source"][()]))
        res = {k: t["results/lsh_nn." + k][()] for k in PAPER}
    sources = list(dict.fromkeys(source))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(sources)
    rows = []
    for si, s in enumerate(sources):
        sel = ok & (source == s)
        means = [res[k][sel].mean() for k in PAPER]
        sds = [res[k][sel].std(ddof=1) if sel.sum() > 1 else 0.0 for k in PAPER]
        ax.bar(np.arange(3) + (si - (len(sources) - 1) / 2) * width, means, width, yerr=sds, capsize=3,
               label=f"{s} ({sel.sum()} seeds)")
        for k, m, sd in zip(PAPER, means, sds):
            rows.append(f"| lsh_nn | {k.replace('_rel', '')} accuracy, {s} planes | {m:.4f} ± {sd:.4f} "
                        f"({sel.sum()} seeds) | {PAPER[k]} (software) |")
    ax.plot(np.arange(3), list(PAPER.values()), "k*", ms=12, label="Cai et al. (software, 1 draw)")
    ax.set_xticks(np.arange(3))
    ax.set_xticklabels(["top-1", "top-5", "top-10"])
    ax.set_ylim(0.7, 1.02)
    ax.set_ylabel("LSH neighbour among the exact top-k")
    ax.set_title("Approximate nearest neighbour: N = 10,000, dim 10, 5 bits x 3 tables", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
