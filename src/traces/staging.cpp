// The staging interpreter: records every operation that touches one of its values into a
// Program and evaluates the rest in its parent (partial evaluation with known = not staged).
// linearize stages the tangent half of a jvp this way; transposing that program gives vjp.
#include "primitives/record.h"
#include "slope/call.h"
#include "slope/primitive_ops.h"
#include "tracers.h"

namespace slope {

Tensor StagingInterpreter::new_input(const AVal& a) {
  int v = program.new_var(a);
  program.inputs.push_back(v);
  return Tensor(std::make_shared<StagedTracer>(this, a, v));
}

Atom StagingInterpreter::atom(const Tensor& t) {
  if (owns(t)) return Atom{static_cast<const StagedTracer*>(t.impl().get())->var, Tensor()};
  if (mode == Mode::partial || !t.defined() || t.is_concrete()) return Atom{-1, t};
  for (size_t i = 0; i < lifted.size(); ++i)
    if (lifted[i].impl() == t.impl()) return Atom{lifted_vars[i], Tensor()};
  int v = program.new_var(t.aval());
  program.inputs.push_back(v);
  lifted.push_back(t);
  lifted_vars.push_back(v);
  return Atom{v, Tensor()};
}

void StagingInterpreter::process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  if (mode == Mode::inline_calls && p == Prim::call) {
    const auto& body = *std::get<CallParams>(params).body;
    std::vector<Tensor> r = body.eval(in);
    check(r.size() == out.size(), "call", "body ", body.name(), " returned ", r.size(), " outputs, expected ", out.size());
    for (size_t i = 0; i < r.size(); ++i) out[i] = r[i];
    return;
  }
  bool staged = mode != Mode::partial;
  for (auto& t : in) staged |= owns(t);
  if (!staged) {
    InterpreterScope scope(*parent());
    bind(p, in, params, out);
    return;
  }
  Instruction instr{p, params, {}, {}, detail::current_op()};
  std::vector<AVal> avals;
  for (auto& t : in) {
    check(t.defined(), slope::name(p), "operand is an empty Tensor handle");
    instr.inputs.push_back(atom(t));
    avals.push_back(t.aval());
  }
  std::vector<AVal> oavals(out.size());
  infer(p, params, avals.data(), avals.size(), oavals.data());
  for (size_t i = 0; i < out.size(); ++i) {
    int v = program.new_var(oavals[i]);
    instr.outputs.push_back(v);
    out[i] = Tensor(std::make_shared<StagedTracer>(this, oavals[i], v));
  }
  program.instructions.push_back(std::move(instr));
}

std::vector<Tensor> transpose_program(const Program& lin, const std::vector<Tensor>& cts_out) {
  std::vector<Tensor> ct(lin.vars.size());
  auto accumulate = [&](int v, const Tensor& c) {
    if (!c.defined()) return;
    ct[v] = ct[v].defined() ? prims::add(ct[v], c) : c;
  };
  for (size_t i = 0; i < lin.outputs.size(); ++i)
    if (lin.outputs[i].is_var()) accumulate(lin.outputs[i].var, cts_out[i]);
  for (size_t k = lin.instructions.size(); k-- > 0;) {
    const Instruction& ins = lin.instructions[k];
    if (ins.prim == Prim::call) {
      const auto& body = *std::get<CallParams>(ins.params).body;
      std::vector<Tensor> couts;
      bool any = false;
      for (int o : ins.outputs) {
        any |= ct[o].defined();
        couts.push_back(ct[o].defined() ? ct[o] : prims::full(lin.vars[o].shape, 0, lin.vars[o].dtype));
        ct[o] = Tensor();
      }
      if (!any) continue;
      check(body.linear(), "vjp", "cannot transpose the call ", body.name(), ": it is not linear");
      std::vector<Tensor> xs;
      for (const Atom& a : ins.inputs) xs.push_back(a.is_var() ? Tensor() : a.value);
      std::vector<Tensor> cins = body.transpose(xs, couts);
      for (size_t i = 0; i < ins.inputs.size(); ++i)
        if (ins.inputs[i].is_var() && i < cins.size() && cins[i].defined()) accumulate(ins.inputs[i].var, cins[i]);
      continue;
    }
    Tensor c = ct[ins.outputs[0]];
    ct[ins.outputs[0]] = Tensor();  // free as we go: programs can be long
    if (!c.defined()) continue;
    check(rules::is_linear(ins.prim), "vjp", "cannot transpose ", slope::name(ins.prim),
          ": it is not linear in its differentiated operands");
    std::vector<Tensor> x(ins.inputs.size());
    std::vector<AVal> avals(ins.inputs.size());
    for (size_t i = 0; i < ins.inputs.size(); ++i) {
      avals[i] = lin.aval(ins.inputs[i]);
      if (!ins.inputs[i].is_var()) x[i] = ins.inputs[i].value;
    }
    std::vector<Tensor> cts(ins.inputs.size());
    rules::transpose(ins.prim, ins.params, x, avals, c, cts);
    for (size_t i = 0; i < ins.inputs.size(); ++i)
      if (ins.inputs[i].is_var()) accumulate(ins.inputs[i].var, cts[i]);
  }
  std::vector<Tensor> res;
  for (int v : lin.inputs) res.push_back(ct[v]);
  return res;
}

}  // namespace slope
