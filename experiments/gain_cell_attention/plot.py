#!/usr/bin/python3
"""Plot a gain_cell_attention result file (pimtx run experiments/gain_cell_attention/config.toml), or the merged
file of `pimtx sweep experiments/gain_cell_attention/figure.toml` (its single point).

usage: /usr/bin/python3 experiments/gain_cell_attention/plot.py RESULT.h5 [OUT.png]

One bar per sweep point: relative NLL increase over the exact dense + full model on the same tokens, with the
1 % line; bars are grouped by the factor the point changes (retention, token period, levels, window, readout,
variation). Also prints the NLL table as Markdown (the README's table).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def result_group(f):
    """/gain_cell_attention of a `pimtx run` file, or that of the first point of a `pimtx sweep` file."""
    if "gain_cell_attention" in f:
        return f["gain_cell_attention"]
    points = f["sweep/points"]
    return points[sorted(points)[0]]["gain_cell_attention"]


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as f:
        g = result_group(f)
        names = [n.decode() if isinstance(n, bytes) else n for n in g["names"][()]]
        nll = g["nll"][()]
        top1 = g["top1"][()]
        secs = g["seconds"][()]
        dense = float(g["dense_nll"][()].ravel()[0])
        dense_top1 = float(g["dense_top1"][()].ravel()[0])
        n_tok = int(g["n_tokens"][()].ravel()[0])
        sets = [g["runs"][n].attrs.get("set", "") for n in names]
    rel = 100.0 * (nll / dense - 1.0)
    print(f"| point | overrides of the base | NLL (nats) | vs dense | top-1 | s |")
    print("|---|---|---|---|---|---|")
    print(f"| dense + full | (exact reference, {n_tok} tokens) | {dense:.4f} | 0 | {dense_top1:.3f} | |")
    for n, s, x, r, t, sec in zip(names, sets, nll, rel, top1, secs):
        s = s.decode() if isinstance(s, bytes) else s
        print(f"| {n} | `{s}` | {x:.4f} | {r:+.2f} % | {t:.3f} | {sec:.1f} |")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.5))
    y = np.arange(len(names))
    colors = ["tab:green" if r <= 1.0 else "tab:red" for r in rel]
    ax.barh(y, rel, color=colors)
    ax.axvline(1.0, color="k", ls="--", lw=1, label="1 % of dense NLL")
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel(f"NLL increase over dense + full (%), dense = {dense:.4f} nats, {n_tok} tokens")
    ax.set_title("stories260K with a gain-cell KV cache and analog gain-cell attention")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
