#!/usr/bin/env bash
# Benchmarks slope against NumPy (OpenBLAS) and PyTorch in one run and prints a table.
# Usage: bash bench/run.sh [build-dir]   (default build/; installs missing Debian packages)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/deps.sh
source "$root/scripts/deps.sh"
slope_install_deps

build="${1:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${SLOPE_JOBS:-2}" --target core_bench

# Every side gets the same, non-spinning OpenMP policy: PyTorch's and OpenBLAS's spinning
# workers otherwise fight over the cores and the numbers measure that fight. (slope uses no
# OpenMP runtime: its own pool, docs/architecture.md "Backends", is unaffected by the setting.)
export OMP_WAIT_POLICY=PASSIVE
results="$(mktemp)"
# A fresh jit cache, so "first call" is a cold compile (trace + generate + compile + load).
export SLOPE_CACHE_DIR="$(mktemp -d)"
trap 'rm -rf "$results" "$SLOPE_CACHE_DIR"' EXIT
"$build/bench/core_bench" >>"$results"
/usr/bin/python3 "$root/bench/torch_bench.py" >>"$results"

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
val = {(r["bench"], r["impl"]): r for r in rows}
benches = [("matmul_1024_f32", "matmul 1024^3 f32", True),
           ("add_2^24_f32", "add 2^24 f32 (3 x 64 MiB)", True),
           ("eager_add_4_f32", "eager a = a + b, 4 x f32", False),
           ("hvp_mlp_784_100_10", "HVP, MLP 784-100-10 b64", False),
           ("hvp_mlp_784_100_10_jit", "HVP, jit", False, "hvp_mlp_784_100_10"),
           ("jacobian_tanh_256", "jacobian tanh(Wx) 256", False),
           ("jacobian_tanh_256_jit", "jacobian, jit", False, "jacobian_tanh_256"),
           ("fused_tanh_2^24_f32", "jit tanh(x*2+1)*x 2^24", False),
           ("mlp_epoch_fmnist_shape", "MLP epoch, jit step", False),
           ("mlp_step_first_call", "MLP step, cold compile", False),
           ("mlp_step_first_call_disk_cache", "MLP step, disk-cached", False),
           ("jit_call_4_f32", "jit call, 4 x f32", False),
           ("mlp_train_peak_rss_minus_data", "MLP training peak RSS - data", False)]
others = ["numpy", "torch", "torch_autograd"]
print()
print(f"{'benchmark':28} {'unit':8} {'slope':>9} {'numpy':>9} {'torch':>9} {'torch+ag':>9}   slope speed vs numpy / torch / torch+ag")
for key, label, higher_is_better, *against in benches:
    s = val.get((key, "slope"))
    other = against[0] if against else key  # a jitted row compares with its eager row's others
    if s is None:
        continue
    cells, ratios = [], []
    for impl in others:
        o = val.get((other, impl))
        cells.append(f"{o['value']:9.3g}" if o else f"{'-':>9}")
        if o:
            r = s["value"] / o["value"] if higher_is_better else o["value"] / s["value"]
            ratios.append(f"{r:.2f}x")
        else:
            ratios.append("-")
    print(f"{label:28} {s['unit']:8} {s['value']:9.3g} {' '.join(cells)}   {' / '.join(ratios)}")
print("\nratio > 1: slope is faster (higher throughput, or less time per op)")
PY
