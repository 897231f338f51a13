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
TIMEFORMAT='%R %U %S'
{ time $mpi -n 1 "$build/pimtx" sweep "$tmp/bench.toml" -o "$tmp/r1.h5" --jobs 1 -q >/dev/null 2>&1; } 2>"$tmp/t1"
{ time $mpi -n 2 "$build/pimtx" sweep "$tmp/bench.toml" -o "$tmp/r2.h5" --jobs 1 -q >/dev/null 2>&1; } 2>"$tmp/t2"
read -r w1 u1 s1 <"$tmp/t1"
read -r w2 u2 s2 <"$tmp/t2"
awk -v n="$n" -v w1="$w1" -v c1="$(awk -v a="$u1" -v b="$s1" 'BEGIN { print a + b }')" \
    -v w2="$w2" -v c2="$(awk -v a="$u2" -v b="$s2" 'BEGIN { print a + b }')" 'BEGIN {
  printf "sweep of 8 equal points (lsh_nn, %d vectors), one worker per rank:\n", n
  printf "  1 rank : %6.2f s wall, %6.2f s CPU (CPU/wall %.2f)\n", w1, c1, c1 / w1
  printf "  2 ranks: %6.2f s wall, %6.2f s CPU (CPU/wall %.2f)\n", w2, c2, c2 / w2
  printf "  speed-up %.2fx (goal >= 1.8x on an idle 2-core machine; CPU/wall < ranks means the machine was busy)\n", w1 / w2
}'
