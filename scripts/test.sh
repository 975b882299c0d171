#!/usr/bin/env bash
# Builds slope and runs the whole test suite (installs missing Debian packages first).
# Usage: bash scripts/test.sh [build-dir] [extra cmake args...]   (default build dir: build/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deps.sh
source "$root/scripts/deps.sh"
slope_install_deps

build="${1:-$root/build}"
shift || true
jobs="${SLOPE_JOBS:-2}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "$@"
cmake --build "$build" -j "$jobs"
# PyTorch's OpenMP workers (the golden fixture) must not spin while another test process wants the core.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
cd "$build"
ctest --output-on-failure -j "$jobs"
