#!/usr/bin/env bash
# Builds slope and runs the main example (installs missing Debian packages first).
# Usage: bash scripts/run_example.sh [example-name]   (default: quickstart)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deps.sh
source "$root/scripts/deps.sh"
slope_install_deps

example="${1:-quickstart}"
build="$root/build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}"
cmake --build "$build" -j "${SLOPE_JOBS:-2}" --target "$example"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
"$build/examples/$example"
