// inline_calls: replaces every `call` instruction by its body's operations, because the code
// generators compile flat programs (a jit inside a jit, checkpoint, custom rules). The program is
// staged again through an interpreter that, instead of recording a call, runs its body, whose
// operations (and nested calls, in turn) are then recorded; the walk over the program stays
// iterative, only the nesting of calls recurses.
#include "inlining.h"

#include "traces/tracers.h"

namespace slope {

bool is_call(Prim p) { return p == Prim::call; }

const CallBody* called_body(Prim p, const Params& params) {
  if (!is_call(p)) return nullptr;
  const auto* c = std::get_if<CallParams>(&params);
  return c ? c->body.get() : nullptr;
}

namespace {

class InliningInterpreter final : public StagingInterpreter {
 public:
  using StagingInterpreter::StagingInterpreter;
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override {
    const CallBody* body = called_body(p, params);
    if (!body) return StagingInterpreter::process(p, in, params, out);
    std::vector<Tensor> r = body->eval(in);
    check(r.size() == out.size(), "call", "body ", body->name(), " returned ", r.size(), " outputs, expected ",
          out.size());
    for (size_t i = 0; i < r.size(); ++i) out[i] = r[i];
  }
};

}  // namespace

Program inline_calls(const Program& p) {
  bool any = false;
  for (const Instruction& ins : p.instructions) any |= is_call(ins.prim);
  if (!any) return p;
  std::vector<AVal> in;
  for (int v : p.inputs) in.push_back(p.vars[v]);
  InliningInterpreter s(&eval_interpreter());
  Program q = stage(s, [&](const std::vector<Tensor>& xs) { return p.run(xs); }, in);
  q.name = p.name;
  return q;
}

}  // namespace slope
