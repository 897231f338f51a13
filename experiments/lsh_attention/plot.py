#!/usr/bin/python3
"""Plot an lsh_attention result file (pimtx run experiments/lsh_attention/*.toml).

usage: /usr/bin/python3 experiments/lsh_attention/plot.py RESULT.h5 [OUT.png] [--table]
RESULT.h5: a `pimtx run` file, or a `pimtx sweep` file (figure.toml: one point per bits x rounds x seed), whose
points are assembled into the (source, bits, rounds, seed) grid; the references (dense, window only, collision)
come from a point of the lowest seed, as one `pimtx run` of the grid computes them with its master seed.
--table: also print the README's markdown table (NLL ± sample sd over seeds, vs dense, attended fraction).

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


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def groups(f):
    """Every /lsh_attention group of a run file (one) or of the completed points of a sweep file."""
    if "lsh_attention" in f:
        return [f["lsh_attention"]]
    t = f["sweep/table"]
    ok = {i for i, s in zip(text(t["id"][()]), text(t["status"][()])) if s == "ok"}
    points = f["sweep/points"]
    return [points[p]["lsh_attention"] for p in sorted(points) if p in ok]


def load(f):
    """The grid (source, bits, rounds, seed) and the references of a run file or of a sweep's points."""
    gs = groups(f)
    if not gs:
        raise SystemExit("no completed lsh_attention point in the file")
    sources = text(gs[0]["sources"][()])
    bits = sorted({int(b) for g in gs for b in g["n_bits"][()]})
    rounds = sorted({int(r) for g in gs for r in g["n_rounds"][()]})
    seeds = sorted({int(s) for g in gs for s in g["seeds"][()]})
    shape = (len(sources), len(bits), len(rounds), len(seeds))
    d = {"sources": sources, "bits": np.array(bits), "rounds": np.array(rounds), "seeds": np.array(seeds)}
    for name in ("nll", "attended_frac_beyond", "top1"):
        d[name] = np.full(shape, np.nan)
    for g in gs:
        if text(g["sources"][()]) != sources:
            raise SystemExit("points with different plane sources: " + str(text(g["sources"][()])))
        bi = [bits.index(int(b)) for b in g["n_bits"][()]]
        ri = [rounds.index(int(r)) for r in g["n_rounds"][()]]
        ki = [seeds.index(int(s)) for s in g["seeds"][()]]
        for name in ("nll", "attended_frac_beyond", "top1"):
            d[name][np.ix_(range(len(sources)), bi, ri, ki)] = g[name][()]
    ref = next(g for g in gs if int(g["seeds"][0]) == seeds[0])  # the references of the lowest seed
    d["dense"] = float(ref["dense_nll"][()])
    d["n_tokens"] = int(ref["n_tokens"][()])
    d["skip"] = int(ref["n_sparsity_skip_pos"][()])
    d["window"] = int(ref["n_window"][()])
    d["centred"] = bool(ref["center_keys"][()]) if "center_keys" in ref else False
    d["w_nll"] = float(ref["runs/window_only/mean_nll"][()]) if "runs/window_only" in ref else None
    d["w_frac"] = float(ref["runs/window_only/attended_frac_beyond_mean"][()]) if "runs/window_only" in ref else None
    d["coll"] = {s: (c["theta_rad"][()], c["p_measured"][()], c["p_theory"][()]) for s, c in ref["collision"].items()}
    return d


def table(d):
    """The README's markdown table: per (bits, rounds) and source the NLL (± sample sd over seeds), its increase over
    dense and the attended fraction; with two or more sources also the last source's NLL vs the first's."""
    src, nk = d["sources"], len(d["seeds"])
    head = "| bits | rounds |"
    for s in src:
        head += f" {s} NLL{' (± sd)' if nk > 1 else ''} | vs dense | attended |"
    if len(src) > 1:
        head += f" {src[-1]} vs {src[0]} |"
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    mean = d["nll"].mean(axis=3)
    for bi, b in enumerate(d["bits"]):
        for ri, r in enumerate(d["rounds"]):
            row = f"| {b} | {r} |"
            for si in range(len(src)):
                m = mean[si, bi, ri]
                sd = f" ± {d['nll'][si, bi, ri].std(ddof=1):.4f}" if nk > 1 else ""
                row += (f" {m:.4f}{sd} | {100 * (m / d['dense'] - 1):+.2f} % | "
                        f"{d['attended_frac_beyond'][si, bi, ri].mean():.3f} |")
            if len(src) > 1:
                row += f" {100 * (mean[-1, bi, ri] / mean[0, bi, ri] - 1):+.2f} % |"
            lines.append(row.replace(" -", " −"))
    return "\n".join(lines)


def main():
    if len([a for a in sys.argv[1:] if a != "--table"]) not in (1, 2):
        sys.stderr.write(__doc__)
        return 2
    args = [a for a in sys.argv[1:] if a != "--table"]
    path = args[0]
    out = args[1] if len(args) == 2 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as f:
        d = load(f)
    bits, rounds, sources, seeds = d["bits"], d["rounds"], d["sources"], d["seeds"]
    nll, frac, dense, n_tokens = d["nll"], d["attended_frac_beyond"], d["dense"], d["n_tokens"]
    skip, window, centred, w_nll, w_frac, coll = d["skip"], d["window"], d["centred"], d["w_nll"], d["w_frac"], d["coll"]
    if "--table" in sys.argv[1:]:
        print(table(d))

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
