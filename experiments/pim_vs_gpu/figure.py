#!/usr/bin/python3
"""Figure for experiments/pim_vs_gpu/figure.toml (a `pimtx sweep` of the cost experiment: 2 model shapes x the seven
configurations (a)-(g) of run.sh): plot.py's three panels, and markdown rows (figure | quantity | pimtx | paper)
for results/figures/README.md, with the measured H200 (data/gpu/gpu_baseline_h200.csv) in the reference column.

usage: /usr/bin/python3 experiments/pim_vs_gpu/figure.py SWEEP.h5 OUT.png
"""
import os
import sys

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plot  # noqa: E402

# The NLL of (a) where run.sh takes it from its own eval: pimtx eval experiments/eval/stories260k.toml, 20,111 tokens
# (README, validation table; equal to the reference 1.2835). The sweep prices shapes only and runs no eval.
EVAL_NLL = 1.283485
MODEL = {"gpt2": "gpt2_124m", "llama": "stories260k"}


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def config_of(linear, roles, attention, kv_cache):
    """run.sh's configuration name from the swept unit types (figure.toml's second axis)."""
    if linear == "digital":
        return "a_digital"
    if attention == "gain_cell":
        return "g_all_arrays" if "classifier" in roles else "c_gain_cell"
    return {"dense": "d_cpq" if kv_cache == "cpq" else "b_pim_linear", "cam": "e_cam", "lsh": "f_lsh"}[attention]


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    runs = {m: {} for m in MODEL.values()}
    with h5py.File(sys.argv[1], "r") as f:
        t = f["sweep/table"]
        p = t["params"]
        cols = [text(t["id"][()]), text(t["status"][()]), text(p["model.family"][()]), text(p["arch.linear.type"][()]),
                text(p["arch.linear.roles"][()]), text(p["arch.attention.type"][()]), text(p["arch.kv_cache.type"][()])]
        for pid, st, fam, lin, roles, att, kv in zip(*cols):
            if st == "ok":
                runs[MODEL[fam]][config_of(lin, roles, att, kv)] = plot.load_group(f["sweep/points"][pid])
    missing = [f"{m} {c}" for m in runs for c in plot.CONFIGS if c not in runs[m]]
    if missing:
        sys.stderr.write(f"{sys.argv[1]}: points missing or failed: {', '.join(missing)}\n")
        return 1
    nll = plot.read_nll(HERE, EVAL_NLL)
    gpu = plot.read_gpu(HERE)
    plot.draw(runs, nll, gpu, sys.argv[2])
    for line in plot.table(runs, nll, gpu):
        sys.stderr.write(line + "\n")  # the README's full table, for the log
    ref = (f"H200 measured: {gpu['energy_j'] * 1e3:.3g} mJ, {gpu['latency_s'] * 1e6:.3g} µs "
           "(data/gpu/gpu_baseline_h200.csv)")
    for c in plot.CONFIGS:
        r = runs["gpt2_124m"][c]
        print(f"| pim_vs_gpu | GPT-2 124M decode, context 1024, {plot.LABELS[c]}: energy, latency per token | "
              f"{r['energy'] * 1e3:.3g} mJ, {r['latency'] * 1e6:.3g} µs ({gpu['energy_j'] / r['energy']:.3g}× less "
              f"energy) | {ref} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
