#!/usr/bin/env bash
# Layering check (STYLE.md §1, README "Layout"): the src/ folders are layers, lowest first; a file may include
# only headers of its own layer or of lower ones, and arch never uses spice. In particular no calibration/
# include in xbar/ (calibration sits above xbar). Also: no dynamic_cast to a concrete unit in src/ outside
# tests (a unit's behaviour belongs on its interface, e.g. MemristorModel::read_law); the one generic use,
# chain_contains<T> in core/errors.h, is allowed. scripts/layering-known-casts.txt lists the casts that landed with
# the round-two units before this check could stop them (debt to move onto interfaces); nothing new may join it. Exit 1 with the offending lines, else print a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
layers=(core io spice circuits devices xbar calibration arch cost experiments cli)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
bad=0
n_files=0
for dir in "${layers[@]}"; do
  while IFS= read -r f; do
    n_files=$((n_files + 1))
    while IFS= read -r line; do
      inc=${line#*\"}
      top=${inc%%/*}
      [[ -n "${rank[$top]+x}" ]] || continue
      if (( rank[$top] > rank[$dir] )) || [[ "$dir" == arch && "$top" == spice ]]; then
        echo "layering: $f includes \"$inc\" ($dir may not use $top)"
        bad=1
      fi
    done < <(grep -E '^#include "' "$f" || true)
  done < <(find "src/$dir" -name '*.cpp' -o -name '*.h' | sort)
done
while IFS= read -r hit; do
  echo "layering: dynamic_cast outside tests: $hit"
  bad=1
done < <(grep -rn 'dynamic_cast<' src --include='*.cpp' --include='*.h' | grep -v '_test\.cpp:' |
         grep -v '^src/core/errors\.h:.*dynamic_cast<const T\*>' | grep -v -F -f scripts/layering-known-casts.txt || true)
if (( bad )); then
  exit 1
fi
echo "check-layering: ${n_files} files in ${#layers[@]} layers, no upward include, no dynamic_cast to a concrete unit"
