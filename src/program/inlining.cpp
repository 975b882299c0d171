// inline_calls: replaces every `call` instruction by its body's operations, because the code
// generators compile flat programs (a jit inside a jit, checkpoint, custom rules). The program is
// staged again through an interpreter that, instead of recording a call, runs its body, whose
// operations (and nested calls, in turn) are then recorded; the walk over the program stays
// iterative, only the nesting of calls recurses.
#include "primitives/record.h"
#include "traces/tracers.h"

namespace slope {

namespace {

class InliningInterpreter final : public StagingInterpreter {
 public:
  using StagingInterpreter::StagingInterpreter;
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override {
    if (!has_body(p)) return StagingInterpreter::process(p, in, params, out);
    slope::record(p).run_body(params, in, out);
  }
};

}  // namespace

Program inline_calls(const Program& p) {
  bool any = false;
  for (const Instruction& ins : p.instructions) any |= has_body(ins.prim);
  if (!any) return p;
  std::vector<AVal> in;
  for (int v : p.inputs) in.push_back(p.vars[v]);
  InliningInterpreter s(&eval_interpreter());
  Program q = stage(s, [&](const std::vector<Tensor>& xs) { return p.run(xs); }, in);
  q.name = p.name;
  return q;
}

}  // namespace slope
