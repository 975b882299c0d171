// Transposition of linear Programs: vjp's backward pass (transpose_program, run on the current
// interpreter) and its staged form (transposed_program), the program jit compiles for the
// reverse mode of a lin body. Walked from the last instruction to the first, no recursion.
#include <unordered_map>

#include "primitives/record.h"
#include "slope/primitive_ops.h"
#include "traces/tracers.h"
#include "transformations.h"

namespace slope {

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
    // Every output's cotangent (undefined = zero), freed as we go: programs can be long.
    std::vector<Tensor> couts(ins.outputs.size());
    std::vector<AVal> out_avals(ins.outputs.size());
    bool any = false;
    for (size_t o = 0; o < ins.outputs.size(); ++o) {
      couts[o] = std::move(ct[ins.outputs[o]]);
      ct[ins.outputs[o]] = Tensor();
      out_avals[o] = lin.vars[ins.outputs[o]];
      any |= couts[o].defined();
    }
    if (!any) continue;
    check(is_linear(ins.prim), "vjp", "cannot transpose ", slope::name(ins.prim),
          ": it is not linear in its differentiated operands");
    std::vector<Tensor> x(ins.inputs.size());
    std::vector<AVal> avals(ins.inputs.size());
    for (size_t i = 0; i < ins.inputs.size(); ++i) {
      avals[i] = lin.aval(ins.inputs[i]);
      if (!ins.inputs[i].is_var()) x[i] = ins.inputs[i].value;
    }
    std::vector<Tensor> cts(ins.inputs.size());
    record(ins.prim).transpose(ins.params, x, avals, out_avals, couts, cts);
    for (size_t i = 0; i < ins.inputs.size(); ++i)
      if (ins.inputs[i].is_var()) accumulate(ins.inputs[i].var, cts[i]);
  }
  std::vector<Tensor> res;
  for (int v : lin.inputs) res.push_back(ct[v]);
  return res;
}

Program transposed_program(const Program& lin, size_t n_residuals) {
  // Stage transpose_program over (residuals, cotangents). The residual operands become constants
  // of a copy of the program; instructions computing from constants alone are evaluated forward
  // (staged), the rest is linear and transposed.
  StagingInterpreter s0(&eval_interpreter());
  std::vector<Tensor> res, cts;
  std::vector<AVal> out_avals;
  for (const Atom& a : lin.outputs) out_avals.push_back(lin.aval(a));
  for (size_t i = 0; i < n_residuals; ++i) res.push_back(s0.new_input(lin.vars[lin.inputs[i]]));
  for (const AVal& a : out_avals) cts.push_back(s0.new_input(a));
  Program p;
  {
    InterpreterScope scope(s0);
    std::unordered_map<int, Tensor> known;
    for (size_t i = 0; i < n_residuals; ++i) known[lin.inputs[i]] = res[i];
    auto subst = [&](const Atom& a) {
      if (!a.is_var()) return a;
      auto it = known.find(a.var);
      return it == known.end() ? a : Atom{-1, it->second};
    };
    p.vars = lin.vars;
    p.inputs.assign(lin.inputs.begin() + static_cast<long>(n_residuals), lin.inputs.end());
    for (const Instruction& ins : lin.instructions) {
      Instruction c{ins.prim, ins.params, {}, ins.outputs};
      bool linear_op = false;
      for (const Atom& a : ins.inputs) {
        c.inputs.push_back(subst(a));
        linear_op |= c.inputs.back().is_var();
      }
      if (linear_op) {
        p.instructions.push_back(std::move(c));
        continue;
      }
      std::vector<Tensor> vin, vout(ins.outputs.size());
      for (const Atom& a : c.inputs) vin.push_back(a.value);
      bind(ins.prim, vin, ins.params, vout);
      for (size_t k = 0; k < vout.size(); ++k) known[ins.outputs[k]] = vout[k];
    }
    for (const Atom& a : lin.outputs) p.outputs.push_back(subst(a));
  }
  std::vector<Tensor> g;
  {
    InterpreterScope scope(s0);
    g = transpose_program(p, cts);
    for (size_t k = 0; k < g.size(); ++k)
      if (!g[k].defined()) {
        const AVal& a = p.vars[p.inputs[k]];
        g[k] = prims::full(a.shape, 0, a.dtype);
      }
  }
  for (const Tensor& t : g) s0.program.outputs.push_back(s0.atom(t));
  check(s0.lifted.empty(), "jit", lin.name, ": internal error: a transposition captured a foreign tracer");
  return std::move(s0.program);
}

}  // namespace slope
