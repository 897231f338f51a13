#!/usr/bin/env bash
# Sweep of experiments/pim_linear (issue 12): one setting at a time around config.toml, each point a short
# `pimtx eval` (2,000 predicted tokens). Writes results/pim_linear/<sweep>_<label>.h5 and index.csv
# (sweep,label,file, points of a sweep listed from cheapest to most expensive).
# usage: bash experiments/pim_linear/run.sh [PIMTX_BINARY]   (from the repository root)
set -euo pipefail
BIN=${1:-build/pimtx}
CFG=experiments/pim_linear/config.toml
OUT=results/pim_linear
CARD="$PWD/data/devices/tiox_passive.h5"
mkdir -p "$OUT"
echo "sweep,label,file" > "$OUT/index.csv"
point() {  # point SWEEP LABEL [--set ...]
  local sweep=$1 label=$2
  shift 2
  local f="$OUT/${sweep}_${label}.h5"
  echo "== $sweep $label"
  "$BIN" eval "$CFG" --quiet -o "$f" "$@" | tail -1
  echo "$sweep,$label,$f" >> "$OUT/index.csv"
}
point digital ref --set 'arch.linear.roles=[]'
point base base
for b in 4 5 6 7 8 10; do point a_adc_bits "$b" --set arch.linear.adc.n_bits=$b; done
for b in 4 6 8; do point b_dac "amp$b" --set arch.linear.n_dac_bits=$b; done
for b in 4 6 8; do point b_dac "serial$b" --set arch.linear.input='"bit_serial"' --set arch.linear.n_dac_bits=$b; done
for ls in 2:1 4:1 2:4 16:1 4:2 256:1 16:2 0:1; do
  point c_levels "L${ls%:*}xS${ls#*:}" --set arch.linear.mapping.n_levels=${ls%:*} --set arch.linear.mapping.n_slices=${ls#*:}
done
for t in 64 128 256; do
  for r in 0 2.5 5 10 20; do
    point d_wire_tile "t${t}_r${r}" --set arch.linear.n_tile_rows=$t --set arch.linear.n_tile_cols=$t \
      --set arch.linear.r_wire_row_ohm=$r --set arch.linear.r_wire_col_ohm=$r
  done
done
for s in 0.10 0.05 0.02 0.01; do
  point e_programming "gauss$s" --set arch.linear.programming.type='"gaussian"' \
    --set arch.linear.programming.g_c2c_sigma_rel=$s
done
point e_programming card_wv5 --set arch.linear.programming.type='"device"' \
  --set "arch.linear.programming.device_card=\"$CARD\"" --set arch.linear.programming.read_law='"linear"' \
  --set arch.linear.mapping.n_write_verify=5
point f_roles ffn --set 'arch.linear.roles=["w1","w2","w3"]'
point f_roles proj --set 'arch.linear.roles=["wq","wk","wv","wo"]'
point f_roles all --set 'arch.linear.roles=["wq","wk","wv","wo","w1","w2","w3"]'
point f_roles all_cls --set 'arch.linear.roles=["wq","wk","wv","wo","w1","w2","w3","classifier"]'
