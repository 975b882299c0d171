#!/usr/bin/env bash
# Training benchmark, one run: seconds per epoch and test accuracy of examples/mnist_mlp and
# examples/convnet — slope jitted, slope eager (--eager: value_and_grad op by op every step) and
# PyTorch (bench/torch_training.py: same models, configuration and IDX files) — side by side with
# ratios, then the peak memory of loading a 400 MiB checkpoint.
# Usage: bash bench/training.sh [build-dir]   (default build/)
# Environment: MLP_EPOCHS (3, the example's default), CONVNET_EPOCHS (2; the example's default is
# 5), CONVNET_EAGER_LIMIT (12800: the eager convnet trains on that many examples per epoch and its
# time is scaled to 60,000 — a full eager epoch takes long here; its accuracy is then not comparable),
# MODELS ("mlp convnet"; "mlp" alone takes a minute, the convnet about half an hour here).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/deps.sh
source "$root/scripts/deps.sh"
slope_install_deps

build="${1:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLOPE_BUILD_EXAMPLES=ON -DSLOPE_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "${SLOPE_JOBS:-2}" --target mnist_mlp convnet checkpoint_rss >/dev/null

export OMP_WAIT_POLICY=PASSIVE  # as bench/run.sh: no spinning OpenMP workers on either side
work="$(mktemp -d)"
export SLOPE_CACHE_DIR="$work/jit-cache"
trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"
mlp_epochs="${MLP_EPOCHS:-3}"
convnet_epochs="${CONVNET_EPOCHS:-2}"
eager_limit="${CONVNET_EAGER_LIMIT:-12800}"
echo "training benchmark: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# slope: the example's own history.csv (one row per epoch: epoch,seconds,mean_loss,test_accuracy).
slope_run() {  # model impl flags...
  local model="$1" impl="$2" binary="$1"
  shift 2
  [ "$model" = mlp ] && binary=mnist_mlp
  echo "== slope $impl $model: $binary $*" >&2
  "$build/examples/$binary" --out "$work/$model-$impl" "$@" >&2
  tail -n +2 "$work/$model-$impl/history.csv" | while IFS=, read -r epoch seconds loss acc; do
    echo "{\"model\": \"$model\", \"impl\": \"slope_$impl\", \"epoch\": $epoch, \"seconds\": $seconds, \"accuracy\": $acc}"
  done >>"$results"
}
torch_run() {  # model epochs
  echo "== torch $1 ($2 epochs)" >&2
  /usr/bin/python3 "$root/bench/torch_training.py" "$1" "$2" >>"$results"
}

models=" ${MODELS:-mlp convnet} "
if [[ "$models" == *" mlp "* ]]; then
  slope_run mlp jit --epochs "$mlp_epochs"
  slope_run mlp eager --epochs "$mlp_epochs" --eager
  torch_run mlp "$mlp_epochs"
fi
if [[ "$models" == *" convnet "* ]]; then
  slope_run convnet jit --epochs "$convnet_epochs"
  slope_run convnet eager --epochs 1 --eager --limit "$eager_limit"
  torch_run convnet "$convnet_epochs"
fi
"$build/bench/checkpoint_rss" "$work/big.safetensors" 400 >"$work/rss.jsonl"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$results" "$work/rss.jsonl" "$eager_limit" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
eager_limit = int(sys.argv[3])

def summary(model, impl):
    r = [x for x in rows if x["model"] == model and x["impl"] == impl]
    if not r:
        return None
    # Seconds per epoch: the best epoch after the first (the first compiles the jitted code and
    # warms caches); with one epoch, that one. Accuracy: after the last epoch.
    later = r[1:] or r
    sec = min(x["seconds"] for x in later)
    if model == "convnet" and impl == "slope_eager":
        sec *= 60000 / eager_limit  # a partial epoch, scaled
    return sec, r[-1]["accuracy"], len(r)

print()
print(f"{'model':8} {'':22} {'slope jit':>10} {'slope eager':>12} {'torch':>8}   jit/torch  eager/torch")
for model, label in [("mlp", "MLP 784-100-10"), ("convnet", "convnet 32-64 + BN")]:
    s = {impl: summary(model, impl) for impl in ["slope_jit", "slope_eager", "torch"]}
    if not any(s.values()):
        continue
    t = s["torch"]
    cells = [f"{s[i][0]:.2f}" if s[i] else "-" for i in ["slope_jit", "slope_eager", "torch"]]
    ratio = lambda i: f"{s[i][0] / t[0]:.2f}x" if s[i] and t else "-"
    print(f"{model:8} {label + ', s/epoch':22} {cells[0]:>10} {cells[1]:>12} {cells[2]:>8}   {ratio('slope_jit'):>9}  {ratio('slope_eager'):>11}")
    accs = [f"{s[i][1]:.4f}" if s[i] else "-" for i in ["slope_jit", "slope_eager", "torch"]]
    n = s["torch"][2] if t else "?"
    diff = f"{s['slope_jit'][1] - t[1]:+.4f}" if s["slope_jit"] and t else "-"
    note = " (eager: partial epoch)" if model == "convnet" else ""
    print(f"{'':8} {f'test accuracy, {n} ep.':22} {accs[0]:>10} {accs[1]:>12} {accs[2]:>8}   {diff:>9}{note}")
threads = sorted({x.get("threads") for x in rows if x["impl"] == "torch"})
print(f"\nratios < 1: slope is faster. torch threads: {threads} (the faster of 1 and all cores, per model)")
for l in open(sys.argv[2]):
    r = json.loads(l)
    print(f"loading a {r['file_mib']} MiB checkpoint ({r['how']}): peak RSS {r['peak_rss_above_before_mib']:.0f} MiB "
          f"above the process's before ({r['ratio']:.2f}x the file)")
PY
