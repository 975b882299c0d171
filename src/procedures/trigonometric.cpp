// Hyperbolic and inverse trigonometric functions: sinh cosh asinh acosh atanh asin acos atan.
//
// atan2 is the one primitive behind them (docs/architecture.md says why): atan(x) = atan2(x, 1) and
// asin/acos are atan2 of (x, sqrt((1 - x)(1 + x))), whose factors are exact or within an ulp, so no
// range loses accuracy (asin(x) as atan(x / sqrt(1 - x^2)) would lose it next to +-1). The hyperbolics
// are written with expm1, log1p, exp and log in forms that keep full relative accuracy near 0 (where
// (e^x - e^-x) / 2 cancels) and overflow no earlier than the true result. Types up to f32 are evaluated
// in f64 and rounded once, as cos and tan are, so a formula's few roundings never show.
//
// Each function carries its own derivative, PyTorch's formula: differentiating the branchy forms would
// meet 0 * inf in untaken branches (NaN) and lose accuracy.
#include <cmath>
#include <limits>
#include <numbers>

#include "with_derivative.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

Tensor floatify(const Tensor& x) {
  return is_floating(x.dtype()) ? x : prims::cast(x, kDefaultFloat);
}
Tensor fill(const Tensor& x, double v) { return prims::full(x.shape(), v, x.dtype()); }

// f evaluated in f64 for the types up to f32, rounded once.
Tensor in_f64(const Tensor& x, Tensor (*f)(const Tensor&)) {
  if (x.dtype() == f64) return f(x);
  return prims::cast(f(prims::cast(x, f64)), x.dtype());
}

// |x| as a select: -0 stays -0 and NaN stays NaN, so odd functions f(x) = sign(x) f(|x|) below give
// f(-0) = -0 like libm and PyTorch.
Tensor magnitude(const Tensor& x) { return prims::where(prims::less(x, fill(x, 0)), prims::neg(x), x); }
Tensor with_sign_of(const Tensor& x, const Tensor& r) {
  return prims::where(prims::less(x, fill(x, 0)), prims::neg(r), r);
}
Tensor lt(const Tensor& x, double v) { return prims::less(x, fill(x, v)); }
// 1 - x^2 as (1 - x)(1 + x): no cancellation next to +-1.
Tensor one_minus_sq(const Tensor& x) {
  Tensor one = fill(x, 1);
  return prims::mul(prims::sub(one, x), prims::add(one, x));
}

// Above 22, e^-x is below half an ulp of e^x in f64: sinh and cosh are e^x / 2, computed as
// (e^(x/2) / 2) e^(x/2) so that it overflows only where e^x / 2 does.
Tensor half_exp(const Tensor& a) {
  Tensor h = prims::exp(prims::mul(a, fill(a, 0.5)));
  return prims::mul(prims::mul(h, fill(a, 0.5)), h);
}

Tensor sinh_f(const Tensor& x) {
  Tensor a = magnitude(x);
  // (e^a - e^-a) / 2 = (em + em / (em + 1)) / 2 with em = e^a - 1: no cancellation near 0.
  Tensor em = expm1(a);
  Tensor small = prims::mul(prims::add(em, prims::div(em, prims::add(em, fill(a, 1)))), fill(a, 0.5));
  return with_sign_of(x, prims::where(lt(a, 22), small, half_exp(a)));
}

Tensor cosh_f(const Tensor& x) {
  Tensor a = magnitude(x);
  Tensor e = prims::exp(a);
  Tensor small = prims::mul(prims::add(e, prims::div(fill(a, 1), e)), fill(a, 0.5));
  return prims::where(lt(a, 22), small, half_exp(a));
}

// Beyond 2^28, sqrt(x^2 + 1) = |x| to double precision: asinh and acosh are log(2|x|), computed as
// log|x| + log 2 so that x^2 never overflows.
constexpr double kLarge = 268435456.0;  // 2^28

Tensor asinh_f(const Tensor& x) {
  Tensor a = magnitude(x);
  Tensor one = fill(a, 1);
  // log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(1 + a^2))): accurate near 0.
  Tensor a2 = prims::mul(a, a);
  Tensor small = log1p(prims::add(a, prims::div(a2, prims::add(one, prims::sqrt(prims::add(one, a2))))));
  Tensor large = prims::add(prims::log(a), fill(a, std::numbers::ln2));
  // -0 + 0 = +0 inside the formula: zeros return x itself, keeping asinh(-0) = -0.
  return prims::where(prims::equal(a, fill(a, 0)), x, with_sign_of(x, prims::where(lt(a, kLarge), small, large)));
}

Tensor acosh_f(const Tensor& x) {
  // log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(t (t + 2))) with t = x - 1 (exact near 1): accurate there.
  Tensor t = prims::sub(x, fill(x, 1));
  Tensor small = log1p(prims::add(t, prims::sqrt(prims::mul(t, prims::add(t, fill(x, 2))))));
  Tensor large = prims::add(prims::log(x), fill(x, std::numbers::ln2));
  Tensor r = prims::where(lt(x, kLarge), small, large);
  // Below 1 the formula is NaN except for very negative x, where it tends to log1p(-1): say NaN.
  return prims::where(lt(x, 1), fill(x, std::numeric_limits<double>::quiet_NaN()), r);
}

Tensor atanh_f(const Tensor& x) {
  // atanh(a) = log1p(2a / (1 - a)) / 2: 1 - a is exact for a >= 1/2, and log1p keeps small a accurate;
  // a = 1 gives +inf, a > 1 NaN.
  Tensor a = magnitude(x);
  Tensor q = prims::div(prims::mul(a, fill(a, 2)), prims::sub(fill(a, 1), a));
  return with_sign_of(x, prims::mul(log1p(q), fill(a, 0.5)));
}

Tensor asin_f(const Tensor& x) { return prims::atan2(x, prims::sqrt(one_minus_sq(x))); }
Tensor acos_f(const Tensor& x) { return prims::atan2(prims::sqrt(one_minus_sq(x)), x); }

Tensor rsqrt_of(const Tensor& v) { return prims::div(fill(v, 1), prims::sqrt(v)); }

}  // namespace

Tensor sinh(const Tensor& x) {
  return detail::unary_with_derivative("sinh", floatify(x), [](const Tensor& y) { return in_f64(y, sinh_f); },
                                       [](const Tensor& v, const Tensor&) { return cosh(v); });
}
Tensor cosh(const Tensor& x) {
  return detail::unary_with_derivative("cosh", floatify(x), [](const Tensor& y) { return in_f64(y, cosh_f); },
                                       [](const Tensor& v, const Tensor&) { return sinh(v); });
}
Tensor asinh(const Tensor& x) {
  return detail::unary_with_derivative("asinh", floatify(x), [](const Tensor& y) { return in_f64(y, asinh_f); },
                                       [](const Tensor& v, const Tensor&) {
                                         return rsqrt_of(prims::add(prims::mul(v, v), fill(v, 1)));
                                       });
}
Tensor acosh(const Tensor& x) {
  // 1 / sqrt(x^2 - 1) as 1 / sqrt((x - 1)(x + 1)): inf at 1, like PyTorch, and accurate next to it.
  // (+0 added: at x = -1 the product is -0, whose 1 / sqrt would be -inf where PyTorch has +inf.)
  return detail::unary_with_derivative("acosh", floatify(x), [](const Tensor& y) { return in_f64(y, acosh_f); },
                                       [](const Tensor& v, const Tensor&) {
                                         Tensor one = fill(v, 1);
                                         Tensor d = prims::mul(prims::sub(v, one), prims::add(v, one));
                                         return rsqrt_of(prims::add(d, fill(v, 0)));
                                       });
}
Tensor atanh(const Tensor& x) {
  return detail::unary_with_derivative("atanh", floatify(x), [](const Tensor& y) { return in_f64(y, atanh_f); },
                                       [](const Tensor& v, const Tensor&) {
                                         return prims::div(fill(v, 1), one_minus_sq(v));
                                       });
}
Tensor asin(const Tensor& x) {
  return detail::unary_with_derivative("asin", floatify(x), [](const Tensor& y) { return in_f64(y, asin_f); },
                                       [](const Tensor& v, const Tensor&) { return rsqrt_of(one_minus_sq(v)); });
}
Tensor acos(const Tensor& x) {
  return detail::unary_with_derivative("acos", floatify(x), [](const Tensor& y) { return in_f64(y, acos_f); },
                                       [](const Tensor& v, const Tensor&) {
                                         return prims::neg(rsqrt_of(one_minus_sq(v)));
                                       });
}
// One atan2 of x and 1 is already correctly rounded in every float type; its derivative
// 1 / (1 + x^2) comes from atan2's rule.
Tensor atan(const Tensor& x) {
  Tensor y = floatify(x);
  return prims::atan2(y, fill(y, 1));
}

}  // namespace slope
