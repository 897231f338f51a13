#!/usr/bin/env bash
# Checks that every C++ source in the tree is clang-format clean (.clang-format: Google, 120 columns,
# InsertBraces). The version is pinned to Debian 12's clang-format-16 (clang-format 14, Debian's default,
# does not know InsertBraces and formats differently). Fix with: bash scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
cf=clang-format-16
command -v "$cf" >/dev/null || { echo "check-format: $cf not found (bash scripts/install-deps.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cpp' '*.h' 2>/dev/null || find src tests bench python -name '*.cpp' -o -name '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
"$cf" --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files clean ($("$cf" --version | head -1))"
