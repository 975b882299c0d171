// The staging interpreter (jit's tracing; autodidax's JaxprTrace): every operation is recorded
// into a Program, whatever its operands, so the program is a complete function of its inputs.
// Also how both recording interpreters append an operation (RecordingInterpreter), which
// partial evaluation (partial_eval.cpp) shares.
#include "tracers.h"

namespace slope {

Tensor RecordingInterpreter::new_input(const AVal& a) {
  int v = program.new_var(a);
  program.inputs.push_back(v);
  return Tensor(std::make_shared<StagedTracer>(this, a, v));
}

void RecordingInterpreter::record(Instruction instr, std::span<const Tensor> in, std::span<Tensor> out) {
  std::vector<AVal> avals;
  avals.reserve(in.size());
  for (auto& t : in) avals.push_back(t.aval());
  std::vector<AVal> oavals(out.size());
  infer(instr.prim, instr.params, avals.data(), avals.size(), oavals.data());
  for (size_t i = 0; i < out.size(); ++i) {
    int v = program.new_var(oavals[i]);
    instr.outputs.push_back(v);
    out[i] = Tensor(std::make_shared<StagedTracer>(this, oavals[i], v));
  }
  program.instructions.push_back(std::move(instr));
}

Atom StagingInterpreter::atom(const Tensor& t) {
  if (owns(t)) return Atom{var_of(t), Tensor()};
  if (!t.defined() || t.is_concrete()) return Atom{-1, t};
  for (size_t i = 0; i < lifted.size(); ++i)
    if (lifted[i].impl() == t.impl()) return Atom{lifted_vars[i], Tensor()};
  int v = program.new_var(t.aval());
  program.inputs.push_back(v);
  lifted.push_back(t);
  lifted_vars.push_back(v);
  return Atom{v, Tensor()};
}

void StagingInterpreter::process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  Instruction instr{p, params, {}, {}, detail::current_op()};
  for (auto& t : in) {
    check(t.defined(), slope::name(p), "operand is an empty Tensor handle");
    instr.inputs.push_back(atom(t));
  }
  record(std::move(instr), in, out);
}

Program stage(StagingInterpreter& s, const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
              const std::vector<AVal>& in) {
  std::vector<Tensor> xs;
  for (const AVal& a : in) xs.push_back(s.new_input(a));
  std::vector<Tensor> outs;
  {
    InterpreterScope scope(s);
    outs = f(xs);
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    check(outs[i].defined(), "jit", "the function returned an empty Tensor handle (output leaf ", i, ")");
    s.program.outputs.push_back(s.atom(outs[i]));
  }
  return std::move(s.program);
}

}  // namespace slope
