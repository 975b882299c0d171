// Shape/dtype rules of the primitives that create tensors from parameters alone.
#include "rules.h"

namespace slope::rules {

void infer_full(const Params& params, const AVal*, size_t n, AVal* out) {
  expect_inputs("full", n, 0);
  const auto& p = param<FullParams>("full", params);
  check_dtype("full", p.dtype);
  for (int64_t d : p.shape) check(d >= 0, "full", "shape must be non-negative, got ", to_string(p.shape));
  checked_numel("full", p.shape);
  out[0] = AVal{p.shape, p.dtype};
}

void infer_arange(const Params& params, const AVal*, size_t n, AVal* out) {
  expect_inputs("arange", n, 0);
  const auto& p = param<ArangeParams>("arange", params);
  check_dtype("arange", p.dtype);
  check(p.n >= 0, "arange", "length must be non-negative, got ", p.n);
  check(p.dtype != bool_, "arange", "cannot produce bool values");
  out[0] = AVal{Shape{p.n}, p.dtype};
}

}  // namespace slope::rules
