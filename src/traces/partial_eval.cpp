// The partial-evaluation interpreter (linearize; autodidax's PartialEvalTrace): an operation that
// touches one of its values is recorded into a Program, any other runs in the parent
// (known = not staged). linearize stages the tangent half of a jvp this way; transposing that
// program (program/transpose.cpp) gives vjp.
#include "tracers.h"

namespace slope {

void PartialEvalInterpreter::process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  bool staged = false;
  for (auto& t : in) staged |= owns(t);
  if (!staged) {
    InterpreterScope scope(*parent());
    bind(p, in, params, out);
    return;
  }
  Instruction instr{p, params, {}, {}, detail::current_op()};
  for (auto& t : in) {
    check(t.defined(), slope::name(p), "operand is an empty Tensor handle");
    instr.inputs.push_back(atom(t));
  }
  record(std::move(instr), in, out);
}

}  // namespace slope
