#!/usr/bin/env python3
"""PIM vs GPU figure and table from results/pim_vs_gpu/*.h5 (run.sh): energy per token vs NLL (stories260K),
stacked energy breakdown per configuration (log scale) for both models, and the measured H200 for GPT-2 124M.
Usage: plot.py RESULTS_DIR EXPERIMENT_DIR  (writes RESULTS_DIR/pim_vs_gpu.png and RESULTS_DIR/table.md)"""
import csv
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONFIGS = ["a_digital", "b_pim_linear", "c_gain_cell", "d_cpq", "e_cam", "f_lsh", "g_all_arrays"]
LABELS = {"a_digital": "(a) digital", "b_pim_linear": "(b) PIM linear", "c_gain_cell": "(c) + gain-cell attn",
          "d_cpq": "(d) + cpq KV", "e_cam": "(e) + CAM attn + cpq", "f_lsh": "(f) LSH on crossbars",
          "g_all_arrays": "(g) = (c) + classifier on arrays"}
GROUPS = {
    "arrays": ["xbar_read", "xbar_program", "gain_cell_read", "gain_cell_write", "gc_row_drive", "charge_to_pulse",
               "cam_array", "cam_write"],
    "converters": ["xbar_adc", "xbar_dac", "gc_counter", "gc_dac", "cam_adc", "hash_comparator"],
    "digital logic": ["digital_mac", "digital_add", "digital_compare", "softmax_exp"],
    "memory + wires": ["weight_memory", "kv_memory", "interconnect"],
}
COLORS = {"arrays": "tab:blue", "converters": "tab:orange", "digital logic": "tab:green",
          "memory + wires": "tab:red", "other": "tab:gray"}


def load_group(f):
    """The cost (and eval NLL, if any) of a result: a file's root or one point group of a `pimtx sweep` file."""
    c = f["cost"]
    comps = {k: float(c["components"][k]["energy_per_token_j"][()]) for k in c["components"]}
    return {"energy": float(c["energy_per_token_j"][()]), "latency": float(c["latency_per_token_s"][()]),
            "throughput": float(c["throughput_tokens_per_s"][()]), "area": float(c["area_m2"][()]),
            "context": int(c["context"][()]), "components": comps,
            "nll": float(f["eval/mean_nll"][()]) if "eval/mean_nll" in f else None}


def load(path):
    with h5py.File(path, "r") as f:
        return load_group(f)


def grouped(comps):
    out = {g: 0.0 for g in list(GROUPS) + ["other"]}
    for k, v in comps.items():
        g = next((g for g, names in GROUPS.items() if k in names), "other")
        out[g] += v
    return out


def read_nll(exp, eval_nll):
    """NLL per configuration from nll.csv; "eval" rows take eval_nll (the run's own eval)."""
    nll = {}
    with open(os.path.join(exp, "nll.csv")) as fh:
        for row in csv.DictReader(fh):
            v = row["mean_nll"]
            nll[row["config"]] = eval_nll if v == "eval" else (float(v) if v else None)
    return nll


def read_gpu(exp):
    """The measured H200 row for GPT-2 124M at context 1024 (data/gpu/gpu_baseline_h200.csv)."""
    gpu = {}
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(exp))), "data", "gpu",
                           "gpu_baseline_h200.csv")) as fh:
        for row in csv.DictReader(fh):
            if row["model"] == "gpt2-124M" and row["context"] == "1024" and row["mode"] == "full":
                gpu = {k: float(row[k]) for k in ["latency_s", "energy_j", "energy_above_idle_j"]}
    return gpu


def main(res, exp):
    runs = {m: {c: load(os.path.join(res, f"{m}_{c}.h5")) for c in CONFIGS} for m in ["gpt2_124m", "stories260k"]}
    ev = load(os.path.join(res, "stories260k_eval_a_digital.h5"))
    nll = read_nll(exp, ev["nll"])
    gpu = read_gpu(exp)
    draw(runs, nll, gpu, os.path.join(res, "pim_vs_gpu.png"))
    lines = table(runs, nll, gpu, ev)
    with open(os.path.join(res, "table.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print("wrote", os.path.join(res, "pim_vs_gpu.png"))


def draw(runs, nll, gpu, out):
    """The three panels: energy vs NLL (stories260K), stacked energy breakdowns of both models (+ the H200)."""
    fig, ax = plt.subplots(1, 3, figsize=(17, 5.2))
    # (a) energy vs NLL, stories260K
    for c in CONFIGS:
        if nll.get(c) is not None:
            e = runs["stories260k"][c]["energy"]
            ax[0].scatter(e, nll[c], s=60)
            ax[0].annotate(LABELS[c], (e, nll[c]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax[0].set_xscale("log")
    ax[0].set_xlabel("energy per token (J), decode at the eval's mean context")
    ax[0].set_ylabel("mean NLL (nats), TinyStories excerpt")
    missing = [LABELS[c] for c in CONFIGS if nll.get(c) is None]
    ax[0].set_title("stories260K: cost and accuracy\n(no NLL yet: " + ", ".join(m.split(" ", 1)[0] for m in missing)
                    + ")", fontsize=9)
    # (b), (c) stacked breakdowns
    for k, m in [(1, "gpt2_124m"), (2, "stories260k")]:
        names = [LABELS[c] for c in CONFIGS]
        bottoms = [0.0] * len(CONFIGS)
        smallest = min(v for c in CONFIGS for v in grouped(runs[m][c]["components"]).values() if v > 0)
        for g in list(GROUPS) + ["other"]:
            vals = [grouped(runs[m][c]["components"])[g] for c in CONFIGS]
            if any(v > 0 for v in vals):
                ax[k].bar(names, vals, bottom=bottoms, color=COLORS[g], label=g)
                bottoms = [b + v for b, v in zip(bottoms, vals)]
        if m == "gpt2_124m" and gpu:
            ax[k].bar(["H200 measured"], [gpu["energy_j"]], color="black", label="H200 total (measured)")
            ax[k].bar(["H200 above idle"], [gpu["energy_above_idle_j"]], color="dimgray", label="H200 above idle")
        ax[k].set_yscale("log")
        ax[k].set_ylim(bottom=smallest / 3)  # so that the smallest (bottom) segment shows on the log axis
        ax[k].set_ylabel("energy per token (J)")
        ax[k].set_title(f"{'GPT-2 124M shape' if m == 'gpt2_124m' else 'stories260K'}, context "
                        f"{runs[m]['a_digital']['context']}", fontsize=9)
        ax[k].tick_params(axis="x", rotation=40, labelsize=8)
        ax[k].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def table(runs, nll, gpu, ev=None):
    """The README's markdown table; ev: the eval's own counted cost (run.sh), or None."""
    lines = ["| model | configuration | energy / token | latency / token | tokens/s (pipelined) | area (mm²) | "
             "NLL | energy vs H200 | latency vs H200 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for m in ["gpt2_124m", "stories260k"]:
        if m == "gpt2_124m" and gpu:
            lines.append(f"| GPT-2 124M | H200 measured (total / above idle) | {gpu['energy_j']:.3g} / "
                         f"{gpu['energy_above_idle_j']:.3g} J | {gpu['latency_s']:.3g} s | {1 / gpu['latency_s']:.3g} "
                         f"| — | — | 1 | 1 |")
        for c in CONFIGS:
            r = runs[m][c]
            n = nll.get(c) if m == "stories260k" else None
            ratio_e = f"{gpu['energy_j'] / r['energy']:.3g}× less" if m == "gpt2_124m" and gpu else "—"
            ratio_t = f"{gpu['latency_s'] / r['latency']:.3g}× faster" if m == "gpt2_124m" and gpu else "—"
            lines.append(f"| {'GPT-2 124M' if m == 'gpt2_124m' else 'stories260K'} | {LABELS[c]} | "
                         f"{r['energy']:.3g} J | {r['latency']:.3g} s | {r['throughput']:.3g} | {r['area'] * 1e6:.3g} | "
                         f"{'%.4f' % n if n is not None else 'n/a'} | {ratio_e} | {ratio_t} |")
    if ev is not None:
        lines.append(f"| stories260K | (a) digital, counted by the eval (prefill batches) | {ev['energy']:.3g} J | "
                     f"{ev['latency']:.3g} s | {ev['throughput']:.3g} | {ev['area'] * 1e6:.3g} | {ev['nll']:.4f} | — "
                     "| — |")
    return lines


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
