// The batching interpreter: each value carries a batch axis that ops map over.
#include "rules/rules.h"
#include "slope/call.h"
#include "tracers.h"

namespace slope {

namespace {
AVal unbatched(const Tensor& val, int64_t bdim) {
  Shape s;
  for (int64_t i = 0; i < val.ndim(); ++i)
    if (i != bdim) s.push_back(val.shape()[i]);
  return AVal{s, val.dtype()};
}
}  // namespace

BatchTracer::BatchTracer(Interpreter* owner, Tensor v, int64_t b)
    : TensorImpl(unbatched(v, b), nullptr, owner), val(std::move(v)), bdim(b) {}

void VmapInterpreter::process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  std::vector<Tensor> vals(in.size());
  std::vector<int64_t> bdims(in.size(), -1);
  bool any = false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (owns(in[i])) {
      auto* tr = static_cast<const BatchTracer*>(in[i].impl().get());
      vals[i] = tr->val;
      bdims[i] = tr->bdim;
      any = true;
    } else {
      vals[i] = in[i];
    }
  }
  if (any && p == Prim::call) {
    const auto& body = *std::get<CallParams>(params).body;
    if (!body.has_vmap()) {  // no rule of its own: batch the body's ops one by one
      std::vector<Tensor> r = body.eval(in);
      for (size_t i = 0; i < r.size(); ++i) out[i] = r[i];
      return;
    }
    std::vector<AVal> avals;
    for (auto& t : in) avals.push_back(t.aval());
    std::vector<AVal> expect = body.infer(avals);
    InterpreterScope scope(*parent());
    std::vector<int64_t> obd(out.size(), -1);
    body.vmap(vals, bdims, size, out, obd);
    // The body's rule is user-level code: check it kept the promised per-example types.
    for (size_t i = 0; i < out.size(); ++i) {
      check(out[i].defined(), "call", "vmap rule of body ", body.name(), " left output ", i, " empty");
      check(obd[i] < out[i].ndim() && (obd[i] < 0 || out[i].shape()[obd[i]] == size), "call", "vmap rule of body ",
            body.name(), " gave output ", i, " of type ", to_string(out[i].aval()), " with batch axis ", obd[i],
            ", expected an axis of size ", size);
      AVal got = obd[i] >= 0 ? unbatched(out[i], obd[i]) : out[i].aval();
      check(i < expect.size() && got == expect[i], "call", "vmap rule of body ", body.name(), " gave output ", i,
            " of per-example type ", to_string(got), ", expected ",
            i < expect.size() ? to_string(expect[i]) : std::string("no output"));
      if (obd[i] >= 0) out[i] = Tensor(std::make_shared<BatchTracer>(this, out[i], obd[i]));
    }
    return;
  }
  InterpreterScope scope(*parent());
  if (!any) {
    bind(p, vals, params, out);
    return;
  }
  // Check the unbatched types first so errors name the user's shapes, not the batched ones.
  {
    std::vector<AVal> avals;
    for (auto& t : in) avals.push_back(t.aval());
    std::vector<AVal> oavals(out.size());
    infer(p, params, avals.data(), avals.size(), oavals.data());
  }
  std::vector<int64_t> obd(out.size(), -1);
  rules::vmap(p, params, vals, bdims, size, out, obd);
  for (size_t i = 0; i < out.size(); ++i)
    if (obd[i] >= 0) out[i] = Tensor(std::make_shared<BatchTracer>(this, out[i], obd[i]));
}

}  // namespace slope
