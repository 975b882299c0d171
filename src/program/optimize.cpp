// optimize: the pass pipeline jit runs on a traced program before a backend compiles it.
// Inlining first, so the other passes see through calls; folding before CSE, so constants that
// became equal merge; dead code last, to drop what the others left unused.
#include "slope/program.h"

namespace slope {

Program optimize(const Program& p) {
  Program q = eliminate_dead_code(eliminate_common_subexpressions(fold_constants(inline_calls(p))));
  typecheck(q);
  return q;
}

}  // namespace slope
