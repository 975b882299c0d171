// linearize_program: the jvp of a whole Program as two Programs, so that jvp (and grad) of
// jit(f) is again compiled calls: `known` computes the outputs and the residuals, `lin` the output
// tangents from residuals and input tangents (linear in the tangents, hence transposable).
#include <unordered_map>

#include "slope/transforms.h"
#include "traces/tracers.h"
#include "transformations.h"

namespace slope {

LinearizedProgram linearize_program(const Program& p, const std::vector<bool>& mask) {
  // Linearize the Program on abstract inputs: inside a total staging interpreter s0, linearize's
  // own partial staging records the tangent ops (the lin program) and hands every op on known
  // values to s0 (the known program). Known values the tangent ops use are residuals.
  StagingInterpreter s0(&eval_interpreter());
  std::vector<Tensor> xs;
  for (int v : p.inputs) xs.push_back(s0.new_input(p.vars[v]));
  LinearizedProgram L;
  std::vector<Tensor> dprimals;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) L.diff.push_back(i), dprimals.push_back(xs[i]);
  detail::FlatFn g = [&](const std::vector<Tensor>& d) {
    std::vector<Tensor> a = xs;
    for (size_t k = 0; k < d.size(); ++k) a[L.diff[k]] = d[k];
    return p.run(a);
  };
  detail::Linearized lin;
  {
    InterpreterScope scope(s0);
    lin = detail::linearize_flat(g, dprimals);
  }
  Program lp = std::move(*lin.linear);
  std::vector<Tensor> residuals;
  std::vector<int> res_vars;
  std::unordered_map<const TensorImpl*, int> seen;
  auto to_residual = [&](Atom& a) {
    if (a.is_var() || !a.value.defined() || !s0.owns(a.value)) return;
    auto [it, fresh] = seen.emplace(a.value.impl().get(), -1);
    if (fresh) {
      it->second = lp.new_var(a.value.aval());
      residuals.push_back(a.value);
      res_vars.push_back(it->second);
    }
    a = Atom{it->second, Tensor()};
  };
  for (Instruction& ins : lp.instructions)
    for (Atom& a : ins.inputs) to_residual(a);
  for (Atom& a : lp.outputs) to_residual(a);
  lp.inputs.insert(lp.inputs.begin(), res_vars.begin(), res_vars.end());
  std::vector<Atom> louts;
  for (size_t i = 0; i < lp.outputs.size(); ++i) {
    const AVal& oa = lin.out_avals[i];
    if (!is_floating(oa.dtype)) continue;  // integer outputs have no tangent
    Atom a = lp.outputs[i];
    if (!a.is_var() && !a.value.defined()) {  // a symbolic zero: make real zeros
      int v = lp.new_var(oa);
      lp.instructions.push_back(Instruction{Prim::full, FullParams{oa.shape, oa.dtype, Scalar(0)}, {}, {v}});
      a = Atom{v, Tensor()};
    }
    L.float_outs.push_back(i);
    louts.push_back(a);
  }
  lp.outputs = std::move(louts);
  for (const Tensor& o : lin.outputs) s0.program.outputs.push_back(s0.atom(o));
  for (const Tensor& r : residuals) s0.program.outputs.push_back(s0.atom(r));
  check(s0.lifted.empty(), "jit", p.name, ": internal error: a linearization captured a foreign tracer");
  L.n_residuals = residuals.size();
  L.known = std::move(s0.program);
  L.lin = std::move(lp);
  return L;
}

}  // namespace slope
