#!/usr/bin/env bash
# Runs a training example (already built in build/examples/) on the flags given and checks what it
# leaves: the accuracy line with an identical reloaded accuracy, the checkpoints, history.csv, a
# well-formed curves.svg, and the exported predictor folder, which is built with its own CMake
# project and whose command-line runner must reproduce the logits slope computed.
# Usage: bash scripts/check_example.sh <example> <out-dir> [example flags...]
# (.ci/run stage 2 calls it on a subset of Fashion-MNIST.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
example="$1"
out="$2"
shift 2
build="${SLOPE_BUILD_DIR:-$root/build}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

fail() { echo "check_example: $example: $*" >&2; exit 1; }

cmake --build "$build" -j "${SLOPE_JOBS:-2}" --target "$example" >/dev/null
rm -rf "$out"
"$build/examples/$example" --out "$out" "$@" | tee "$log"
grep -Eq '^Test set accuracy 0\.[0-9]+; reloaded from .*: 0\.[0-9]+ \(identical\)$' "$log" \
  || fail "no 'Test set accuracy ... (identical)' line"
for f in model.safetensors checkpoint.safetensors history.csv curves.svg predict_export/CMakeLists.txt \
         predict_export/sample_images.bin predict_export/sample_logits.bin; do
  [ -s "$out/$f" ] || fail "missing or empty: $out/$f"
done

# The exported folder builds with CMake alone (no slope) and its CLI reproduces slope's logits.
export_dir="$out/predict_export"
cmake -S "$export_dir" -B "$export_dir/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$export_dir/build" -j "${SLOPE_JOBS:-2}" >/dev/null
# The runner is the only executable the export's CMake project makes; found by kind, not by name.
runner="$(find "$export_dir/build" -maxdepth 1 -type f -executable -name '*_run' | head -n 1)"
[ -n "$runner" ] || fail "the exported project built no *_run executable"
"$runner" "$export_dir/sample_images.bin" -- "$export_dir/cli_logits.bin"

/usr/bin/python3 - "$out" <<'PY'
import sys, xml.etree.ElementTree as ET
import numpy as np
out = sys.argv[1]
got = np.fromfile(f"{out}/predict_export/cli_logits.bin", np.float32)
want = np.fromfile(f"{out}/predict_export/sample_logits.bin", np.float32)
assert got.shape == want.shape and got.size % 10 == 0, (got.shape, want.shape)
assert np.allclose(got, want, rtol=1e-4, atol=1e-4), f"exported CLI differs by {np.abs(got - want).max()}"
assert (got.reshape(-1, 10).argmax(1) == want.reshape(-1, 10).argmax(1)).all()
svg = ET.parse(f"{out}/curves.svg").getroot()
assert svg.tag.endswith("svg"), svg.tag
lines = [e for e in svg.iter() if e.tag.endswith("polyline") and e.get("points", "").strip()]
assert len(lines) >= 3, "curves.svg has no curves"
rows = open(f"{out}/history.csv").read().splitlines()
assert rows[0] == "epoch,seconds,mean_loss,test_accuracy" and len(rows) >= 2, rows
print(f"check_example: exported CLI matches slope on {got.size // 10} images "
      f"(max |diff| {np.abs(got - want).max():.2g}); curves.svg has {len(lines)} curves; "
      f"history.csv has {len(rows) - 1} epoch(s)")
PY
