#!/usr/bin/env python3
"""ctest `readme`: the code in README.md and docs/*.md compiles and runs as printed, and every output
they show is what the code prints now.

A Markdown file marks what is checked with an HTML comment on the line before a fenced block:

  <!-- snippet: NAME -->                 C++ that must compile and run. A complete program (it has
                                         `int main(`) is built as is; any other block is a fragment,
                                         pasted verbatim where tests/readme/<prelude>.cpp has the line
                                         `//@README NAME@`. A prelude defines only what its fragments
                                         use and do not define (a model, a batch, ...) and prints what
                                         the docs show of it. NAMEs are unique over all the files.
  <!-- snippet: FILE NAME -->            a quote: the block is FILE's lines between `// [snippet:NAME]`
                                         and `// [/snippet:NAME]`, dedented (FILE relative to the
                                         source tree; e.g. docs/training.md quotes the examples).
  <!-- output: NAME -->                  the exact stdout of program NAME (a prelude tests/readme/NAME.cpp
                                         or a complete snippet), or of examples/NAME.cpp. The block
                                         may also be a Markdown table (its `|` lines).
  <!-- output-excerpt: NAME -->          consecutive lines of that stdout (long generated code).
  <!-- output-lines: NAME -->            lines of that stdout in order; a line `...` elides lines,
                                         `...` inside a line stands for any text.
  <!-- not-compiled: REASON -->          C/C++ that is not a program (a signature excerpt, a template
                                         with `...` for the part a reader writes): says why.
  <!-- not-output: REASON -->            a plain block that is not something slope prints (a diagram).
  <!-- recorded: REASON -->              a transcript that cannot be regenerated here (timed runs, the
                                         full Fashion-MNIST training): REASON names the run, machine
                                         and date (YYYY-MM-DD).

Unmarked ```cpp/```c blocks are errors, and so are unmarked plain blocks that look like something
slope prints (a Program, an `[op]` error, a tensor, generated code), so nothing shown drifts.

A fragment's `#include` lines go to the top of its file (a reader puts them there too). A fragment
line that ends in a comment of numbers only, `expr;  // 1.1176620` or `auto [a, b] = ...;  // 1.5, 2`,
is followed by a check that the expression (or each bound name) rounds to that number. The prelude
of the `jit` snippet writes the step's inputs and outputs (readme_check.h); the folder the snippet
exports is then built with CMake alone and its CLI must reproduce those outputs byte for byte.

Everything is built as an outside project against an install of the current build (like ctest
`package`), one target per program so a broken snippet is named in the failure.

--update rewrites the output, output-excerpt and quote blocks that differ from what the code prints
(an excerpt is re-cut from the printed line equal to its first line to the one equal to its last
line nearest its old length); an output-lines block that no longer matches is reported, to be edited
by hand. `cmake --build build --target update_docs` runs it on the source tree.
"""
import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys

MARK = re.compile(r"^<!--\s*(snippet|output|output-excerpt|output-lines):\s*([A-Za-z0-9_/]+)\s*-->\s*$")
QUOTE = re.compile(r"^<!--\s*snippet:\s*(\S+\.\w+)\s+([A-Za-z0-9_]+)\s*-->\s*$")
NOTE = re.compile(r"^<!--\s*(not-compiled|not-output|recorded):\s*(.*?)\s*-->\s*$")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CODE_LANGS = {"cpp", "c++", "c", "cc", "h"}
# Text slope prints: a Program's def line or instruction, an `[op]` error, a tensor, generated code.
LOOKS_PRINTED = re.compile(r"^def \w+\(.*\): #|^\s+z\d+ = \w+\(|^\[[a-z_]+\] \S|tensor\(\[|^extern \"C\"|"
                           r"\[\[gnu::noinline\]\]", re.M)
RESET = object()  # in a prelude's lines: back to the generated file's own line numbers
PLACE = re.compile(r"^\s*//@README ([A-Za-z0-9_]+)@\s*$")
NUM = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
VALUE_LINE = re.compile(r"^(?P<stmt>.*;)\s*//\s*(?P<vals>" + NUM + r"(?:\s*,\s*" + NUM + r")*)\s*$")
BINDING = re.compile(r"^\s*auto\s*\[(?P<names>[^\]]+)\]\s*=")

# What the jit snippet's comments and the prose after it promise about its printed text.
JIT_PROMISES = ["def train_step(", "slope_train_step_compute"]

failures = []


def fail(what, detail=""):
    failures.append(what)
    print(f"[readme] FAILED: {what}" + (f"\n{detail}" if detail else ""), flush=True)


class Block:
    """A fenced block and its marker: kind (snippet, quote, output..., not-compiled, not-output,
    recorded), name (or FILE NAME for a quote, the reason for a note), its text, the Markdown file,
    the line of its first body line, and the indices of its fences (for --update)."""

    def __init__(self, kind, name, text, doc, first, fences):
        self.kind, self.name, self.text, self.doc, self.first, self.fences = kind, name, text, doc, first, fences

    def where(self):
        return f"{self.doc.rel} line {self.first}"


class Doc:
    def __init__(self, path, rel):
        self.path, self.rel = path, rel
        self.lines = open(path, encoding="utf-8").read().split("\n")
        self.blocks = []


def parse_doc(path, rel):
    """A Doc with every marked fenced block. Exits on an unmarked C/C++ block, an unmarked block
    that looks printed, a marker not followed by a block, or a `recorded` block with no date."""
    doc = Doc(path, rel)
    lines = doc.lines

    def stop(i, msg):
        sys.exit(f"[readme] {rel} line {i + 1}: {msg}")

    marker = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARK.match(line) or QUOTE.match(line) or NOTE.match(line)
        if m:
            kind, name = m.groups()
            table = kind.startswith("output") and i + 1 < len(lines) and lines[i + 1].startswith("|")
            if not table and (i + 1 >= len(lines) or not lines[i + 1].startswith("```")):
                stop(i, f"the marker '{line.strip()}' is not followed by a ``` block" +
                     (" or a | table" if kind.startswith("output") else ""))
            marker = ("quote" if m.re is QUOTE else kind, name if m.re is not QUOTE else f"{kind} {name}")
            i += 1
            continue
        if marker is not None and line.startswith("|"):  # a Markdown table that a program prints
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            doc.blocks.append(Block(marker[0], marker[1], "\n".join(lines[i:j]) + "\n", doc, i + 1, (i - 1, j)))
            marker = None
            i = j
            continue
        if not line.startswith("```"):
            i += 1
            continue
        lang = line[3:].strip().lower()
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            stop(i, "a ``` block that is never closed")
        text = "\n".join(lines[i + 1:j]) + "\n"
        if marker is None:
            if lang in CODE_LANGS:
                stop(i, f"a ```{lang} block with no marker: mark it <!-- snippet: NAME --> (compiled and run) "
                        "or <!-- not-compiled: why -->")
            if lang in ("", "text") and LOOKS_PRINTED.search(text):
                stop(i, "a block that looks like something slope prints, with no marker: mark it "
                        "<!-- output: NAME --> (or output-excerpt/output-lines), <!-- recorded: run, date -->, "
                        "or <!-- not-output: why -->")
        else:
            kind, name = marker
            if kind == "snippet" and lang != "cpp":
                stop(i, f"the snippet '{name}' is a ```{lang} block, not ```cpp")
            if kind == "recorded" and not DATE.search(name):
                stop(i - 1, "a recorded block must say which run, machine and date (YYYY-MM-DD) it comes from")
            if kind in ("not-compiled", "not-output", "recorded") and not name:
                stop(i - 1, f"<!-- {kind}: --> needs a reason")
            doc.blocks.append(Block(kind, name, text, doc, i + 2, (i, j)))
        marker = None
        i = j + 1
    return doc


def value_checks(line):
    """C++ statements checking the numbers in `line`'s trailing comment, or []."""
    m = VALUE_LINE.match(line)
    if not m:
        return []
    vals = [v.strip() for v in m.group("vals").split(",")]
    stmt = m.group("stmt")
    b = BINDING.match(stmt)
    exprs = [n.strip() for n in b.group("names").split(",")] if b else [stmt.rstrip(";").strip()]
    if len(exprs) != len(vals):
        sys.exit(f"[readme] cannot match the values {vals} to {exprs} in: {line}")
    return [f'readme_value("{v}", {e});' for e, v in zip(exprs, vals)]


def fragment_lines(block):
    """A fragment's lines (verbatim) with its value checks after them, and its #include lines.
    #line directives make the compiler report the Markdown file's own line numbers."""
    first, doc = block.first, block.doc.path
    body, includes = [f'#line {first} "{doc}"'], []
    for n, line in enumerate(block.text.rstrip("\n").split("\n")):
        if line.lstrip().startswith("#include"):
            includes.append(line)
            continue
        body.append(line)
        checks = value_checks(line)
        if checks:
            body += checks + [f'#line {first + n + 1} "{doc}"']
    return body, includes


def programs(snippets, prelude_dir, src_dir):
    """{program name: C++ source}: preludes with their fragments pasted in, and complete snippets."""
    used, out = set(), {}
    for fname in sorted(os.listdir(prelude_dir)):
        if not fname.endswith(".cpp"):
            continue
        head, body = [], []
        for line in open(os.path.join(prelude_dir, fname), encoding="utf-8").read().rstrip("\n").split("\n"):
            m = PLACE.match(line)
            if not m:
                body.append(line)
                continue
            name = m.group(1)
            if name not in snippets:
                sys.exit(f"[readme] tests/readme/{fname} pastes '{name}', which no document marks as a snippet")
            used.add(name)
            lines, includes = fragment_lines(snippets[name])
            head += includes
            body += [f"// ---- {snippets[name].where()}: snippet '{name}'"] + lines + [RESET, f"// ---- end of '{name}'"]
        lines = head + body
        gen = os.path.join(src_dir, fname)
        out[fname[:-4]] = "\n".join(f'#line {i + 2} "{gen}"' if l is RESET else l for i, l in enumerate(lines)) + "\n"
    for name, block in snippets.items():
        if name in used:
            continue
        if "int main(" not in block.text:
            sys.exit(f"[readme] snippet '{name}' ({block.where()}) is a fragment but no tests/readme/*.cpp pastes it")
        out[name] = f'#line {block.first} "{block.doc.path}"\n' + block.text
    return out


def region(path, name):
    """The lines of `path` between `// [snippet:NAME]` and `// [/snippet:NAME]`, dedented, or None."""
    import textwrap
    lines = open(path, encoding="utf-8").read().split("\n")
    stripped = [l.strip() for l in lines]
    try:
        begin = stripped.index(f"// [snippet:{name}]")
        end = stripped.index(f"// [/snippet:{name}]", begin)
    except ValueError:
        return None
    return textwrap.dedent("\n".join(lines[begin + 1:end]) + "\n")


def run(cmd, cwd=None, what=None):
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        r = subprocess.CompletedProcess(cmd, 127, str(e))
    if r.returncode != 0:
        if what:
            fail(what, f"$ {' '.join(cmd)}\n{r.stdout[-6000:]}")
        else:
            sys.exit(f"[readme] command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-6000:]}")
    return r


def check_values(prog, stdout):
    for line in stdout.split("\n"):
        if not line.startswith("README-VALUE "):
            continue
        _, want, got = line.split()
        decimals = len(want.split(".")[1]) if "." in want else 0
        shown = f"{float(got):.{decimals}f}"
        if shown != want:
            fail(f"{prog}: README says {want}, the code gives {shown} ({got})")


def check_export(work, stdout):
    """The jit snippet's export folder builds alone and its CLI reproduces the jitted outputs."""
    counts = dict(re.findall(r"^README-FILES (\S+) (\d+)$", stdout, re.M))
    if set(counts) != {"readme_in", "readme_want"}:
        return fail("jit: the prelude did not write the step's inputs and outputs")
    folder = os.path.join(work, "run", "train_step_export")
    exe = os.path.join(folder, "build", "train_step_run")
    if not os.path.isdir(folder):
        return fail("jit: low.export_to(\"train_step_export\") wrote no folder train_step_export/")
    files = ["train_step.cpp", "train_step.h", "train_step_constants.bin", "train_step_run.cpp", "CMakeLists.txt"]
    missing = [f for f in files if not os.path.exists(os.path.join(folder, f))]
    if missing:
        return fail(f"jit: the export has no {', '.join(missing)} (the README says its files are named after the jit)",
                    "it has: " + ", ".join(sorted(os.listdir(folder))))
    if run(["cmake", "-S", folder, "-B", os.path.join(folder, "build"), "-DCMAKE_BUILD_TYPE=Release"],
           what="jit: configuring the exported folder").returncode != 0:
        return
    if run(["cmake", "--build", os.path.join(folder, "build")], what="jit: building the exported folder").returncode:
        return
    run_dir = os.path.join(work, "run")
    ins = [f"readme_in{i}.bin" for i in range(int(counts["readme_in"]))]
    outs = [f"readme_out{i}.bin" for i in range(int(counts["readme_want"]))]
    if run([exe] + ins + ["--"] + outs, cwd=run_dir, what="jit: running the exported CLI").returncode:
        return
    for i, o in enumerate(outs):
        if not filecmp.cmp(os.path.join(run_dir, o), os.path.join(run_dir, f"readme_want{i}.bin"), shallow=False):
            fail(f"jit: the exported CLI's output {i} differs from the jitted step's")
    print(f"[readme] jit: train_step_export/ built alone; its CLI gave the jitted step's {len(outs)} outputs", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--readme", required=True)
    ap.add_argument("--docs-dir", help="a folder whose *.md files are checked like the README")
    ap.add_argument("--source-dir", required=True, help="slope's source tree (for examples/ and quotes)")
    ap.add_argument("--build-dir", required=True, help="slope's build tree, installed into the work dir")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--build-type", default="Release")
    ap.add_argument("--generator", default="Unix Makefiles")
    ap.add_argument("--update", action="store_true", help="rewrite the blocks that differ from the code")
    a = ap.parse_args()
    for d in ("readme", "source_dir", "build_dir", "work_dir"):
        setattr(a, d, os.path.abspath(getattr(a, d)))
    here = os.path.dirname(os.path.abspath(__file__))

    paths = [a.readme]
    if a.docs_dir:
        paths += sorted(os.path.join(a.docs_dir, f) for f in os.listdir(a.docs_dir) if f.endswith(".md"))
    docs = [parse_doc(p, os.path.relpath(p, a.source_dir)) for p in paths]
    blocks = [b for d in docs for b in d.blocks]
    snippets = {}
    for b in blocks:
        if b.kind == "snippet":
            if b.name in snippets:
                sys.exit(f"[readme] two snippets are called '{b.name}': {snippets[b.name].where()} and {b.where()}")
            snippets[b.name] = b
    src = os.path.join(a.work_dir, "src")
    progs = programs(snippets, here, src)
    outputs = [b for b in blocks if b.kind.startswith("output")]
    examples = sorted({b.name.split("/", 1)[1] for b in outputs if b.name.startswith("examples/")})
    for b in outputs:
        if b.name not in progs and not b.name.startswith("examples/"):
            sys.exit(f"[readme] {b.where()} shows the output of '{b.name}', which is neither a snippet nor examples/NAME")

    for b in blocks:
        if b.kind == "quote":
            check_quote(b, a.source_dir, a.update)

    shutil.rmtree(a.work_dir, ignore_errors=True)
    os.makedirs(src)
    os.makedirs(os.path.join(a.work_dir, "run"))
    prefix = os.path.join(a.work_dir, "prefix")
    run(["cmake", "--install", a.build_dir, "--prefix", prefix])
    cml = ["cmake_minimum_required(VERSION 3.20)", "project(readme_snippets LANGUAGES CXX)",
           "set(CMAKE_CXX_STANDARD 20)", "set(CMAKE_CXX_STANDARD_REQUIRED ON)", "find_package(slope REQUIRED)"]
    targets = {}
    for name, text in progs.items():
        open(os.path.join(src, name + ".cpp"), "w", encoding="utf-8").write(text)
        targets[name] = f"src/{name}.cpp"
    for ex in examples:
        targets["example_" + ex] = os.path.join(a.source_dir, "examples", ex + ".cpp")
    for t, path in targets.items():
        cml += [f'add_executable({t} "{path}")', f"target_link_libraries({t} PRIVATE slope::slope)",
                f'target_include_directories({t} PRIVATE "{here}")']
    open(os.path.join(a.work_dir, "CMakeLists.txt"), "w").write("\n".join(cml) + "\n")
    build = os.path.join(a.work_dir, "build")
    run(["cmake", "-S", a.work_dir, "-B", build, "-G", a.generator, f"-DCMAKE_CXX_COMPILER={a.cxx}",
         f"-DCMAKE_BUILD_TYPE={a.build_type}", f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"])

    stdout = {}
    for t in targets:
        what = f"snippet '{t}' does not compile as printed" if t in progs else f"{targets[t]} does not compile"
        if run(["cmake", "--build", build, "--target", t], what=what).returncode:
            continue
        args = [os.path.join(a.work_dir, "run", "jit_export_out")] if t == "example_jit_export" else []
        r = subprocess.run([os.path.join(build, t)] + args, cwd=os.path.join(a.work_dir, "run"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"{t} exits with {r.returncode}", r.stderr[-4000:])
            continue
        print(f"[readme] {t}: compiled and ran", flush=True)
        stdout[t.replace("example_", "examples/", 1)] = r.stdout
        check_values(t, r.stdout)
        if t == "jit":
            for p in JIT_PROMISES:
                if p not in r.stdout:
                    fail(f"jit: the snippet's printout has no '{p}'")
            check_export(a.work_dir, r.stdout)

    for b in outputs:
        if b.name in stdout:
            check_output(b, stdout[b.name], a.update)

    if a.update:
        for d in docs:
            write_updates(d)
    if failures:
        print(f"[readme] {len(failures)} failure(s)")
        return 1
    print(f"[readme] ok: {len(docs)} documents, {len(progs)} programs, {len(examples)} examples, "
          f"{len(outputs)} outputs, {sum(b.kind == 'quote' for b in blocks)} quotes")
    return 0


def check_quote(b, source_dir, update):
    file, name = b.name.split()
    want = region(os.path.join(source_dir, file), name)
    if want is None:
        return fail(f"{b.where()} quotes {file} [{name}], which has no // [snippet:{name}] ... // [/snippet:{name}]")
    if want == b.text:
        return
    if update:
        b.new_text = want
        print(f"[readme] {b.where()}: updated the quote of {file} [{name}]", flush=True)
    else:
        fail(f"{b.where()} is not {file} [{name}] (run the update_docs target)", diff(b.text, want))


def check_output(b, got, update):
    where = f"{b.where()}: the {b.kind} block of '{b.name}'"
    want = b.text
    if b.kind == "output" and got.rstrip("\n") != want.rstrip("\n"):
        new = got.rstrip("\n") + "\n"
    elif b.kind == "output-excerpt" and want.rstrip("\n") + "\n" not in got:
        new = recut_excerpt(want, got)
    elif b.kind == "output-lines" and (missing := unmatched_line(want, got)) is not None:
        return fail(f"{where}: line {b.first + missing} is not printed (in this order); edit it by hand",
                    want.split("\n")[missing] + "\n" + diff(want, got))
    else:
        return print(f"[readme] {where}: as printed", flush=True)
    if update and new is not None:
        b.new_text = new
        print(f"[readme] {where}: updated", flush=True)
    elif update:
        fail(f"{where}: no printed line is its first or last line, so it cannot be re-cut; edit it by hand",
             diff(want, got))
    else:
        fail(f"{where} is not what it prints (run the update_docs target)", diff(want, got))


def recut_excerpt(want, got):
    """The printed lines from the one equal to the excerpt's first line to the one equal to its last
    line nearest the excerpt's length, or None."""
    w, g = want.rstrip("\n").split("\n"), got.rstrip("\n").split("\n")
    for s in (i for i, l in enumerate(g) if l == w[0]):
        ends = [j for j in range(s, len(g)) if g[j] == w[-1]]
        if ends:
            e = min(ends, key=lambda j: abs(j - s - (len(w) - 1)))
            return "\n".join(g[s:e + 1]) + "\n"
    return None


def write_updates(doc):
    changed = [b for b in doc.blocks if hasattr(b, "new_text")]
    if not changed:
        return
    lines = list(doc.lines)
    for b in sorted(changed, key=lambda b: -b.fences[0]):
        lines[b.fences[0] + 1:b.fences[1]] = b.new_text.rstrip("\n").split("\n")
    open(doc.path, "w", encoding="utf-8").write("\n".join(lines))
    print(f"[readme] rewrote {len(changed)} block(s) of {doc.rel}", flush=True)


def unmatched_line(want, got):
    """Index of the first README line that no later printed line matches, or None. `...` in a
    line stands for any text; lines left out between two shown lines are allowed (elisions)."""
    printed = got.split("\n")
    at = 0
    for k, line in enumerate(want.rstrip("\n").split("\n")):
        if line.strip() == "...":
            continue
        pattern = re.compile(".*".join(re.escape(p) for p in line.rstrip().split("...")))
        while at < len(printed) and not pattern.fullmatch(printed[at].rstrip()):
            at += 1
        if at == len(printed):
            return k
        at += 1
    return None


def diff(want, got):
    import difflib
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "shown", "printed"))


if __name__ == "__main__":
    sys.exit(main())
