#!/usr/bin/env python3
"""ctest `readme_checker`: the rules of check_readme.py itself, on small Markdown files: which
blocks must be marked, how outputs are compared, and what --update rewrites."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_readme as cr  # noqa: E402

FENCE = "```"


class CheckReadme(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="readme-checker-")
        cr.failures.clear()

    def tearDown(self):
        self.dir.cleanup()

    def doc(self, text, name="doc.md"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def parse(self, text):
        return cr.parse_doc(self.doc(text), "doc.md")

    def test_an_unmarked_cpp_block_is_an_error(self):
        with self.assertRaises(SystemExit) as e:
            self.parse(f"Text\n\n{FENCE}cpp\nint x = 1;\n{FENCE}\n")
        self.assertIn("doc.md line 3", str(e.exception))

    def test_an_unmarked_block_that_looks_printed_is_an_error(self):
        for printed in ["def f(x0): # ([3, f32]) -> ([3, f32])\n    return x0",
                        "[load] 'm.safetensors': the file does not match the tree:",
                        "tensor([1., 2.])", "extern \"C\" int slope_f_compute(...) {"]:
            with self.subTest(printed=printed), self.assertRaises(SystemExit):
                self.parse(f"{FENCE}\n{printed}\n{FENCE}\n")

    def test_unmarked_diagrams_and_shell_blocks_are_allowed(self):
        doc = self.parse(f"{FENCE}\neval <- staging <- jvp\n{FENCE}\n\n{FENCE}sh\ncmake --build build\n{FENCE}\n")
        self.assertEqual(doc.blocks, [])

    def test_a_recorded_block_must_name_its_date(self):
        with self.assertRaises(SystemExit):
            self.parse(f"<!-- recorded: a run on some machine -->\n{FENCE}\nEpoch 1 in 1.6 s\n{FENCE}\n")
        doc = self.parse(f"<!-- recorded: a run, 2-core VM, 2026-12-06 -->\n{FENCE}\nEpoch 1 in 1.6 s\n{FENCE}\n")
        self.assertEqual(doc.blocks[0].kind, "recorded")

    def test_a_not_compiled_block_needs_a_reason(self):
        with self.assertRaises(SystemExit):
            self.parse(f"<!-- not-compiled: -->\n{FENCE}cpp\nint f();\n{FENCE}\n")

    def test_a_marker_must_be_followed_by_a_block(self):
        with self.assertRaises(SystemExit):
            self.parse("<!-- output: prog -->\n\ntext\n")

    def test_markers_and_tables(self):
        doc = self.parse(f"<!-- snippet: a -->\n{FENCE}cpp\nint x = 1;\n{FENCE}\n"
                         f"<!-- snippet: examples/x.cpp part -->\n{FENCE}cpp\nint y;\n{FENCE}\n"
                         "<!-- output: prog -->\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n")
        kinds = [(b.kind, b.name, b.first) for b in doc.blocks]
        self.assertEqual(kinds, [("snippet", "a", 3), ("quote", "examples/x.cpp part", 7),
                                 ("output", "prog", 10)])
        self.assertEqual(doc.blocks[2].text, "| a | b |\n|---|---|\n| 1 | 2 |\n")

    def test_an_output_that_differs_fails_and_update_rewrites_it(self):
        text = f"before\n<!-- output: prog -->\n{FENCE}\nold line\n{FENCE}\nafter\n"
        doc = self.parse(text)
        cr.check_output(doc.blocks[0], "new line\nsecond\n", update=False)
        self.assertEqual(len(cr.failures), 1)
        cr.failures.clear()
        cr.check_output(doc.blocks[0], "new line\nsecond\n", update=True)
        cr.write_updates(doc)
        self.assertEqual(cr.failures, [])
        with open(doc.path, encoding="utf-8") as f:
            self.assertEqual(f.read(), f"before\n<!-- output: prog -->\n{FENCE}\nnew line\nsecond\n{FENCE}\nafter\n")

    def test_an_excerpt_is_recut_between_its_first_and_last_lines(self):
        got = "header\nint k0() {\n  a = 1;\n  b = 2;\n}\nint k1() {\n}\n"
        self.assertEqual(cr.recut_excerpt("int k0() {\n  a = 0;\n}\n", got), "int k0() {\n  a = 1;\n  b = 2;\n}\n")
        self.assertIsNone(cr.recut_excerpt("int k9() {\n}\n", got))
        doc = self.parse(f"<!-- output-excerpt: prog -->\n{FENCE}\nint k0() {{\n  a = 1;\n  b = 2;\n}}\n{FENCE}\n")
        cr.check_output(doc.blocks[0], got, update=False)
        self.assertEqual(cr.failures, [])

    def test_output_lines_allow_elisions_but_not_other_text(self):
        self.assertIsNone(cr.unmatched_line("int k0(...) {\n...\n}\n", "int k0(int a) {\n  x;\n}\n"))
        self.assertEqual(cr.unmatched_line("int k0(...) {\n  y;\n", "int k0(int a) {\n  x;\n}\n"), 1)

    def test_a_quote_must_equal_its_region(self):
        src = os.path.join(self.dir.name, "ex.cpp")
        with open(src, "w", encoding="utf-8") as f:
            f.write("int main() {\n  // [snippet:body]\n  int x = 1;\n  // [/snippet:body]\n}\n")
        doc = self.parse(f"<!-- snippet: ex.cpp body -->\n{FENCE}cpp\nint x = 2;\n{FENCE}\n")
        cr.check_quote(doc.blocks[0], self.dir.name, update=False)
        self.assertEqual(len(cr.failures), 1)
        cr.failures.clear()
        cr.check_quote(doc.blocks[0], self.dir.name, update=True)
        cr.write_updates(doc)
        with open(doc.path, encoding="utf-8") as f:
            self.assertIn(f"{FENCE}cpp\nint x = 1;\n{FENCE}", f.read())


if __name__ == "__main__":
    unittest.main()
