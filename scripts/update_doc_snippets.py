#!/usr/bin/env python3
"""Rewrites the code blocks of docs/*.md that follow a `<!-- snippet: FILE NAME -->` line with the
region of FILE between `// [snippet:NAME]` and `// [/snippet:NAME]` (dedented), the text
tests/test_doc_snippets.cpp requires. Usage: python3 scripts/update_doc_snippets.py [doc.md ...]
Needs no build. `cmake --build build --target update_docs` (tests/readme/check_readme.py --update)
rewrites these quotes in every doc too, and every output the docs show from what the code prints."""
import pathlib
import sys
import textwrap

root = pathlib.Path(__file__).resolve().parent.parent


def region(path, name):
    lines = (root / path).read_text().splitlines()
    stripped = [l.strip() for l in lines]
    begin = stripped.index(f"// [snippet:{name}]")
    end = stripped.index(f"// [/snippet:{name}]", begin)
    return textwrap.dedent("\n".join(lines[begin + 1:end]) + "\n")


def update(doc):
    lines = doc.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].startswith("<!-- snippet: ") and i + 1 < len(lines) and lines[i + 1] == "```cpp":
            path, name = lines[i][len("<!-- snippet: "):].split()[:2]
            j = lines.index("```", i + 2)
            out += ["```cpp"] + region(path, name).splitlines() + ["```"]
            i = j
        i += 1
    doc.write_text("\n".join(out) + "\n")


for d in sys.argv[1:] or [root / "docs" / "training.md"]:
    update(pathlib.Path(d))
