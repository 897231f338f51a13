#!/usr/bin/env bash
# Regenerates every paper figure pimtx claims, through `pimtx sweep`, into results/figures/ (PNG + HDF5 per
# figure) and writes results/figures/README.md (pimtx's numbers beside the papers'). Figures are declared by
# experiments/*/figure*.toml (see scripts/reproduce_figures.py).
# Usage: bash scripts/reproduce-figures.sh [--quick] [--jobs N] [--only NAME]
#   --quick: fewer seeds and shorter texts (under 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target pimtx
exec /usr/bin/python3 scripts/reproduce_figures.py "$@"
