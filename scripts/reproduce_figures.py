#!/usr/bin/python3
"""Regenerate every figure pimtx claims, through `pimtx sweep`, into results/figures/.

usage: /usr/bin/python3 scripts/reproduce_figures.py [--quick] [--jobs N] [--only NAME] [--check]
(normally through scripts/reproduce-figures.sh, which builds pimtx first)
--check runs nothing: every declared figure's sweep, full and --quick, must expand (`pimtx sweep --list`) and its
plot script must exist (the ctest `figures_declared`).

A figure is declared by an experiment: any experiments/*/figure*.toml is a sweep file (see README "Sweeps")
with a [figure] table:
    name  = "lsh_nn"          # results/figures/<name>.h5 (the merged sweep) and <name>.png
    title = "..."             # one line for the README
    plot  = "figure.py"       # relative to the toml: `python3 PLOT SWEEP.h5 OUT.png`, prints markdown rows
                              # "| figure | quantity | pimtx | paper |" for results/figures/README.md
    quick = ["sweep.k=v"]     # --sweep-set overrides for --quick (fewer seeds, a shorter base config, ...)
A later experiment joins by adding its figure*.toml and plot script; nothing here changes. Sweeps run from the
repository root, so a path given as a swept or `set` value (which `--set` resolves against the working directory)
is relative to the root, e.g. values = ["data/costs/pimtx_default.toml"].
Writes results/figures/README.md: one table of pimtx's numbers beside the papers', and the wall time of
each figure's sweep and of the whole run.
"""
import argparse
import glob
import os
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="the [figure].quick variant of every sweep")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes per sweep (default: cores)")
    ap.add_argument("--only", default="", help="only the figure with this name")
    ap.add_argument("--check", action="store_true", help="only check that every figure's sweeps expand (--list)")
    ap.add_argument("--pimtx", default=os.path.join(ROOT, "build", "pimtx"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "figures"))
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    args.pimtx = os.path.abspath(args.pimtx)
    figures = []
    for path in sorted(glob.glob(os.path.join(ROOT, "experiments", "*", "figure*.toml"))):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        if "figure" not in doc:
            continue
        fig = doc["figure"]
        unknown = set(fig) - {"name", "title", "plot", "quick"}
        missing = {"name", "plot"} - set(fig)
        if unknown or missing:
            sys.stderr.write(f"{path}: [figure] unknown keys {sorted(unknown)}, missing {sorted(missing)} "
                             "(valid: name, title, plot, quick)\n")
            return 2
        if args.only and fig["name"] != args.only:
            continue
        figures.append((path, fig))
    if not figures:
        sys.stderr.write("no figure declared (experiments/*/figure*.toml with a [figure] table)\n")
        return 2
    if args.check:
        return check(figures, args.pimtx)  # writes nothing (not even the output folder)
    os.makedirs(args.out, exist_ok=True)
    rows, timing, failed = [], [], []
    t_all = time.monotonic()
    for path, fig in figures:
        name = fig["name"]
        h5 = os.path.join(args.out, name + ".h5")
        png = os.path.join(args.out, name + ".png")
        cmd = [args.pimtx, "sweep", path, "-o", h5]
        if args.jobs > 0:
            cmd += ["--jobs", str(args.jobs)]
        if args.quick:
            for o in fig.get("quick", []):
                cmd += ["--sweep-set", o]
        print("==> " + " ".join(cmd), flush=True)
        t0 = time.monotonic()
        rc = subprocess.call(cmd, cwd=ROOT)  # --set paths in sweep files are relative to the repository root
        sweep_s = time.monotonic() - t0
        if rc != 0 or not os.path.exists(h5):
            failed.append(f"{name}: pimtx sweep exited {rc}")
            timing.append((name, sweep_s, "sweep failed"))
            if not os.path.exists(h5):
                continue
        plot = os.path.join(os.path.dirname(path), fig["plot"])
        p = subprocess.run(["/usr/bin/python3", plot, h5, png], capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            failed.append(f"{name}: {os.path.relpath(plot, ROOT)} exited {p.returncode}")
            continue
        rows += [line for line in p.stdout.splitlines() if line.startswith("|")]
        timing.append((name, sweep_s, os.path.relpath(path, ROOT)))
        print(p.stdout, end="", flush=True)
    total_s = time.monotonic() - t_all
    mode = "--quick" if args.quick else "full"
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(f"# Figures ({mode} run)\n\n")
        f.write("Regenerated by `bash scripts/reproduce-figures.sh" + (" --quick" if args.quick else "") + "`; "
                "each figure is `<name>.png` from the merged sweep `<name>.h5` (`pimtx info` lists it).\n\n")
        f.write("| figure | quantity | pimtx | paper |\n|---|---|---|---|\n")
        f.write("\n".join(rows) + "\n\n")
        f.write("| figure | sweep | sweep wall time (s) |\n|---|---|---|\n")
        for name, s, src in timing:
            f.write(f"| {name} | `{src}` | {s:.0f} |\n")
        f.write(f"\nWhole run: {total_s:.0f} s wall on {os.cpu_count()} cores "
                "(shared machines: timings are noisy).\n")
        if failed:
            f.write("\nFailed: " + "; ".join(failed) + "\n")
    print(f"wrote {os.path.join(args.out, 'README.md')} ({total_s:.0f} s)")
    if failed:
        sys.stderr.write("failed: " + "; ".join(failed) + "\n")
        return 1
    return 0


def check(figures, pimtx):
    """Each figure: unique name, plot script present, sweep (full and --quick) expands with `pimtx sweep --list`."""
    bad, names = [], set()
    for path, fig in figures:
        rel = os.path.relpath(path, ROOT)
        if fig["name"] in names:
            bad.append(f"{rel}: figure name '{fig['name']}' declared twice")
        names.add(fig["name"])
        if not os.path.isfile(os.path.join(os.path.dirname(path), fig["plot"])):
            bad.append(f"{rel}: plot script {fig['plot']} not found")
        for quick in (False, True):
            cmd = [pimtx, "sweep", path, "--list"]
            for o in fig.get("quick", []) if quick else []:
                cmd += ["--sweep-set", o]
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            n = len(p.stdout.splitlines())
            if p.returncode != 0 or n == 0:
                bad.append(f"{rel}{' (--quick)' if quick else ''}: `pimtx sweep --list` exited {p.returncode}: "
                           f"{p.stderr.strip()}")
            else:
                print(f"{fig['name']}{' --quick' if quick else ''}: {n} points ({rel})")
    for b in bad:
        sys.stderr.write(b + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
