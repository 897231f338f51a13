#!/usr/bin/env bash
# Benchmark: one `pimtx sweep` of 8 equal points (lsh_nn, Cai et al.'s protocol on 6,000 vectors: the
# brute-force exact neighbours make every point cost the same), run with 1 MPI rank and with 2 ranks, one
# worker process per rank. Prints both wall times and the speed-up, measured in one run (goal >= 1.8x on an
# otherwise idle 2-core machine; on shared machines the ratio is noisy).
# Usage: bash bench/sweep_ranks.sh [BUILD_DIR=build] [N_VECTORS=6000]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-6000}
command -v mpirun >/dev/null || { echo "mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 2; }
"$build/pimtx" sweep --help | grep -q "MPI: built in" || { echo "pimtx built without MPI"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/bench.toml" <<TOML
[sweep]
base = "$PWD/experiments/lsh_nn/config.toml"
set = ["lsh_nn.n_vectors=$n"]
seeds = [1, 2, 3, 4, 5, 6, 7, 8]
TOML
mpi="mpirun --oversubscribe --allow-run-as-root"
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { print a - b }'; }
t1=$(t $mpi -n 1 "$build/pimtx" sweep "$tmp/bench.toml" -o "$tmp/r1.h5" --jobs 1 -q)
t2=$(t $mpi -n 2 "$build/pimtx" sweep "$tmp/bench.toml" -o "$tmp/r2.h5" --jobs 1 -q)
printf "sweep of 8 equal points (lsh_nn, %s vectors): 1 rank %.2f s, 2 ranks %.2f s, speed-up %.2fx (goal >= 1.8x)\n" \
  "$n" "$t1" "$t2" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print a / b }')"
