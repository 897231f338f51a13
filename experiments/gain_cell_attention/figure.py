#!/usr/bin/python3
"""Figure for experiments/gain_cell_attention/figure.toml (a one-point `pimtx sweep` of config.toml, whose own loop
runs the non-ideality points): plot.py's bar chart, and markdown rows (figure | quantity | pimtx | paper) for
results/figures/README.md.

usage: /usr/bin/python3 experiments/gain_cell_attention/figure.py SWEEP.h5 OUT.png
"""
import contextlib
import os
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

# Points reported in the README table (those present in the file; --quick runs a subset), with Leroux et al.'s
# published setting where the point reproduces one (papers.md §3; the paper trains through these, no NLL published).
PAPER = {
    "ideal": "—",
    "levels_32": "—",
    "leroux_in_out": "Leroux et al.: 16 query / 32 output levels, trained (QAT); no NLL published",
    "decay_tau_card": "—",
    "decay_tau_igzo_1s": "—",
    "variation": "—",
    "window_512": "—",
    "realistic": "Leroux et al.: trained through the non-idealities; no NLL published",
}


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with contextlib.redirect_stdout(sys.stderr):  # plot.py's table and "wrote ..." line are not figure rows
        rc = plot.main()
    if rc != 0:
        return rc
    with h5py.File(sys.argv[1], "r") as f:
        g = plot.result_group(f)
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g["names"][()]]
        nll = g["nll"][()]
        dense = float(g["dense_nll"][()].ravel()[0])
        n_tok = int(g["n_tokens"][()].ravel()[0])
    print(f"| gain_cell_attention | dense + full NLL, stories260K, {n_tok} tokens | {dense:.4f} nats | — |")
    for n, x in zip(names, nll):
        if n in PAPER:
            print(f"| gain_cell_attention | NLL vs dense, {n} | {100 * (x / dense - 1):+.2f} % | {PAPER[n]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
