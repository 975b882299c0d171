// The forward-mode interpreter: every value is a (primal, tangent) pair.
#include "rules/rules.h"
#include "slope/call.h"
#include "tracers.h"

namespace slope {

std::pair<Tensor, Tensor> JvpInterpreter::unpack(const Tensor& t) const {
  if (owns(t)) {
    auto* tr = static_cast<const JvpTracer*>(t.impl().get());
    return {tr->primal, tr->tangent};
  }
  return {t, Tensor()};
}

void JvpInterpreter::process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  std::vector<Tensor> primals(in.size()), tangents(in.size());
  bool any = false;
  for (size_t i = 0; i < in.size(); ++i) {
    std::tie(primals[i], tangents[i]) = unpack(in[i]);
    any |= tangents[i].defined();
  }
  if (any && p == Prim::call) {
    const auto& body = *std::get<CallParams>(params).body;
    if (!body.has_jvp()) {  // no rule of its own: differentiate through the body
      std::vector<Tensor> r = body.eval(in);
      for (size_t i = 0; i < r.size(); ++i) out[i] = r[i];
      return;
    }
    InterpreterScope scope(*parent());
    std::vector<Tensor> tout(out.size());
    body.jvp(primals, tangents, out, tout);
    for (size_t i = 0; i < out.size(); ++i)
      if (tout[i].defined()) out[i] = lift(out[i], tout[i]);
    return;
  }
  InterpreterScope scope(*parent());
  if (!any) {  // nothing to differentiate: compute in the parent's world
    bind(p, primals, params, out);
    return;
  }
  std::vector<Tensor> tout(out.size());
  rules::jvp(p, params, primals, tangents, out, tout);
  for (size_t i = 0; i < out.size(); ++i)
    if (tout[i].defined()) out[i] = lift(out[i], tout[i]);
}

}  // namespace slope
