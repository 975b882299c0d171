// Prelude of docs/jit_codegen.md's snippets: the names example needs a function to jit (and its
// names are checked); the program example needs x and w, and prints what the doc shows of it
// (program(), then code()); the strict-mode example prints its error. It runs last: it leaves the
// compiler broken.
#include <slope/slope.h>

#include <cstdlib>
#include <iostream>
#include <tuple>

using slope::Tensor;

Tensor train_step(const Tensor& x) { return x * x; }

int main() {
  {
    //@README jit_names@
    // What the snippet's comments say: the given name, the function's spelling, jit_<file>_<line>.
    if (step.name() != "train_step" || same.name() != "train_step" || anon.name().rfind("jit_", 0) != 0) return 1;
  }
  {
    Tensor x = slope::random::normal(slope::random::key(0), {200, 100});
    Tensor w = slope::random::normal(slope::random::key(1), {200, 3});
    //@README jit_codegen@
    std::cout << low.program() << "\n" << low.code();
  }
  {
    //@README jit_strict@
  }
  return 0;
}
