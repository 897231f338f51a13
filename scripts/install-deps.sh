#!/usr/bin/env bash
# Installs every Debian 12 package pimtx needs. Idempotent: prints nothing and touches nothing
# when all packages are already present. Run as root (or with sudo available).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git clang-format-16 ccache
  ngspice libngspice0-dev
  libeigen3-dev libboost-dev
  libhdf5-dev
  catch2
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  librandom123-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-matplotlib python3-numpy
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
