// Reductions and scans over the sum/max primitives, with PyTorch's dtype rules
// (integer sums and products accumulate in int64) and keepdim.
#include <algorithm>
#include <cmath>
#include <limits>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

Tensor as(const Tensor& x, DType d) { return x.dtype() == d ? x : prims::cast(x, d); }
Tensor fill(const Tensor& x, Scalar v) { return prims::full(x.shape(), v, x.dtype()); }

// The shape after reducing `axes` with the reduced dims kept as 1.
Shape kept_shape(const Shape& s, const Axes& axes) {
  Shape o = s;
  for (int64_t a : axes) o[a] = 1;
  return o;
}
Shape reduced_shape(const Shape& s, const Axes& axes) {
  Shape o;
  size_t j = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (j < axes.size() && axes[j] == static_cast<int64_t>(i)) ++j;
    else o.push_back(s[i]);
  }
  return o;
}
int64_t count(const Shape& s, const Axes& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= s[a];
  return n;
}
Tensor keep(const Tensor& r, const Shape& in, const Axes& axes, bool keepdim) {
  if (!keepdim || axes.empty()) return r;
  return prims::reshape(r, kept_shape(in, axes));
}
// Broadcast a reduced result (axes removed) back against the input.
Tensor back(const Tensor& r, const Shape& in, const Axes& axes) {
  Tensor k = prims::reshape(r, kept_shape(in, axes));
  return k.shape() == in ? k : prims::expand(k, in);
}

// A strictly decreasing bijection of each dtype onto itself: max of the mapped values is the min.
// Floats negate (exact; NaN stays NaN); integers use ~x = -x - 1, which unlike -x has no overflow
// fixed point (-INT_MIN == INT_MIN) and also works for unsigned types; bool uses not.
Tensor reverse_order(const Tensor& x) {
  DType d = x.dtype();
  if (d == bool_) return prims::logical_not(x);
  if (is_floating(d)) return prims::neg(x);
  return prims::sub(prims::neg(x), fill(x, 1));
}

Tensor max_impl(const char* op, const Tensor& x, const Axes& ax) {
  check(count(x.shape(), ax) > 0 || ax.empty(), op, "cannot reduce over an empty dimension of ", to_string(x.shape()),
        " (the result would have no identity)");
  if (ax.empty()) return x;
  return prims::max(x, ax);
}

Tensor sum_impl(const Tensor& x, const Axes& ax) { return ax.empty() ? x : prims::sum(x, ax); }

// Integer and bool sums/products accumulate in int64, like PyTorch.
DType accumulate_type(DType d) { return is_floating(d) ? d : i64; }
// Products and scans are chains of primitives, each rounding to its dtype: half types run them in
// f32 and round once at the end (as the sum primitive and PyTorch's half kernels do), so an f16
// cumsum over 300 terms is not 300 f16 roundings away from the exact one.
DType chain_type(DType d) { return d == f16 || d == bf16 ? f32 : accumulate_type(d); }

void require_float(const char* op, const Tensor& x) {
  check(is_floating(x.dtype()), op, "needs a floating-point tensor (like PyTorch), got ", name(x.dtype()),
        "; cast it first");
}

}  // namespace

Tensor sum(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("sum");
  Axes ax = normalize_axes("sum", axes, x.ndim(), true);
  // The primitive sums integers into i64 itself (no widened copy of x); nothing reduced: a cast.
  Tensor s = ax.empty() ? as(x, accumulate_type(x.dtype())) : prims::sum(x, ax);
  return keep(s, x.shape(), ax, keepdim);
}

Tensor mean(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("mean");
  // Integer means are an error, as in PyTorch ("could not infer output dtype").
  require_float("mean", x);
  Axes ax = normalize_axes("mean", axes, x.ndim(), true);
  Tensor s = sum_impl(x, ax);
  // An empty reduction gives 0/0 = NaN, like PyTorch.
  Tensor r = prims::div(s, fill(s, static_cast<double>(count(x.shape(), ax))));
  return keep(r, x.shape(), ax, keepdim);
}

Tensor max(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("max");
  Axes ax = normalize_axes("max", axes, x.ndim(), true);
  return keep(max_impl("max", x, ax), x.shape(), ax, keepdim);
}

Tensor min(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("min");
  Axes ax = normalize_axes("min", axes, x.ndim(), true);
  if (ax.empty()) return x;
  return keep(reverse_order(max_impl("min", reverse_order(x), ax)), x.shape(), ax, keepdim);
}

Tensor prod(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("prod");
  Axes ax = normalize_axes("prod", axes, x.ndim(), true);
  const DType out_type = accumulate_type(x.dtype());
  Tensor y = as(x, chain_type(x.dtype()));
  if (ax.empty()) return as(y, out_type);
  const Shape& s = x.shape();
  Shape out = reduced_shape(s, ax);
  int64_t n = count(s, ax);
  if (n == 0) return keep(prims::full(out, Scalar(1), out_type), s, ax, keepdim);
  // Move the reduced axes last and flatten them to one axis of n, then multiply halves together
  // (a log-depth tree; exact at zeros and signs, unlike exp(sum(log))). Odd lengths get a 1.
  Axes perm;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (std::find(ax.begin(), ax.end(), i) == ax.end()) perm.push_back(i);
  for (int64_t a : ax) perm.push_back(a);
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (!identity) y = prims::permute(y, perm);
  Shape flat = out;
  flat.push_back(n);
  y = prims::reshape(y, flat);
  int64_t r = static_cast<int64_t>(out.size());  // the reduced axis
  while (n > 1) {
    if (n % 2) {
      Shape lo(r + 1, 0), hi(r + 1, 0), in(r + 1, 0);
      hi[r] = 1;
      y = prims::pad(y, lo, hi, in, Scalar(1));
      ++n;
    }
    int64_t h = n / 2;
    Shape st(r + 1, 0), mid = y.shape(), step(r + 1, 1);
    mid[r] = h;
    Shape st2(r + 1, 0), end = y.shape();
    st2[r] = h;
    y = prims::mul(prims::slice(y, st, mid, step), prims::slice(y, st2, end, step));
    n = h;
  }
  return keep(as(prims::reshape(y, out), out_type), s, ax, keepdim);
}

Tensor var(const Tensor& x, Axes axes, double correction, bool keepdim) {
  OpScope scope("var");
  require_float("var", x);
  Axes ax = normalize_axes("var", axes, x.ndim(), true);
  int64_t n = count(x.shape(), ax);
  Tensor m = prims::div(sum_impl(x, ax), prims::full(reduced_shape(x.shape(), ax), static_cast<double>(n), x.dtype()));
  Tensor dev = ax.empty() ? prims::sub(x, m) : prims::sub(x, back(m, x.shape(), ax));
  Tensor ss = sum_impl(prims::mul(dev, dev), ax);
  // Like PyTorch, the divisor is max(0, n - correction): too few elements give inf or NaN.
  double denom = std::max(0.0, static_cast<double>(n) - correction);
  return keep(prims::div(ss, fill(ss, denom)), x.shape(), ax, keepdim);
}

Tensor std(const Tensor& x, Axes axes, double correction, bool keepdim) {
  OpScope scope("std");
  require_float("std", x);
  return prims::sqrt(var(x, std::move(axes), correction, keepdim));
}

Tensor logsumexp(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("logsumexp");
  Tensor y = is_floating(x.dtype()) ? x : prims::cast(x, kDefaultFloat);
  Axes ax = normalize_axes("logsumexp", axes, y.ndim(), true);
  if (ax.empty()) return y;  // log(exp(x)) without the round trip
  Shape out = reduced_shape(y.shape(), ax);
  if (count(y.shape(), ax) == 0)
    return keep(prims::full(out, Scalar(-std::numeric_limits<double>::infinity()), y.dtype()), y.shape(), ax, keepdim);
  // Subtract the max for stability; an infinite (or NaN) max would make x - m NaN, so rows whose max
  // is not finite subtract 0 instead (all -inf -> -inf, any +inf -> +inf, NaN stays NaN).
  // m is a constant for differentiation: the result does not depend on it mathematically, so the
  // derivative is exactly exp(y - m) / s = softmax(y) (exactly 0 for -inf entries), with no term
  // through max's tie rule to cancel.
  Tensor m = prims::stop_gradient(prims::max(y, ax));
  Tensor finite = prims::equal(prims::sub(m, m), fill(m, 0));
  m = prims::where(finite, m, fill(m, 0));
  Tensor s = prims::sum(prims::exp(prims::sub(y, back(m, y.shape(), ax))), ax);
  return keep(prims::add(prims::log(s), m), y.shape(), ax, keepdim);
}

Tensor any(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("any");
  Tensor b = as(x, bool_);
  Axes ax = normalize_axes("any", axes, x.ndim(), true);
  if (ax.empty()) return b;
  if (count(x.shape(), ax) == 0)
    return keep(prims::full(reduced_shape(x.shape(), ax), Scalar(false), bool_), x.shape(), ax, keepdim);
  return keep(prims::max(b, ax), x.shape(), ax, keepdim);  // max of bools is "or"
}

Tensor all(const Tensor& x, Axes axes, bool keepdim) {
  OpScope scope("all");
  Tensor b = as(x, bool_);
  Axes ax = normalize_axes("all", axes, x.ndim(), true);
  if (ax.empty()) return b;
  if (count(x.shape(), ax) == 0)
    return keep(prims::full(reduced_shape(x.shape(), ax), Scalar(true), bool_), x.shape(), ax, keepdim);
  return keep(prims::logical_not(prims::max(prims::logical_not(b), ax)), x.shape(), ax, keepdim);
}

namespace {
// Index of the first maximum along `axis` (after flattening when axis is unset), as int64.
// NaN counts as the maximum, like PyTorch. One argmax primitive: a single pass over x, no index
// tensor of x's size (argmin reverses the order first, one elementwise pass).
Tensor arg_extreme(const char* op, const Tensor& x0, std::optional<int64_t> axis, bool keepdim, bool is_min) {
  Tensor x = x0;
  int64_t a;
  if (!axis) {
    x = x0.ndim() == 1 ? x0 : prims::reshape(x0, {x0.numel()});
    a = 0;
  } else if (x0.ndim() == 0) {
    normalize_axis(op, *axis, 1);
    x = prims::reshape(x0, {1});
    a = 0;
  } else {
    a = normalize_axis(op, *axis, x0.ndim());
  }
  int64_t n = x.shape()[a];
  check(n > 0, op, "cannot take the ", is_min ? "argmin" : "argmax", " of an empty dimension of ",
        to_string(x0.shape()));
  if (is_min) x = reverse_order(x);
  Axes ax{a};
  Tensor idx = prims::argmax(x, a);
  if (!keepdim) return idx;
  if (!axis) return prims::reshape(idx, Shape(x0.ndim(), 1));
  return x0.ndim() == 0 ? prims::reshape(idx, {}) : prims::reshape(idx, kept_shape(x0.shape(), ax));
}
}  // namespace

Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdim) {
  OpScope scope("argmax");
  return arg_extreme("argmax", x, axis, keepdim, false);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdim) {
  OpScope scope("argmin");
  return arg_extreme("argmin", x, axis, keepdim, true);
}

namespace {
// torch.max(x, dim) accepts dim 0 and -1 on a 0-d tensor (like argmax): the value itself.
Axes dim_axes(const char* op, const Tensor& x, int64_t dim) {
  if (x.ndim() > 0) return Axes{dim};
  normalize_axis(op, dim, 1);
  return Axes{};
}
}  // namespace

ValuesIndices max_with_indices(const Tensor& x, int64_t dim, bool keepdim) {
  OpScope scope("max");
  Tensor values = max(x, dim_axes("max", x, dim), keepdim);
  return ValuesIndices(values, argmax(x, dim, keepdim));
}
ValuesIndices min_with_indices(const Tensor& x, int64_t dim, bool keepdim) {
  OpScope scope("min");
  Tensor values = min(x, dim_axes("min", x, dim), keepdim);
  return ValuesIndices(values, argmin(x, dim, keepdim));
}

Tensor cumsum(const Tensor& x, int64_t axis) {
  OpScope scope("cumsum");
  const DType out_type = accumulate_type(x.dtype());
  Tensor y = as(x, chain_type(x.dtype()));
  if (x.ndim() == 0) {
    normalize_axis("cumsum", axis, 1);
    return as(y, out_type);
  }
  int64_t a = normalize_axis("cumsum", axis, x.ndim());
  int64_t n = x.shape()[a];
  int64_t nd = x.ndim();
  // Hillis-Steele scan: after the step with shift s, y[i] holds the sum of the 2s elements ending
  // at i. log2(n) steps of shift-and-add.
  for (int64_t s = 1; s < n; s *= 2) {
    Shape st(nd, 0), sp = y.shape(), step(nd, 1), lo(nd, 0), hi(nd, 0), in(nd, 0);
    sp[a] = n - s;
    lo[a] = s;
    Tensor shifted = prims::pad(prims::slice(y, st, sp, step), lo, hi, in, Scalar(0));
    y = prims::add(y, shifted);
  }
  return as(y, out_type);
}

}  // namespace slope

// ---------------------------------------------------------------- cumprod, vector_norm, norm

namespace slope {

namespace {

// Inclusive Hillis-Steele scan along `a`: log2(n) steps of combining y with y shifted by s (the
// shifted-in part padded with the identity). For products it is exact where x has zeros, and so is
// its derivative: only multiplications, never a division by x.
Tensor product_scan(Tensor y, int64_t a) {
  int64_t n = y.shape()[a], nd = y.ndim();
  for (int64_t s = 1; s < n; s *= 2) {
    Shape st(nd, 0), sp = y.shape(), step(nd, 1), lo(nd, 0), hi(nd, 0), in(nd, 0);
    sp[a] = n - s;
    lo[a] = s;
    y = prims::mul(y, prims::pad(prims::slice(y, st, sp, step), lo, hi, in, Scalar(1)));
  }
  return y;
}

Tensor where_zero(const Tensor& mask, const Tensor& x, double if_zero) {
  return where(mask, full_like(x, if_zero), x);
}

// sum(|x|^p)^(1/p) for a finite p other than 0, 1, 2. Zeros contribute 0 (p > 0) or inf (p < 0)
// with derivative 0, and a zero norm (p > 0) has derivative 0: PyTorch's subgradients, and no
// inf * 0 in the chain rule. Neither select ever feeds a NaN or inf to pow's derivative.
Tensor p_norm(const Tensor& x, double p, const Axes& ax, bool keepdim) {
  Tensor is0 = eq(x, full_like(x, 0));
  Tensor powered = where_zero(is0, pow(where_zero(is0, abs(x), 1), full_like(x, p)),
                              p < 0 ? std::numeric_limits<double>::infinity() : 0.0);
  Tensor s = sum(powered, ax, keepdim);
  if (p < 0) return pow(s, full_like(s, 1 / p));
  Tensor s0 = eq(s, full_like(s, 0));
  return where_zero(s0, pow(where_zero(s0, s, 1), full_like(s, 1 / p)), 0);
}

// empty_inf_is_zero: torch.norm's answer for a +-inf norm over an empty dim (torch.linalg.vector_norm
// refuses: a max or min of nothing).
Tensor norm_impl(const char* op, const Tensor& x, double ord, const Axes& axes, bool keepdim, bool empty_inf_is_zero) {
  require_float(op, x);
  check(!std::isnan(ord), op, "ord must be a number, got nan");
  if (x.ndim() == 0) {  // PyTorch treats a 0-d tensor as one element along dim 0 (or -1)
    for (int64_t a : axes) normalize_axis(op, a, 1);
    return prims::reshape(norm_impl(op, prims::reshape(x, {1}), ord, {}, false, empty_inf_is_zero), {});
  }
  Axes ax = normalize_axes(op, axes, x.ndim(), true);
  if (std::isinf(ord) && count(x.shape(), ax) == 0 && empty_inf_is_zero) return sum(abs(x), ax, keepdim);  // zeros
  if (std::isinf(ord)) {
    check(count(x.shape(), ax) > 0, op, "cannot compute the ", ord > 0 ? "inf" : "-inf", " norm over an empty dimension of ",
          to_string(x.shape()), " (a max or min of nothing)");
    return ord > 0 ? max(abs(x), ax, keepdim) : min(abs(x), ax, keepdim);  // ties share the gradient, like torch
  }
  if (ord == 0) return sum(cast(ne(x, full_like(x, 0)), x.dtype()), ax, keepdim);  // count: derivative 0
  if (ord == 1) return sum(abs(x), ax, keepdim);  // abs' = sign(x): 0 at 0, like torch
  if (ord != 2) return p_norm(x, ord, ax, keepdim);
  Tensor s = sum(mul(x, x), ax, keepdim);
  Tensor s0 = eq(s, full_like(s, 0));
  return where_zero(s0, sqrt(where_zero(s0, s, 1)), 0);  // sqrt'(0) = inf would give 0 * inf
}

}  // namespace

Tensor cumprod(const Tensor& x, int64_t axis) {
  const DType out_type = accumulate_type(x.dtype());
  Tensor y = as(x, chain_type(x.dtype()));
  if (x.ndim() == 0) {
    normalize_axis("cumprod", axis, 1);
    return as(y, out_type);
  }
  return as(product_scan(y, normalize_axis("cumprod", axis, x.ndim())), out_type);
}

Tensor vector_norm(const Tensor& x, double ord, Axes axes, bool keepdim) {
  return norm_impl("vector_norm", x, ord, axes, keepdim, false);
}
Tensor norm(const Tensor& x, double p, Axes axes, bool keepdim) { return norm_impl("norm", x, p, axes, keepdim, true); }

}  // namespace slope
