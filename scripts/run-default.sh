#!/usr/bin/env bash
# Installs missing Debian packages, builds pimtx and runs the main job on its default experiment: the short
# variant of experiments/lsh_attention (calibrated TiOx device card -> stochastic programming of passive
# crossbar tiles -> hash bits -> LSH attention in stories260K -> NLL), about half a minute on 2 cores.
# Writes results/default.h5 and the figure results/default.png.
# Usage: bash scripts/run-default.sh [extra `pimtx run` options, e.g. --seed 7]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p results
./build/pimtx run experiments/lsh_attention/quick.toml -o results/default.h5 "$@"
/usr/bin/python3 experiments/lsh_attention/plot.py results/default.h5 results/default.png
echo "inspect with: ./build/pimtx info results/default.h5"
