#!/usr/bin/env python3
"""Checks the library's shape: layers point down, files stay small, the library stays within budget.

    python3 scripts/check_layers.py            # from anywhere; exits 1 and names every violation

1. Layers. docs/architecture.md lists the layers bottom first, in the fenced block after the line
   `<!-- layers: ... -->`: one layer per line, `name: pattern pattern ...`, where a pattern is a path
   glob relative to the repository (`*` stays inside a folder, `**` crosses folders, `{a,b}` lists
   alternatives). Every file of src/ and include/ must match exactly one layer, and every
   `#include "..."` in it must name a file of the same layer or one below. The list lives in the
   document so the picture a reader sees and the rule CI enforces are the same text.
2. Size. No source file (src/, include/, tests/, examples/, bench/, fuzz/, scripts/) has more than
   MAX_LINES lines: a file that long holds more than one concept.
3. Budget. src/ + include/ together stay within LIBRARY_BUDGET lines (tinygrad keeps such a budget):
   growth has to be argued for by raising the number here, in review.
"""
import fnmatch
import os
import re
import sys

MAX_LINES = 800
LIBRARY_BUDGET = 23000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_EXT = (".h", ".cpp", ".def", ".py", ".sh")
SIZE_DIRS = ("src", "include", "tests", "examples", "bench", "fuzz", "scripts")
# Headers that CMake writes into the build tree (they are not in src/ or include/).
GENERATED = {"slope_jit_config.h", "slope_jit_preamble.h"}


def expand_braces(pattern):
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    out = []
    for alt in m.group(1).split(","):
        out += expand_braces(pattern[:m.start()] + alt + pattern[m.end():])
    return out


def glob_regex(pattern):
    # `**/` crosses folders (zero or more), `*` stays inside one.
    rx = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            rx += "(?:[^/]+/)*"
            i += 3
        elif pattern.startswith("**", i):
            rx += ".*"
            i += 2
        elif pattern[i] == "*":
            rx += "[^/]*"
            i += 1
        else:
            rx += re.escape(pattern[i])
            i += 1
    return re.compile(rx + r"\Z")


def read_layers():
    text = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    m = re.search(r"<!-- layers:[^\n]*-->\s*\n```[a-z]*\n(.*?)\n```", text, re.S)
    if not m:
        sys.exit("check_layers: docs/architecture.md has no `<!-- layers: ... -->` block")
    layers = []
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        name, _, pats = line.partition(":")
        rxs = [glob_regex(p) for raw in pats.split() for p in expand_braces(raw)]
        layers.append((name.strip(), rxs))
    return layers


def files_under(dirs, exts):
    for d in dirs:
        for base, subdirs, files in os.walk(os.path.join(ROOT, d)):
            subdirs[:] = sorted(s for s in subdirs if not s.startswith("build"))
            for f in sorted(files):
                if f.endswith(exts):
                    yield os.path.relpath(os.path.join(base, f), ROOT)


def line_count(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return sum(1 for _ in f)


def resolve(include, from_file):
    # The build's include path: the including file's folder, then src/, then include/.
    for base in (os.path.dirname(from_file), "src", "include"):
        p = os.path.normpath(os.path.join(base, include))
        if os.path.isfile(os.path.join(ROOT, p)):
            return p
    return None


def main():
    layers = read_layers()
    problems = []

    def layer_of(path):
        hits = [i for i, (_, rxs) in enumerate(layers) if any(rx.match(path) for rx in rxs)]
        if len(hits) != 1:
            where = "no layer" if not hits else "layers " + ", ".join(layers[i][0] for i in hits)
            problems.append(f"{path}: matches {where} of docs/architecture.md (exactly one expected)")
            return None
        return hits[0]

    library = list(files_under(("src", "include"), (".h", ".cpp", ".def")))
    for path in library:
        mine = layer_of(path)
        if mine is None:
            continue
        for n, line in enumerate(open(os.path.join(ROOT, path), encoding="utf-8"), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m or os.path.basename(m.group(1)) in GENERATED:
                continue
            target = resolve(m.group(1), path)
            if target is None:
                problems.append(f"{path}:{n}: includes \"{m.group(1)}\", which is not a file of src/ or include/")
                continue
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                problems.append(f"{path}:{n}: layer '{layers[mine][0]}' includes {target} of the higher layer "
                                f"'{layers[theirs][0]}' (layers point down: docs/architecture.md)")

    for path in files_under(SIZE_DIRS, SOURCE_EXT):
        n = line_count(path)
        if n > MAX_LINES:
            problems.append(f"{path}: {n} lines, more than {MAX_LINES}: split it by concept")

    total = sum(line_count(p) for p in library)
    if total > LIBRARY_BUDGET:
        problems.append(f"src/ + include/ have {total} lines, over the budget of {LIBRARY_BUDGET} "
                        "(scripts/check_layers.py LIBRARY_BUDGET)")

    for p in problems:
        print("check_layers:", p)
    print(f"check_layers: {len(library)} library files in {len(layers)} layers, {total} lines "
          f"(budget {LIBRARY_BUDGET}); {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
