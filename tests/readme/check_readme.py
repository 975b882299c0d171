#!/usr/bin/env python3
"""ctest `readme`: README.md's code compiles and runs as printed, and prints what it says.

README.md marks what is checked with an HTML comment on the line before a fenced block:

  <!-- snippet: NAME -->                 C++ that must compile and run. A complete program (it has
                                         `int main(`) is built as is; any other block is a fragment,
                                         pasted verbatim where tests/readme/<prelude>.cpp has the line
                                         `//@README NAME@`. A prelude defines only what its fragments
                                         use and do not define (a model, a batch, ...).
  <!-- output: NAME -->                  the exact stdout of snippet NAME, or of examples/NAME.cpp.
  <!-- output-excerpt: examples/NAME --> consecutive lines of that example's stdout.

A fragment's `#include` lines go to the top of its file (a reader puts them there too). A fragment
line that ends in a comment of numbers only, `expr;  // 1.1176620` or `auto [a, b] = ...;  // 1.5, 2`,
is followed by a check that the expression (or each bound name) rounds to that number. The prelude
of the `jit` snippet writes the step's inputs and outputs (readme_check.h); the folder the snippet
exports is then built with CMake alone and its CLI must reproduce those outputs byte for byte.

Everything is built as an outside project against an install of the current build (like ctest
`package`), one target per program so a broken snippet is named in the failure.
"""
import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys

MARK = re.compile(r"^<!--\s*(snippet|output|output-excerpt|output-lines):\s*([A-Za-z0-9_/]+)\s*-->\s*$")
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


def parse_readme(path):
    """[(kind, name, block text, README line of its first line)] for every marked fenced block.
    A ```cpp block without a marker is an error: every C++ block of the README is checked."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    i = 0
    in_fence = False
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m and lines[i].startswith("```"):
            if lines[i].startswith("```cpp") and not in_fence:
                sys.exit(f"[readme] README.md line {i + 1}: a C++ block with no <!-- snippet: name --> "
                         "(or output) marker above it: mark it, so that it is checked")
            in_fence = not in_fence
        i += 1
        if not m:
            continue
        kind, name = m.groups()
        if i >= len(lines) or not lines[i].startswith("```"):
            sys.exit(f"[readme] README.md line {i}: the marker '{kind}: {name}' is not followed by a ``` block")
        body = []
        i += 1
        first = i + 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if kind == "snippet" and any(b[:2] == (kind, name) for b in blocks):
            sys.exit(f"[readme] README.md has two snippets called '{name}'")
        blocks.append((kind, name, "\n".join(body) + "\n", first))
    return blocks


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


def fragment_lines(text, first, readme):
    """A fragment's lines (verbatim) with its value checks after them, and its #include lines.
    #line directives make the compiler report README.md's own line numbers."""
    body, includes = [f'#line {first} "{readme}"'], []
    for n, line in enumerate(text.rstrip("\n").split("\n")):
        if line.lstrip().startswith("#include"):
            includes.append(line)
            continue
        body.append(line)
        checks = value_checks(line)
        if checks:
            body += checks + [f'#line {first + n + 1} "{readme}"']
    return body, includes


def programs(snippets, prelude_dir, src_dir, readme):
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
                sys.exit(f"[readme] tests/readme/{fname} pastes '{name}', which README.md does not mark as a snippet")
            used.add(name)
            lines, includes = fragment_lines(*snippets[name], readme)
            head += includes
            body += [f"// ---- README.md snippet '{name}'"] + lines + [RESET, f"// ---- end of '{name}'"]
        lines = head + body
        gen = os.path.join(src_dir, fname)
        out[fname[:-4]] = "\n".join(f'#line {i + 2} "{gen}"' if l is RESET else l for i, l in enumerate(lines)) + "\n"
    for name, (text, first) in snippets.items():
        if name in used:
            continue
        if "int main(" not in text:
            sys.exit(f"[readme] snippet '{name}' is a fragment but no tests/readme/*.cpp pastes it")
        out[name] = f'#line {first} "{readme}"\n' + text
    return out


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
    ap.add_argument("--source-dir", required=True, help="slope's source tree (for examples/)")
    ap.add_argument("--build-dir", required=True, help="slope's build tree, installed into the work dir")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--build-type", default="Release")
    ap.add_argument("--generator", default="Unix Makefiles")
    a = ap.parse_args()
    for d in ("readme", "source_dir", "build_dir", "work_dir"):
        setattr(a, d, os.path.abspath(getattr(a, d)))
    here = os.path.dirname(os.path.abspath(__file__))

    blocks = parse_readme(a.readme)
    snippets = {n: (t, first) for (k, n, t, first) in blocks if k == "snippet"}
    src = os.path.join(a.work_dir, "src")
    progs = programs(snippets, here, src, a.readme)
    examples = sorted({n.split("/", 1)[1] for (k, n, _, _) in blocks if n.startswith("examples/")})
    for (k, n, _, _) in blocks:
        if k.startswith("output") and n not in progs and not n.startswith("examples/"):
            sys.exit(f"[readme] README.md shows the output of '{n}', which is neither a snippet nor examples/{n}")

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

    for (k, n, want, first) in blocks:
        if not k.startswith("output") or n not in stdout:
            continue
        got = stdout[n]
        where = f"README.md line {first}: the {k} block of '{n}'"
        if k == "output" and got.rstrip("\n") != want.rstrip("\n"):
            fail(f"{where} is not what it prints", diff(want, got))
        elif k == "output-excerpt" and want.rstrip("\n") + "\n" not in got:
            fail(f"{where} is not part of what it prints", diff(want, got))
        elif k == "output-lines" and (missing := unmatched_line(want, got)) is not None:
            fail(f"{where}: line {first + missing} is not printed (in this order)",
                 want.split("\n")[missing])
        else:
            print(f"[readme] {where}: as printed", flush=True)

    if failures:
        print(f"[readme] {len(failures)} failure(s)")
        return 1
    print(f"[readme] ok: {len(progs)} README programs and {len(examples)} examples")
    return 0


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
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "README.md", "printed"))


if __name__ == "__main__":
    sys.exit(main())
