#!/usr/bin/python3
"""Figure and table of experiments/pim_linear (issue 12) from the files that run.sh wrote.

usage: /usr/bin/python3 experiments/pim_linear/plot.py [results/pim_linear/index.csv] [out.png]
Prints a markdown table (NLL per point, relative to digital) and, per sweep, the cheapest point (the sweeps
list their points from cheapest to most expensive) within 1 % and within 0.1 % of the digital NLL.
figure.py draws the same from the `pimtx sweep` of figure.toml (through read_row, print_table and draw).
"""
import csv
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_row(h, sweep, label):
    """One point: an eval result (a file's root, or a point group of a sweep file)."""
    nll = float(h["eval/mean_nll"][()])
    n_tok = int(h["eval/n_tokens"][()])
    sec = float(h["eval/seconds"][()])
    ev = "eval/op_counts/linear/events/"
    adc = int(h[ev + "adc.conversions"][()].sum()) if ev + "adc.conversions" in h else 0
    reads = int(h[ev + "xbar.array_reads"][()].sum()) if ev + "xbar.array_reads" in h else 0
    pw = "eval/op_counts/linear/sums/xbar.read_power_w"
    power = float(h[pw][()].sum()) if pw in h else 0.0
    return dict(sweep=sweep, label=label, nll=nll, n_tok=n_tok, sec=sec, adc=adc, reads=reads, power=power)


def print_table(rows):
    """The README's table and the cheapest point of each sweep within 1 % and 0.1 % of digital; returns the sweeps."""
    ref = [r for r in rows if r["sweep"] == "digital"][0]["nll"]
    print(f"digital NLL {ref:.5f} over {rows[0]['n_tok']} tokens\n")
    print("| sweep | setting | NLL | vs digital | ADC conv./token | array reads/token | eval s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        rel = (r["nll"] - ref) / ref
        print(f"| {r['sweep']} | {r['label']} | {r['nll']:.5f} | {100 * rel:+.3f} % | {r['adc'] / r['n_tok']:.0f} "
              f"| {r['reads'] / r['n_tok']:.0f} | {r['sec']:.1f} |")
    sweeps = [s for s in dict.fromkeys(r["sweep"] for r in rows) if s not in ("digital", "base")]
    print()
    for s in sweeps:
        pts = [r for r in rows if r["sweep"] == s]
        for tol in (0.01, 0.001):
            ok = [r["label"] for r in pts if (r["nll"] - ref) / ref <= tol]
            print(f"{s}: cheapest within {100 * tol:g} % of digital: {ok[0] if ok else 'none'}")
    return sweeps


def draw(rows, sweeps, out):
    ref = [r for r in rows if r["sweep"] == "digital"][0]["nll"]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, s in zip(axes.flat, sweeps):
        pts = [r for r in rows if r["sweep"] == s]
        ax.plot(range(len(pts)), [100 * (r["nll"] - ref) / ref for r in pts], "o-")
        ax.set_xticks(range(len(pts)))
        ax.set_xticklabels([r["label"] for r in pts], rotation=60, fontsize=7)
        ax.axhline(1.0, color="r", lw=0.8, ls="--", label="1 %")
        ax.axhline(0.1, color="g", lw=0.8, ls="--", label="0.1 %")
        ax.set_yscale("symlog", linthresh=0.1)
        ax.set_title(s)
        ax.set_ylabel("NLL increase over digital (%)")
    axes.flat[0].legend()
    fig.suptitle(f"stories260K on crossbar tiles: NLL vs digital ({ref:.4f} nats, {rows[0]['n_tok']} tokens)")
    fig.tight_layout()
    fig.savefig(out, dpi=80)


def main():
    index = sys.argv[1] if len(sys.argv) > 1 else "results/pim_linear/index.csv"
    out = sys.argv[2] if len(sys.argv) > 2 else "experiments/pim_linear/pim_linear.png"
    rows = []
    with open(index) as f:
        for r in csv.DictReader(f):
            with h5py.File(r["file"], "r") as h:
                rows.append(read_row(h, r["sweep"], r["label"]))
    draw(rows, print_table(rows), out)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
