// The primitives that create tensors from parameters alone: no operands, so no tangent and nothing
// to batch; the cpu code generator computes them inside a fused loop.
#include "infer_helpers.h"
#include "family.h"

namespace slope::rules {

namespace {
void infer_full(const Params& params, const AVal*, size_t n, AVal* out) {
  expect_inputs("full", n, 0);
  const auto& p = param<FullParams>("full", params);
  check_dtype("full", p.dtype);
  for (int64_t d : p.shape) check(d >= 0, "full", "shape must be non-negative, got ", to_string(p.shape));
  checked_numel("full", p.shape);
  out[0] = AVal{p.shape, p.dtype};
}
}  // namespace
SLOPE_RECORD(init, full, infer_full, no_tangent, no_batch<Prim::full>);

namespace {
void infer_arange(const Params& params, const AVal*, size_t n, AVal* out) {
  expect_inputs("arange", n, 0);
  const auto& p = param<ArangeParams>("arange", params);
  check_dtype("arange", p.dtype);
  check(p.n >= 0, "arange", "length must be non-negative, got ", p.n);
  check(p.dtype != bool_, "arange", "cannot produce bool values");
  out[0] = AVal{Shape{p.n}, p.dtype};
}
}  // namespace
SLOPE_RECORD(init, arange, infer_arange, no_tangent, no_batch<Prim::arange>);

}  // namespace slope::rules
