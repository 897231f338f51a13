#!/usr/bin/python3
"""Figure for experiments/lsh_attention/figure.toml (a `pimtx sweep` result): plot.py's four panels, and markdown
rows (figure | quantity | pimtx | paper) for results/figures/README.md.

usage: /usr/bin/python3 experiments/lsh_attention/figure.py SWEEP.h5 OUT.png
"""
import contextlib
import os
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    sys.argv = [sys.argv[0], sys.argv[1], sys.argv[2]]
    with contextlib.redirect_stdout(sys.stderr):  # plot.py's "wrote ..." line is not a table row
        rc = plot.main()
    if rc != 0:
        return rc
    with h5py.File(sys.argv[1], "r") as f:
        d = plot.load(f)  # the (source, bits, rounds, seed) grid assembled from the sweep's points
    bits, rounds, sources = list(d["bits"]), list(d["rounds"]), d["sources"]
    nll = d["nll"].mean(axis=3)  # (source, bits, rounds)
    frac = d["attended_frac_beyond"].mean(axis=3)
    dense, n_tokens = d["dense"], d["n_tokens"]
    b, r = len(bits) - 1, len(rounds) - 1  # the largest setting
    print(f"| lsh_attention | dense NLL, stories260K, {n_tokens} tokens | {dense:.4f} nats | "
          "1.2835 over 20,111 tokens (llama2.c reference, data/README.md) |")
    for si, s in enumerate(sources):
        print(f"| lsh_attention | NLL vs dense, {s} planes, {bits[b]} bits x {rounds[r]} rounds | "
              f"{100 * (nll[si, b, r] / dense - 1):+.2f} % at {frac[si, b, r]:.3f} of keys attended | "
              "\"no degradation\" (Cai et al., ISCAS 2024; no number published) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
