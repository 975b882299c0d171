// cos from the sin primitive (see cosine.h for why it lives with the primitives).
#include "cosine.h"

#include "slope/primitive_ops.h"

namespace slope::rules {

namespace {
Tensor fill(const Tensor& x, Scalar v) { return prims::full(x.shape(), v, x.dtype()); }
}  // namespace

// sin(pi/2 - x) would lose all accuracy for large |x| (pi/2 - x rounds), so: cos(x) = sin(2x) /
// (2 sin(x)), where 2x is exact and libm reduces each argument exactly: few-ulp relative accuracy
// everywhere, including next to the zeros of cos. Near x = 0 (0/0) and where 2x would overflow,
// 1 - 2 sin^2(x/2) is accurate instead (cos is close to 1 near 0; for |x| > 1e300 the absolute
// error of 1e-16 is all any result can promise).
Tensor cos_float(const Tensor& y) {
  Tensor two = fill(y, 2);
  Tensor s_half = prims::sin(prims::div(y, two));
  Tensor near0 = prims::sub(fill(y, 1), prims::mul(two, prims::mul(s_half, s_half)));
  Tensor zero = fill(y, 0);
  // |y| only feeds comparisons (NaN stays NaN, so both are false for it).
  Tensor a = prims::where(prims::greater(y, zero), y, prims::sub(zero, y));
  Tensor use_near0 = prims::add(prims::less(a, fill(y, 0.5)), prims::greater(a, fill(y, 1e300)));  // bool add: or
  // The ratio only sees safe operands where its result is not used: its 0/0 at x = 0 in the untaken
  // branch would still poison the gradient with 0 * NaN.
  Tensor ys = prims::where(use_near0, fill(y, 1), y);
  Tensor ratio = prims::div(prims::sin(prims::mul(ys, two)), prims::mul(two, prims::sin(ys)));
  return prims::where(use_near0, near0, ratio);
}

Tensor cos_of(const Tensor& x) {
  DType d = x.dtype();
  if (d == f16 || d == bf16 || d == f32) return prims::cast(cos_float(prims::cast(x, f64)), d);
  return cos_float(x);
}

}  // namespace slope::rules
