// Prelude of docs/jit_codegen.md's snippets: the names example needs a function to jit; the
// program example needs x and w, and prints what the doc shows of it (program(), then code());
// the strict-mode example prints its error. It runs last: it leaves the compiler broken.
#include <slope/slope.h>

#include <cstdlib>
#include <iostream>
#include <tuple>

using slope::Tensor;

Tensor train_step(const Tensor& x) { return x * x; }

int main() {
  {
    //@README jit_names@
    std::cout << step.name() << " " << same.name() << "\n";
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
