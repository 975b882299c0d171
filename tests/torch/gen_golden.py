#!/usr/bin/env python3
"""Writes the PyTorch golden files that tests/test_torch_ops.cpp checks slope against.

    /usr/bin/python3 tests/torch/gen_golden.py OUTDIR

OUTDIR/cases.json lists the cases; OUTDIR/data.bin holds every tensor's raw little-endian bytes.
A case is {name, op, inputs: [tensor], kwargs, outputs: [tensor] | error: true, rtol, atol, why?}
where a tensor is {dtype, shape, offset, nbytes}. `op` names an entry of the C++ dispatch table;
kwargs are plain JSON (C++ scalars are {"kind": "int"|"float"|"bool", "v": value}; non-finite floats
are the strings "inf", "-inf", "nan"). A case whose torch call raises records "error": true and the
C++ side expects slope::Error.

Each case draws its random inputs (and its gradient's cotangents) from a generator seeded by a stable
hash of the case's own name, so the files are identical on every run (CI regenerates them before the
tests; nothing is committed) and adding, removing or reordering cases never changes another case's
inputs. Expected values are torch's, except where a case says `why` (a documented slope deviation, or
numpy where torch lacks the feature, e.g. negative steps).

The cases live in the golden/ package next to this file, one op family per file (elementwise.py,
reductions.py, shapes.py, linalg.py, nn.py, sorting.py, ...); tensors.py draws and stores the tensors,
reference.py says how torch computes each op, tolerances.py and gradients.py give each case its
tolerances and its gradient, case.py records a case, skips.py lists the cases torch cannot compute.
"""
import json
import os
import sys

import torch

from golden import edges, elementwise, half, linalg, medium, nn, reductions, shapes, sorting, spellings, sweep
from golden.gradients import GRAD_NONE
from golden.reference import TORCH
from golden.skips import SKIPPED, stale
from golden.tensors import S
from golden.tolerances import EXACT, tolerance_table

# The case families, run in this order: it fixes each case's place in cases.json and its offsets in data.bin
# (a case's tensors depend only on its name).
FAMILIES = (elementwise.unary_cases, elementwise.binary_cases, reductions.reduction_cases, shapes.shape_cases,
            shapes.index_cases, linalg.matmul_cases, shapes.creation_cases, nn.nn_cases, medium.medium_cases,
            sweep.sweep_cases, edges.extra_edge_cases, edges.kink_cases,
            elementwise.trig_cases, nn.activation_cases, reductions.cumprod_cases, reductions.norm_cases,
            linalg.diag_trace_outer_cases, nn.loss_cases, nn.group_norm_cases,
            sorting.sort_cases, sorting.topk_cases, linalg.einsum_cases, nn.interpolate_cases, nn.pool_option_cases,
            spellings.api_cases, half.half_cases)


def main():
    if sys.argv[1:] == ["--tolerances"]:
        print(tolerance_table())
        print("\nexact ops: " + " ".join(sorted(EXACT)))
        return
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for f in FAMILIES:
        f()
    if stale():
        sys.exit(f"gen_golden: EXPECTED_SKIPS lists cases that were not dropped (remove them): {stale()}")
    with open(os.path.join(out, "data.bin"), "wb") as fh:
        fh.write(S.data)
    meta = {"torch_version": torch.__version__, "cases": S.cases}
    tmp = os.path.join(out, "cases.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
    os.replace(tmp, os.path.join(out, "cases.json"))  # the C++ side never sees a half-written file
    ops = {c["op"] for c in S.cases}
    print(f"gen_golden: {len(SKIPPED)} listed cases skipped (torch 1.13 has no kernel): {' '.join(SKIPPED)}")
    print(f"gen_golden: {len(S.cases)} cases over {len(ops)} ops ({sum('error' in c for c in S.cases)} error cases)"
          f" -> {out}")
    gops = {c["op"] for c in S.cases if "grads" in c}
    print(f"gen_golden: torch gradients for {sum('grads' in c for c in S.cases)} cases over {len(gops)} ops")
    for op in sorted(set(TORCH) - gops):
        print(f"gen_golden: no gradient check for {op}: {'; '.join(sorted(GRAD_NONE.get(op, {'no case'})))}")


if __name__ == "__main__":
    main()
