// Forward-mode rules of every primitive, written with primitive calls on the current interpreter
// (so they can be differentiated again).
#include <cmath>

#include "helpers.h"
#include "slope/ops.h"
#include "rules.h"

namespace slope::rules {

namespace {
constexpr double kPi = 3.14159265358979323846;

// The library's cos (accurate for every x; sin(x + pi/2) would lose all accuracy at large |x|
// because x + pi/2 rounds).
Tensor cos_of(const Tensor& x) { return slope::cos(x); }
Tensor safe_div(const Tensor& a, const Tensor& b) { return prims::div(a, b); }
// The tangent rule of a unary op y = f(x) whose derivative is d: t * d (zero stays zero).
Tensor scale(const Tensor& t, const Tensor& d) { return t.defined() ? prims::mul(t, d) : Tensor(); }

// Applies the same (linear) primitive to the tangents, instantiating zeros if only some are zero.
Tensor same_op(Prim p, const Params& params, std::span<const Tensor> x, std::span<const Tensor> t) {
  bool any = false;
  for (auto& ti : t) any |= ti.defined();
  if (!any) return Tensor();
  std::vector<Tensor> ts(t.begin(), t.end());
  for (size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) ts[i] = zeros_as(x[i]);
  return bind1(p, std::span<const Tensor>(ts), params);
}
}  // namespace

void jvp(Prim p, const Params& params, std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y,
         std::span<Tensor> ty) {
  // Primal first: every rule needs it.
  bind(p, x, params, y);
  const Tensor& out = y[0];
  Tensor& tout = ty[0];
  switch (p) {
    case Prim::neg: tout = t[0].defined() ? prims::neg(t[0]) : Tensor(); return;
    case Prim::exp: tout = scale(t[0], out); return;
    case Prim::log: tout = t[0].defined() ? safe_div(t[0], x[0]) : Tensor(); return;
    case Prim::sin: tout = scale(t[0], cos_of(x[0])); return;
    case Prim::sqrt: tout = t[0].defined() ? prims::div(t[0], prims::mul(full_as(out, 2), out)) : Tensor(); return;
    case Prim::tanh: tout = scale(t[0], prims::sub(full_as(out, 1), prims::mul(out, out))); return;
    case Prim::erf:
      tout = scale(t[0], prims::mul(full_as(x[0], 2 / std::sqrt(kPi)), prims::exp(prims::neg(prims::mul(x[0], x[0])))));
      return;
    case Prim::floor:
    case Prim::logical_not:
    case Prim::stop_gradient:
    case Prim::equal:
    case Prim::less:
    case Prim::greater:
    case Prim::full:
    case Prim::arange:
    case Prim::threefry:
    case Prim::argsort:
    case Prim::argmax: tout = Tensor(); return;
    case Prim::cast: {
      DType to = std::get<CastParams>(params).dtype;
      tout = (t[0].defined() && is_floating(to) && is_floating(x[0].dtype())) ? prims::cast(t[0], to) : Tensor();
      return;
    }
    case Prim::add:
    case Prim::sub:
    case Prim::reshape:
    case Prim::expand:
    case Prim::permute:
    case Prim::slice:
    case Prim::flip:
    case Prim::cat:
    case Prim::sum: tout = same_op(p, params, x, t); return;
    case Prim::pad: {
      PadParams zero_pad = std::get<PadParams>(params);
      zero_pad.value = Scalar(0);  // the padding value is a constant: its tangent is zero
      tout = same_op(p, zero_pad, x, t);
      return;
    }
    case Prim::mul:
      tout = add_maybe(t[0].defined() ? prims::mul(t[0], x[1]) : Tensor(), t[1].defined() ? prims::mul(x[0], t[1]) : Tensor());
      return;
    case Prim::div: {
      Tensor a = t[0].defined() ? prims::div(t[0], x[1]) : Tensor();
      Tensor b = t[1].defined() ? prims::neg(prims::mul(t[1], prims::div(out, x[1]))) : Tensor();
      tout = add_maybe(a, b);
      return;
    }
    case Prim::pow: {
      // d/dx x^y = y x^(y-1) (taken as 0 where y == 0, like PyTorch); d/dy = x^y log x (0 where x == 0
      // and y >= 0, like PyTorch: for y < 0 it is inf * -inf = -inf).
      Tensor a, b;
      if (t[0].defined()) {
        Tensor zero = zeros_as(x[1]);
        Tensor d = prims::mul(x[1], prims::pow(x[0], prims::sub(x[1], full_as(x[1], 1))));
        a = prims::mul(t[0], prims::where(prims::equal(x[1], zero), zero, d));
      }
      if (t[1].defined()) {
        Tensor zero = zeros_as(x[0]);
        // x == 0 and y >= 0 (y == y excludes NaN); bool mul is logical and
        Tensor y_ge0 = prims::mul(prims::equal(x[1], x[1]), prims::logical_not(prims::less(x[1], zeros_as(x[1]))));
        Tensor is0 = prims::mul(prims::equal(x[0], zero), y_ge0);
        Tensor logx = prims::log(prims::where(is0, full_as(x[0], 1), x[0]));
        b = prims::mul(t[1], prims::where(is0, zero, prims::mul(out, logx)));
      }
      tout = add_maybe(a, b);
      return;
    }
    case Prim::maximum: {
      // PyTorch's convention for maximum/minimum: ties split the gradient evenly, and where the
      // inputs are unordered (a NaN) each gets all of it.
      Tensor zero = zeros_as(out), one = full_as(out, 1);
      Tensor w_eq = prims::where(prims::equal(x[0], x[1]), full_as(out, 0.5), one);
      Tensor wa = prims::where(prims::less(x[0], x[1]), zero, w_eq);
      Tensor wb = prims::where(prims::greater(x[0], x[1]), zero, w_eq);
      tout = add_maybe(scale(t[0], wa), scale(t[1], wb));
      return;
    }
    case Prim::atan2: {
      // d atan2(y, x) = (x dy - y dx) / (x^2 + y^2), PyTorch's formula (NaN at the origin, like it).
      Tensor r2 = prims::add(prims::mul(x[0], x[0]), prims::mul(x[1], x[1]));
      tout = add_maybe(t[0].defined() ? prims::mul(t[0], prims::div(x[1], r2)) : Tensor(),
                       t[1].defined() ? prims::mul(t[1], prims::div(prims::neg(x[0]), r2)) : Tensor());
      return;
    }
    case Prim::where: {
      if (!t[1].defined() && !t[2].defined()) {
        tout = Tensor();
        return;
      }
      tout = prims::where(x[0], or_zeros(t[1], x[1].aval()), or_zeros(t[2], x[2].aval()));
      return;
    }
    case Prim::max: {
      if (!t[0].defined()) {
        tout = Tensor();
        return;
      }
      // Ties share the gradient evenly (like PyTorch's amax).
      const Axes& axes = std::get<AxesParams>(params).axes;
      Tensor mask = prims::cast(prims::equal(x[0], unreduce(out, axes, x[0].shape())), out.dtype());
      tout = prims::div(prims::sum(prims::mul(t[0], mask), axes), prims::sum(mask, axes));
      return;
    }
    case Prim::matmul:
    case Prim::conv:
      tout = add_maybe(t[0].defined() ? bind1(p, {t[0], x[1]}, params) : Tensor(),
                       t[1].defined() ? bind1(p, {x[0], t[1]}, params) : Tensor());
      return;
    case Prim::call: fail("jvp", "call is handled by the jvp interpreter, not by a rule");
    case Prim::gather: tout = t[0].defined() ? bind1(p, {t[0], x[1]}, params) : Tensor(); return;
    case Prim::scatter_add:
      if (!t[0].defined() && !t[2].defined()) {
        tout = Tensor();
        return;
      }
      tout = bind1(p, {or_zeros(t[0], x[0].aval()), x[1], or_zeros(t[2], x[2].aval())}, params);
      return;
  }
}

}  // namespace slope::rules
