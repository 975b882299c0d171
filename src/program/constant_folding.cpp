// Constant folding: evaluates small instructions whose operands are all constants, at trace time,
// so the compiled program does not recompute them on every call.
#include "checks.h"
#include "primitives/record.h"
#include "slope/call.h"
#include "slope/interpreter.h"

namespace slope {

Program fold_constants(const Program& p) {
  check_var_ids(p, "fold_constants");
  // Outputs larger than this stay computed at run time: folding would store them in the
  // program (and a compiled kernel makes them about as fast).
  constexpr int64_t kMaxFoldedNumel = 1024;
  Program q;
  q.name = p.name;
  q.vars = p.vars;
  q.inputs = p.inputs;
  std::vector<Tensor> value(p.vars.size());  // the constant a folded var became
  auto subst = [&](const Atom& a) { return a.is_var() && value[a.var].defined() ? Atom{-1, value[a.var]} : a; };
  std::vector<Tensor> args, outs;
  q.instructions.reserve(p.instructions.size());

  for (const Instruction& ins : p.instructions) {
    Instruction cur{ins.prim, ins.params, {}, ins.outputs, ins.op};
    cur.inputs.reserve(ins.inputs.size());
    bool all_const = !ins.inputs.empty();  // full/arange without operands: codegen makes them for free
    for (const Atom& a : ins.inputs) {
      cur.inputs.push_back(subst(a));
      const Atom& b = cur.inputs.back();
      all_const &= !b.is_var() && b.value.defined() && b.value.is_concrete();
    }
    if (const auto* cp = std::get_if<CallParams>(&ins.params); cp && !cp->body) all_const = false;  // malformed: leave it
    bool small = true;
    for (int v : cur.outputs) small &= numel_capped(p.vars[v].shape, kMaxFoldedNumel) <= kMaxFoldedNumel;
    if (!all_const || !small || has_body(ins.prim)) {
      q.instructions.push_back(std::move(cur));
      continue;
    }
    args.clear();
    for (const Atom& a : cur.inputs) args.push_back(a.value);
    bool folded = false;
    try {
      size_t nout = num_outputs(ins.prim, ins.params);
      if (nout == cur.outputs.size()) {
        outs.assign(nout, Tensor());
        {
          // At the root: the constants are concrete, and whatever transformation is running
          // around this pass must not see (or trace) the evaluation.
          InterpreterScope s(eval_interpreter());
          bind(ins.prim, args, ins.params, outs);
        }
        folded = true;
        for (size_t j = 0; j < nout; ++j) folded &= outs[j].defined() && outs[j].aval() == p.vars[cur.outputs[j]];
      }
    } catch (const Error&) {
      // e.g. an integer division by zero or an out-of-range gather index: leave the instruction
      // in place so the program still fails when it runs, exactly as the original would.
      folded = false;
    }
    if (!folded) {
      q.instructions.push_back(std::move(cur));
      continue;
    }
    for (size_t j = 0; j < outs.size(); ++j) value[cur.outputs[j]] = outs[j];
  }
  for (const Atom& a : p.outputs) q.outputs.push_back(subst(a));
  return q;
}

}  // namespace slope
