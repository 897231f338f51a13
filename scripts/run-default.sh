#!/usr/bin/env bash
# Installs missing Debian packages, builds pimtx and runs the main job on its default experiment.
# Usage: bash scripts/run-default.sh [extra `pimtx run` options, e.g. --seed 7]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p results
./build/pimtx run experiments/spice_crossbar/config.toml -o results/default.h5 "$@"
./build/pimtx info results/default.h5 | head -n 40
