#!/usr/bin/python3
"""Plot an lsh_attention result file (pimtx run experiments/lsh_attention/*.toml).

usage: /usr/bin/python3 experiments/lsh_attention/plot.py RESULT.h5 [OUT.png]
(RESULT.h5: a `pimtx run` file, or a `pimtx sweep` file: its first point is drawn)

Four panels: (a) NLL vs hash rounds, one line per (source, bits), dense and window-only as horizontal lines;
(b) attended fraction of keys (positions >= n_sparsity_skip_pos) vs rounds; (c) NLL increase over dense vs
attended fraction (the trade-off), with the issue's goal box (<= 1/4 of keys, <= 2 % NLL); (d) measured
hash-collision probability of every plane source against 1 - theta/pi. Seeds are averaged; error bars span
the seeds' min..max.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def lsh_group(f):
    """/lsh_attention of a `pimtx run` file, or that of the first point of a `pimtx sweep` file."""
    if "lsh_attention" in f:
        return f["lsh_attention"]
    points = f["sweep/points"]
    return points[sorted(points)[0]]["lsh_attention"]


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as f:
        g = lsh_group(f)
        bits = g["n_bits"][()]
        rounds = g["n_rounds"][()]
        sources = [s.decode() if isinstance(s, bytes) else str(s) for s in g["sources"][()]]
        nll = g["nll"][()]  # (source, bits, rounds, seed)
        frac = g["attended_frac_beyond"][()]
        dense = float(g["dense_nll"][()])
        n_tokens = int(g["n_tokens"][()])
        skip = int(g["n_sparsity_skip_pos"][()])
        window = int(g["n_window"][()])
        centred = bool(g["center_keys"][()]) if "center_keys" in g else False
        seeds = g["seeds"][()]
        w_nll = float(g["runs/window_only/mean_nll"][()]) if "runs/window_only" in g else None
        w_frac = float(g["runs/window_only/attended_frac_beyond_mean"][()]) if "runs/window_only" in g else None
        coll = {}
        for s in g["collision"]:
            c = g["collision"][s]
            coll[s] = (c["theta_rad"][()], c["p_measured"][()], c["p_theory"][()])

    fig, ax = plt.subplots(2, 2, figsize=(13, 10))
    colors = plt.cm.tab10.colors
    markers = ["o", "s", "^", "D", "v", "P"]
    styles = ["-", "--", ":", "-."]
    mean_nll = nll.mean(axis=3)
    mean_frac = frac.mean(axis=3)

    def errbar(a, x, y, lo, hi, **kw):
        a.errorbar(x, y, yerr=[y - lo, hi - y], capsize=3, **kw)

    for si, s in enumerate(sources):
        for bi, b in enumerate(bits):
            kw = dict(color=colors[bi % 10], linestyle=styles[si % 4], marker=markers[si % 6],
                      label=f"{s}, {b} bits")
            errbar(ax[0, 0], rounds, mean_nll[si, bi], nll[si, bi].min(axis=1), nll[si, bi].max(axis=1), **kw)
            errbar(ax[0, 1], rounds, mean_frac[si, bi], frac[si, bi].min(axis=1), frac[si, bi].max(axis=1), **kw)
            ax[1, 0].plot(mean_frac[si, bi], 100 * (mean_nll[si, bi] / dense - 1), **kw)
            for ri, r in enumerate(rounds):
                if si == 0:
                    ax[1, 0].annotate(f"r{r}", (mean_frac[si, bi, ri], 100 * (mean_nll[si, bi, ri] / dense - 1)),
                                      textcoords="offset points", xytext=(4, 4), fontsize=7, color=colors[bi % 10])
    ax[0, 0].axhline(dense, color="k", lw=1.5, label=f"dense ({dense:.4f})")
    if w_nll is not None:
        # The window-only reference is far above the LSH curves: named in the titles, drawn only in (b).
        ax[0, 1].axhline(w_frac, color="gray", lw=1.2, ls="--", label=f"window {window} only")
    for a in (ax[0, 0], ax[0, 1]):
        a.set_xscale("log", base=2)
        a.set_xticks(rounds)
        a.set_xticklabels([str(r) for r in rounds])
        a.set_xlabel("hash rounds")
        a.grid(alpha=0.3)
    ax[0, 0].set_ylabel("mean next-token NLL (nats)")
    ax[0, 0].set_title("(a) NLL vs rounds" + (f"  [window {window} only: {w_nll:.4f}]" if w_nll else ""))
    ax[0, 0].legend(fontsize=7, ncol=2)
    ax[0, 1].set_ylabel(f"fraction of causal keys attended (positions >= {skip})")
    ax[0, 1].set_title("(b) attended fraction vs rounds")
    ax[0, 1].legend(fontsize=7, ncol=2)
    ax[1, 0].add_patch(plt.Rectangle((0, 0), 0.25, 2.0, color="green", alpha=0.12, label="goal: <= 1/4 keys, <= 2 %"))
    ax[1, 0].axhline(0, color="k", lw=1)
    ax[1, 0].set_xlabel(f"fraction of causal keys attended (positions >= {skip})")
    ax[1, 0].set_ylabel("NLL increase over dense (%)")
    ax[1, 0].set_title("(c) accuracy vs sparsity (labels: rounds)" +
                       (f"\n[window {window} only: {w_frac:.3f} of keys, +{100 * (w_nll / dense - 1):.1f} %]"
                        if w_nll else ""), fontsize=10)
    ax[1, 0].set_xlim(0, 1)
    ax[1, 0].grid(alpha=0.3)
    ax[1, 0].legend(fontsize=7, ncol=2)

    th = np.linspace(0, np.pi, 200)
    ax[1, 1].plot(th, 1 - th / np.pi, "k-", lw=1.5, label=r"$1-\theta/\pi$")
    for si, (s, (t, pm, _)) in enumerate(coll.items()):
        ax[1, 1].plot(t, pm, markers[si % 6], color=colors[(si + 5) % 10], ms=7, mfc="none", mew=1.5,
                      label=f"{s} (max dev {np.max(np.abs(pm - (1 - t / np.pi))):.3f})")
    ax[1, 1].set_xlabel(r"angle $\theta$ between vectors (rad)")
    ax[1, 1].set_ylabel("P[hash bit equal]")
    ax[1, 1].set_title("(d) hash-collision probability per plane")
    ax[1, 1].grid(alpha=0.3)
    ax[1, 1].legend(fontsize=8)

    fig.suptitle(f"LSH attention on stories260K: {n_tokens} predicted tokens, window {window}, "
                 f"keys {'centred' if centred else 'raw'}, seeds {', '.join(str(s) for s in seeds)}", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
