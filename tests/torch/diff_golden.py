#!/usr/bin/env python3
"""Compares two generated golden directories case by case (by name): which cases were added or removed,
and which shared cases differ in their input, cotangent, output or gradient bytes.

    /usr/bin/python3 tests/torch/diff_golden.py OLD_DIR NEW_DIR

Inputs depend only on a case's name (gen_golden.py seeds each case from it), so adding a case must
leave every other case's tensors byte-identical; this is how to check it.
"""
import json
import os
import sys


def load(d):
    with open(os.path.join(d, "cases.json")) as fh:
        cases = {c["name"]: c for c in json.load(fh)["cases"]}
    with open(os.path.join(d, "data.bin"), "rb") as fh:
        return cases, fh.read()


def tensors(c, data, field):
    return [(t["dtype"], t["shape"], data[t["offset"]:t["offset"] + t["nbytes"]]) for t in c.get(field, [])]


def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} OLD_DIR NEW_DIR")
    (a, da), (b, db) = load(sys.argv[1]), load(sys.argv[2])
    added, removed = sorted(set(b) - set(a)), sorted(set(a) - set(b))
    changed = []
    for name in sorted(set(a) & set(b)):
        fields = [f for f in ("inputs", "cotangents", "outputs", "grads")
                  if tensors(a[name], da, f) != tensors(b[name], db, f)]
        if fields:
            changed.append(f"{name} ({', '.join(fields)})")
    print(f"{len(set(a) & set(b))} shared cases, {len(added)} added, {len(removed)} removed, "
          f"{len(changed)} shared cases with different tensors")
    for title, names in (("added", added), ("removed", removed), ("changed", changed)):
        for n in names:
            print(f"  {title}: {n}")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
