#!/usr/bin/python3
"""Figures for experiments/cost_reproductions/figure_leroux.toml and figure_camformer.toml (`pimtx sweep` results:
one point per catalog, the paper's own and pimtx's): energy by component beside the published figures, and
markdown rows (figure | quantity | pimtx | paper) for results/figures/README.md. Which reproduction a file holds is
read from it (a `cam` attention unit: CAMformer; else Leroux).

usage: /usr/bin/python3 experiments/cost_reproductions/figure.py SWEEP.h5 OUT.png
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Leroux et al., GCA utils/plot_energy.py (papers.md §3): per head per token, and the 65 ns latency.
LEROUX = {"qk_arrays": 1.12e-9, "sv_arrays": 0.70e-9, "digital_add": 4.0e-9, "kv_dac": 0.33e-9}
LEROUX_LABEL = {"qk_arrays": "Φ(QKᵀ) per head", "sv_arrays": "Φ(S)·V per head",
                "digital_add": "digital + routing per head", "kv_dac": "DAC per head"}
# CAMformer (papers.md §1c, arch_costs.md): per attention (one head, one query).
CAMFORMER = {"energy_nj": 54.92, "cycles": 721, "att_per_ms": 191.13, "area_mm2": 0.258414}


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def points(f):
    """(catalog name, /cost group) for each completed point, in sweep order."""
    t = f["sweep/table"]
    out = []
    for pid, st, cat in zip(text(t["id"][()]), text(t["status"][()]), text(t["params/cost.catalog"][()])):
        if st == "ok":
            out.append((os.path.splitext(os.path.basename(cat))[0], f["sweep/points"][pid]["cost"]))
    return out


def components(c, unit):
    g = c["units"][unit]["components"] if unit in c["units"] else {}
    return {k[:-2]: float(g[k][()][0]) for k in g}  # row 0: the first layer


def leroux(pts, out):
    heads = 12
    rows, bars = [], {}
    for name, c in pts:
        comp = components(c, "attention")
        comp.update(components(c, "kv_cache"))
        bars[name] = comp
        total = float(c["units/attention/energy_j"][0]) + (float(c["units/kv_cache/energy_j"][0])
                                                            if "kv_cache" in c["units"] else 0.0)
        lat = float(c["units/attention/latency_s"][0])
        if name == "leroux_gpt2":
            for k, v in LEROUX.items():
                rows.append(f"| cost_leroux | {LEROUX_LABEL[k]} (paper's catalog) | "
                            f"{comp.get(k, 0.0) / heads * 1e9:.3f} nJ | {v * 1e9:.2f} nJ |")
        rows.append(f"| cost_leroux | 12 heads, one layer, per token ({name} catalog) | {total * 1e9:.2f} nJ "
                    "| 73.8 nJ |")
        rows.append(f"| cost_leroux | latency per token ({name} catalog) | {lat * 1e9:.1f} ns | 65 ns |")
    fig, ax = plt.subplots(figsize=(9, 5))
    names = sorted({k for comp in bars.values() for k in comp},
                   key=lambda k: -max(b.get(k, 0) for b in bars.values()))
    y = np.arange(len(names))
    h = 0.8 / max(1, len(bars))
    for i, (cat, comp) in enumerate(bars.items()):
        ax.barh(y + (i - (len(bars) - 1) / 2) * h, [comp.get(k, 0.0) * 1e9 for k in names], h,
                label=f"{cat} catalog")
    py = [names.index(k) for k in LEROUX if k in names]
    ax.plot([LEROUX[names[i]] * heads * 1e9 for i in py], py, "k*", ms=10,
            label="Leroux et al. (per block × 12 heads)")
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("energy per token, one layer of 12 heads (nJ)")
    ax.set_title("Leroux et al. gain-cell attention, GPT-2 shape, window 1024: components", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return rows


def camformer(pts, out):
    heads = 16
    rows, bars = [], {}
    for name, c in pts:
        att = c["units/attention"]
        bars[name] = {k: v / heads for k, v in components(c, "attention").items()}
        e = float(np.sum(att["energy_j"][()])) / heads
        cycles = float(att["detail/cam.attention_latency_s"][()]) * 1e9
        rate = 1e-3 / float(att["stage_s"][0])
        area = float(c["fixed_area_m2"][()]) * 1e6
        rows += [f"| cost_camformer | energy per attention ({name} catalog) | {e * 1e9:.2f} nJ | "
                 f"{CAMFORMER['energy_nj']} nJ |",
                 f"| cost_camformer | cycles per attention at 1 GHz ({name} catalog) | {cycles:.0f} | "
                 f"{CAMFORMER['cycles']} |"]
        if name == "camformer":
            rows += [f"| cost_camformer | attentions per ms, one core (camformer catalog) | {rate:.2f} | "
                     f"{CAMFORMER['att_per_ms']} |",
                     f"| cost_camformer | area, DRAM excluded (camformer catalog) | {area:.6f} mm² | "
                     f"{CAMFORMER['area_mm2']} mm² |"]
    fig, ax = plt.subplots(figsize=(9, 5))
    names = sorted({k for comp in bars.values() for k in comp}, key=lambda k: -max(b.get(k, 0) for b in bars.values()))
    bottoms = np.zeros(len(bars))
    cats = list(bars)
    for i, k in enumerate(names):
        vals = np.array([bars[cat].get(k, 0.0) * 1e9 for cat in cats])
        if vals.max() > 0:
            ax.bar(cats, vals, bottom=bottoms, label=k, color=plt.cm.tab20(i % 20))
            bottoms += vals
    ax.axhline(CAMFORMER["energy_nj"], color="k", ls="--", lw=1, label="CAMformer 54.92 nJ")
    ax.set_ylabel("energy per attention (nJ)")
    ax.set_title("CAMformer attention, N = 1024, d = 64, k = 32: components per catalog", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return rows


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        pts = points(f)
        if not pts:
            sys.stderr.write(f"{sys.argv[1]}: no completed point\n")
            return 1
        is_cam = "detail/cam.attention_latency_s" in pts[0][1]["units/attention"]
        rows = (camformer if is_cam else leroux)(pts, sys.argv[2])
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
