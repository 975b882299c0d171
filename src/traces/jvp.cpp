// The forward-mode interpreter: every value is a (primal, tangent) pair.
#include "primitives/record.h"
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
  InterpreterScope scope(*parent());
  if (!any) {  // nothing to differentiate: compute in the parent's world
    bind(p, primals, params, out);
    return;
  }
  std::vector<Tensor> tout(out.size());
  record(p).jvp(params, JvpArgs{primals, tangents, out, tout, *this, in});
  for (size_t i = 0; i < out.size(); ++i)
    if (tout[i].defined()) out[i] = lift(out[i], tout[i]);
}

}  // namespace slope
