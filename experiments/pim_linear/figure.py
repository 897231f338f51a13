#!/usr/bin/python3
"""Figure for experiments/pim_linear/figure.toml (a `pimtx sweep` of `pimtx eval` points, one setting changed at a
time around config.toml): plot.py's six panels and table, and markdown rows (figure | quantity | pimtx | paper) for
results/figures/README.md. Each point's sweep and label (run.sh's names) follow from which swept keys differ from the
base point; the base point is drawn in every panel at its own setting.

usage: /usr/bin/python3 experiments/pim_linear/figure.py SWEEP.h5 OUT.png
"""
import contextlib
import os
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

P = "arch.linear."
ALL = "wq wk wv wo w1 w2 w3"
ROLES = {"": "digital", "w1 w2 w3": "ffn", "wq wk wv wo": "proj", ALL: "all", ALL + " classifier": "all_cls"}
# run.sh's order of the points of each sweep (cheapest first); the base point's label in each sweep.
ORDER = {
    "a_adc_bits": ["4", "5", "6", "7", "8", "10"],
    "b_dac": ["amp4", "amp6", "amp8", "serial4", "serial6", "serial8"],
    "c_levels": ["L2xS1", "L4xS1", "L2xS4", "L16xS1", "L4xS2", "L256xS1", "L16xS2", "L0xS1"],
    "d_wire_tile": [f"t{t}_r{r}" for t in (64, 128, 256) for r in ("0", "2.5", "5", "10", "20")],
    "e_programming": ["gauss0.10", "gauss0.05", "gauss0.02", "gauss0.01"],
    "f_roles": ["ffn", "proj", "all", "all_cls"],
}


def text(x):
    return x.decode() if isinstance(x, bytes) else x


def roles_of(v):
    """The roles value as the table stores it ("[ 'wq', 'wk' ]") -> "wq wk"."""
    return " ".join(r.strip(" '\"") for r in text(v).strip("[] ").split(",") if r.strip(" '\""))


def labels(p):
    """Every (sweep, label) a point with parameters p stands for in run.sh's sweeps."""
    dac = ("serial" if text(p["input"]) == "bit_serial" else "amp") + f"{p['n_dac_bits']:g}"
    lev = f"L{p['mapping.n_levels']:g}xS{p['mapping.n_slices']:g}"
    wire = f"t{p['n_tile_rows']:g}_r{p['r_wire_row_ohm']:g}"
    return {"a_adc_bits": f"{p['adc.n_bits']:g}", "b_dac": dac, "c_levels": lev, "d_wire_tile": wire,
            "e_programming": f"gauss{p['programming.g_c2c_sigma_rel']:.2f}", "f_roles": ROLES.get(roles_of(p["roles"]))}


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        t = f["sweep/table"]
        keys = [k[len(P):] for k in t["params"] if k.startswith(P)]
        cols = {k: t["params"][P + k][()] for k in keys}
        status = [text(s) for s in t["status"][()]]
        ids = [text(s) for s in t["id"][()]]
        pts = []
        for i, pid in enumerate(ids):
            if status[i] == "ok":
                pts.append(({k: cols[k][i] for k in keys}, f["sweep/points"][pid]))
        base = [p for p, _ in pts if roles_of(p["roles"]) == ALL and labels(p)["e_programming"] == "gauss0.00"]
        base_lab = labels(base[0]) if base else {}
        rows = []
        for p, g in pts:
            lab = labels(p)
            if lab["f_roles"] == "digital":
                rows.append(plot.read_row(g, "digital", "ref"))
                continue
            changed = [s for s in ORDER if lab[s] != base_lab.get(s)]
            if not changed:  # the base point: in every sweep whose list holds its setting
                rows.append(plot.read_row(g, "base", "base"))
                rows += [plot.read_row(g, s, lab[s]) for s in ORDER if lab[s] in ORDER[s]]
            elif len(changed) == 1:
                rows.append(plot.read_row(g, changed[0], lab[changed[0]]))
            else:
                sys.stderr.write(f"point {text(g.name)} changes more than one setting of the base: {changed}\n")
                return 1
    if not any(r["sweep"] == "digital" for r in rows):
        sys.stderr.write(f"{sys.argv[1]}: no digital reference point (roles = [])\n")
        return 1
    # a sweep of which only the base point ran (--quick) gets no panel
    alone = [s for s in ORDER if {r["label"] for r in rows if r["sweep"] == s} <= {base_lab.get(s)}]
    rows = [r for r in rows if r["sweep"] not in alone]
    order = list(ORDER)
    rows.sort(key=lambda r: (0, 0) if r["sweep"] in ("digital", "base") else
              (1 + order.index(r["sweep"]), ORDER[r["sweep"]].index(r["label"]) if r["label"] in ORDER[r["sweep"]]
               else 99))
    with contextlib.redirect_stdout(sys.stderr):  # plot.py's table is the log's, not figure rows
        sweeps = plot.print_table(rows)
    plot.draw(rows, sweeps, sys.argv[2])
    ref = [r for r in rows if r["sweep"] == "digital"][0]
    rel = lambda r: f"{100 * (r['nll'] / ref['nll'] - 1):+.2f} %"  # noqa: E731
    print(f"| pim_linear | digital NLL, stories260K, {ref['n_tok']} tokens | {ref['nll']:.4f} nats | — |")
    for r in rows:
        if r["sweep"] == "base":
            print(f"| pim_linear | NLL vs digital, base point (8-bit DAC/ADC, 128x128 tiles, 2.5 ohm wires) | {rel(r)} "
                  "| — |")
    for s in sweeps:
        pts = [r for r in rows if r["sweep"] == s]
        print(f"| pim_linear | NLL vs digital, {s} {' / '.join(r['label'] for r in pts)} | "
              f"{' / '.join(rel(r) for r in pts)} | — |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
