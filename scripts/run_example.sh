#!/usr/bin/env bash
# Builds slope and runs an example (installs missing Debian packages first). The main example,
# the default, trains an MLP on Fashion-MNIST (examples/mnist_mlp.cpp) and writes its checkpoint,
# exported predictor and curves to ./mnist_mlp_out/.
# Usage: bash scripts/run_example.sh [example-name] [flags...]   (default: mnist_mlp)
#        bash scripts/run_example.sh --epochs 1                  (flags for the default example)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deps.sh
source "$root/scripts/deps.sh"
slope_install_deps

example=mnist_mlp
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  example="$1"
  shift
fi
build="$root/build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" -DSLOPE_BUILD_EXAMPLES=ON
cmake --build "$build" -j "${SLOPE_JOBS:-2}" --target "$example"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
"$build/examples/$example" "$@"
