#!/usr/bin/python3
"""Figure for experiments/kv_cam/figure.toml (a one-point `pimtx sweep` of config.toml, whose own loop runs the cpq,
cam, combined and lsh settings): plot.py's three panels, and markdown rows (figure | quantity | pimtx | paper) for
results/figures/README.md.

usage: /usr/bin/python3 experiments/kv_cam/figure.py SWEEP.h5 OUT.png
"""
import contextlib
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

TITANUS = "58.9 % less KV movement (Titanus, OPT models; second-hand summary, papers.md §1b)"
CAMFORMER = "< 0.4 % GLUE accuracy drop at k = 32 (CAMformer, BERT trained for binary attention)"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with contextlib.redirect_stdout(sys.stderr):  # plot.py's "wrote ..." line is not a figure row
        rc = plot.main()
    if rc != 0:
        return rc
    with h5py.File(sys.argv[1], "r") as f:
        g = plot.result_group(f)
        d = float(g["dense/nll"][0])
        ntok = int(g["n_tokens"][()])
        bk, bv = g["cpq/n_bits_k"][()], g["cpq/n_bits_v"][()]
        pk, pv = g["cpq/prune_ratio_k"][()], g["cpq/prune_ratio_v"][()]
        cnll, cmov = g["cpq/nll"][()], g["cpq/movement_reduction"][()]
        ks, nbits, wins = list(g["cam/k"][()]), list(g["cam/n_bits"][()]), list(g["cam/n_window"][()])
        scores = [plot.s(x) for x in g["cam/scores"][()]]
        sources = [plot.s(x) for x in g["cam/sources"][()]]
        anll, aatt = g["cam/nll"][()], g["cam/attended_frac"][()]
        mnll, matt = float(g["combined/nll"][0]), float(g["combined/attended_frac"][0])
        mmov = float(g["combined/movement_reduction"][0])
    rel = 100.0 * (cnll / d - 1.0)
    print(f"| kv_cam | dense attention + full cache NLL, stories260K, {ntok} tokens | {d:.4f} nats | — |")
    ok = np.argwhere(rel <= 1.0)
    if len(ok):
        i, j = max(ok, key=lambda ij: cmov[ij[0], ij[1]])
        print(f"| kv_cam | cpq: most KV movement saved at <= 1 % NLL (K {bk[i]} / V {bv[i]} bits, prune "
              f"{pk[j]:g} / {pv[j]:g}) | {100 * cmov[i, j]:.1f} % less at {rel[i, j]:+.2f} % NLL | {TITANUS} |")
    else:
        print(f"| kv_cam | cpq: most KV movement saved at <= 1 % NLL | none of the {rel.size} settings | {TITANUS} |")
    if 32 in ks and "exact" in scores:
        ki, ci = ks.index(32), scores.index("exact")
        src = "card" if "card" in sources else sources[0]
        si = sources.index(src)
        for ni, nb in enumerate(nbits):
            for wi, w in enumerate(wins):
                r = 100.0 * (anll[si, ni, ci, wi, ki] / d - 1.0)
                print(f"| kv_cam | cam ({src} CAM, {nb if nb else 'sign'} bits, exact score, window {w}) at k = 32: "
                      f"NLL vs dense | {r:+.2f} % at {aatt[si, ni, ci, wi, ki]:.3f} attended | {CAMFORMER} |")
    print(f"| kv_cam | cam (card) on a cpq cache: NLL vs dense, KV moved less | {100 * (mnll / d - 1):+.2f} %, "
          f"{100 * mmov:.1f} % less, {matt:.3f} attended | — |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
