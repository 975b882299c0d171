// The batching interpreter: each value carries a batch axis that ops map over.
#include "primitives/record.h"
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
  InterpreterScope scope(*parent());
  if (!any) {
    bind(p, vals, params, out);
    return;
  }
  std::vector<int64_t> obd(out.size(), -1);
  record(p).vmap(params, VmapArgs{vals, bdims, size, out, obd, *this, in});
  for (size_t i = 0; i < out.size(); ++i)
    if (obd[i] >= 0) out[i] = Tensor(std::make_shared<BatchTracer>(this, out[i], obd[i]));
}

}  // namespace slope
