#!/usr/bin/env bash
# Fuzzes the file readers (safetensors, .npy, IDX) with libFuzzer under ASan + UBSan, each for a
# bounded time. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [BUILD_DIR=build-fuzz]
# A crash leaves its input in BUILD_DIR/artifacts/ and makes this script fail; turn each one into
# a test in tests/test_io_fuzz_regressions.cpp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
build="${2:-$root/build-fuzz}"
cd "$root"
# shellcheck source=deps.sh
source scripts/deps.sh
slope_install_deps

# The readers need neither the cpu backend nor the tests: a small build.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLOPE_BUILD_FUZZ=ON \
  -DSLOPE_BACKEND_CPU=OFF -DSLOPE_BUILD_TESTS=OFF -DSLOPE_BUILD_BENCH=OFF -DSLOPE_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$build" -j2 --target fuzz_safetensors fuzz_npy fuzz_idx

rm -rf "$build/seeds"
/usr/bin/python3 fuzz/make_seeds.py "$build/seeds"
mkdir -p "$build/artifacts"
status=0
for target in safetensors npy idx; do
  corpus="$build/corpus/$target"  # grows across runs; the seeds are read, never written
  mkdir -p "$corpus"
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  echo "==== fuzz_$target for ${seconds}s"
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" UBSAN_OPTIONS="print_stacktrace=1" \
      "$build/fuzz/fuzz_$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$corpus" "$build/seeds/$target"; then
    echo "fuzz_$target found a crash: see $build/artifacts/" >&2
    status=1
  fi
done
exit $status
