// The shape rule of `call`: whatever its body says.
#include "rules.h"
#include "slope/call.h"

namespace slope::rules {

void infer_call(const Params& params, const AVal* in, size_t n, AVal* out) {
  const auto& cp = param<CallParams>("call", params);
  check(cp.body != nullptr, "call", "has no body");
  const auto& body = *cp.body;
  std::vector<AVal> o = body.infer(std::span<const AVal>(in, n));
  check(o.size() == body.num_outputs(), "call", "body ", body.name(), " declared ", body.num_outputs(),
        " outputs, inferred ", o.size());
  for (size_t i = 0; i < o.size(); ++i) out[i] = o[i];
}

}  // namespace slope::rules
