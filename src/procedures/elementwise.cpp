// Elementwise procedures: NumPy broadcasting + PyTorch dtype promotion over the elementwise
// primitives, the Tensor operators, and the unary math functions that are not primitives.
//
// Eager overhead matters: when operands already agree (same shape and dtype) every binary op goes
// straight to one bind, with no reshape/expand/cast in between.
#include <cmath>
#include <limits>
#include <numbers>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

// Casts only when needed.
Tensor as(const Tensor& x, DType d) { return x.dtype() == d ? x : prims::cast(x, d); }

// Broadcasts x to `s` (rank may grow by leading 1s); a no-op when x already has shape s.
Tensor bcast(const Tensor& x, const Shape& s) {
  const Shape& xs = x.shape();
  if (xs == s) return x;
  Tensor y = x;
  if (xs.size() != s.size()) {
    Shape r(s.size() - xs.size(), 1);
    for (int64_t d : xs) r.push_back(d);
    y = prims::reshape(x, r);
  }
  return y.shape() == s ? y : prims::expand(y, s);
}

// Casts both operands to d and broadcasts them to their common shape.
std::pair<Tensor, Tensor> prepare(const char* op, const Tensor& a, const Tensor& b, DType d) {
  if (a.shape() == b.shape()) return {as(a, d), as(b, d)};
  Shape s = broadcast_shapes(op, a.shape(), b.shape());
  return {bcast(as(a, d), s), bcast(as(b, d), s)};
}

// The dtype PyTorch's transcendental functions compute in: ints and bool become the default float.
DType float_type(DType d) { return is_floating(d) ? d : kDefaultFloat; }
Tensor floatify(const Tensor& x) { return as(x, float_type(x.dtype())); }

// A tensor of x's shape filled with v in dtype d (constants in formulas).
Tensor fill(const Tensor& x, Scalar v, DType d) { return prims::full(x.shape(), v, d); }
Tensor fill(const Tensor& x, Scalar v) { return prims::full(x.shape(), v, x.dtype()); }

// Formulas needing more range/precision than f16/bf16/f32 give are evaluated in f64 and rounded
// once at the end (like the f32 libm results PyTorch returns).
bool widen(DType d) { return d == f16 || d == bf16 || d == f32; }

// Same shape and dtype: the raw primitives.
Tensor isnan_same(const Tensor& x) { return prims::logical_not(prims::equal(x, x)); }
Tensor or_(const Tensor& a, const Tensor& b) { return prims::add(a, b); }  // bool add is logical or
Tensor and_(const Tensor& a, const Tensor& b) { return prims::mul(a, b); }  // bool mul is logical and

// Elementwise minimum of operands with one shape and dtype. NaN propagates like torch.minimum.
Tensor minimum_same(const Tensor& a, const Tensor& b) {
  Tensor take_b = prims::less(b, a);
  if (is_floating(a.dtype())) take_b = or_(take_b, isnan_same(b));
  return prims::where(take_b, b, a);
}

// Integer division rounding toward -inf, from the truncating primitive. Wrapping arithmetic.
Tensor floor_div_int(const Tensor& a, const Tensor& b) {
  Tensor q = prims::div(a, b);
  if (!is_signed(a.dtype())) return q;
  Tensor zero = fill(a, 0);
  Tensor r = prims::sub(a, prims::mul(q, b));
  Tensor adjust = and_(prims::logical_not(prims::equal(r, zero)),
                       prims::logical_not(prims::equal(prims::less(r, zero), prims::less(b, zero))));
  return prims::where(adjust, prims::sub(q, fill(a, 1)), q);
}

Tensor bitwise_not(const Tensor& x) {
  // ~x == -x - 1 in two's complement, for signed and unsigned types alike (arithmetic wraps).
  return prims::sub(prims::neg(x), fill(x, 1));
}

// Binary ops given the result dtype, after promotion.
Tensor add_as(const char* op, const Tensor& a, const Tensor& b, DType d) {
  auto [x, y] = prepare(op, a, b, d);
  return prims::add(x, y);
}
void no_bool_sub(const Tensor& a, const Tensor& b) {
  check(a.dtype() != bool_ && b.dtype() != bool_, "sub",
        "subtraction with a bool tensor is not supported (use logical_xor or ~), got ", name(a.dtype()), " and ",
        name(b.dtype()));
}
Tensor sub_as(const Tensor& a, const Tensor& b, DType d) {
  auto [x, y] = prepare("sub", a, b, d);
  return prims::sub(x, y);
}
Tensor mul_as(const Tensor& a, const Tensor& b, DType d) {
  auto [x, y] = prepare("mul", a, b, d);
  return prims::mul(x, y);
}
Tensor div_as(const Tensor& a, const Tensor& b, DType d) {
  auto [x, y] = prepare("div", a, b, float_type(d));
  return prims::div(x, y);
}

enum class Cmp { eq, ne, lt, le, gt, ge };
Tensor compare(const char* op, Cmp c, const Tensor& a, const Tensor& b, DType d) {
  auto [x, y] = prepare(op, a, b, d);
  switch (c) {
    case Cmp::eq: return prims::equal(x, y);
    case Cmp::ne: return prims::logical_not(prims::equal(x, y));
    case Cmp::lt: return prims::less(x, y);
    case Cmp::gt: return prims::greater(x, y);
    // Not "not greater": NaN <= 1 is false.
    case Cmp::le: return or_(prims::less(x, y), prims::equal(x, y));
    case Cmp::ge: return or_(prims::greater(x, y), prims::equal(x, y));
  }
  return prims::equal(x, y);
}

DType weak(const Tensor& t, Scalar s) { return promote_with_scalar(t.dtype(), s.kind); }

Tensor to_bool(const Tensor& x) { return as(x, bool_); }

Tensor logical_binary(const char* op, const Tensor& a, const Tensor& b, int kind) {
  auto [x, y] = prepare(op, to_bool(a), to_bool(b), bool_);
  if (kind == 0) return and_(x, y);
  if (kind == 1) return or_(x, y);
  return prims::logical_not(prims::equal(x, y));
}

void require_bool(const char* op, const Tensor& a, const Tensor& b) {
  check(a.dtype() == bool_ && b.dtype() == bool_, op,
        "is the logical operator on bool masks; bitwise operations on ", name(a.dtype()), " and ", name(b.dtype()),
        " are not supported (use logical_and/logical_or, or cast to bool)");
}

}  // namespace

// ---------------------------------------------------------------- binary (tensor, tensor)

Tensor add(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::add(a, b);
  return add_as("add", a, b, promote_types(a.dtype(), b.dtype()));
}
Tensor sub(const Tensor& a, const Tensor& b) {
  no_bool_sub(a, b);
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::sub(a, b);
  return sub_as(a, b, promote_types(a.dtype(), b.dtype()));
}
Tensor mul(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::mul(a, b);
  return mul_as(a, b, promote_types(a.dtype(), b.dtype()));
}
Tensor div(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype() && a.shape() == b.shape() && is_floating(a.dtype())) return prims::div(a, b);
  return div_as(a, b, promote_types(a.dtype(), b.dtype()));
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  DType d = promote_types(a.dtype(), b.dtype());
  check(d != bool_, "floor_divide", "is not defined for bool tensors");
  auto [x, y] = prepare("floor_divide", a, b, d);
  if (is_floating(d)) return prims::floor(prims::div(x, y));
  return floor_div_int(x, y);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  DType d = promote_types(a.dtype(), b.dtype());
  check(d != bool_, "remainder", "is not defined for bool tensors");
  auto [x, y] = prepare("remainder", a, b, d);
  if (is_floating(d)) {
    // PyTorch's definition: a - floor(a / b) * b (the result has the sign of the divisor).
    return prims::sub(x, prims::mul(prims::floor(prims::div(x, y)), y));
  }
  Tensor r = prims::sub(x, prims::mul(prims::div(x, y), y));  // truncated remainder: sign of x
  if (!is_signed(d)) return r;
  Tensor zero = fill(x, 0);
  Tensor fix = and_(prims::logical_not(prims::equal(r, zero)),
                    prims::logical_not(prims::equal(prims::less(r, zero), prims::less(y, zero))));
  return prims::where(fix, prims::add(r, y), r);
}

Tensor pow(const Tensor& a, const Tensor& b) {
  DType d = promote_types(a.dtype(), b.dtype());
  auto [x, y] = prepare("pow", a, b, d);
  return prims::pow(x, y);
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare("maximum", a, b, promote_types(a.dtype(), b.dtype()));
  return prims::maximum(x, y);
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare("minimum", a, b, promote_types(a.dtype(), b.dtype()));
  return minimum_same(x, y);
}

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", Cmp::eq, a, b, promote_types(a.dtype(), b.dtype())); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", Cmp::ne, a, b, promote_types(a.dtype(), b.dtype())); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", Cmp::lt, a, b, promote_types(a.dtype(), b.dtype())); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", Cmp::le, a, b, promote_types(a.dtype(), b.dtype())); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", Cmp::gt, a, b, promote_types(a.dtype(), b.dtype())); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", Cmp::ge, a, b, promote_types(a.dtype(), b.dtype())); }

Tensor logical_and(const Tensor& a, const Tensor& b) { return logical_binary("logical_and", a, b, 0); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical_binary("logical_or", a, b, 1); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical_binary("logical_xor", a, b, 2); }
Tensor logical_not(const Tensor& a) { return prims::logical_not(to_bool(a)); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check(cond.dtype() == bool_, "where", "condition must be a bool tensor, got ", name(cond.dtype()));
  DType d = promote_types(a.dtype(), b.dtype());
  const Shape& cs = cond.shape();
  if (cs == a.shape() && cs == b.shape()) return prims::where(cond, as(a, d), as(b, d));
  Shape s = broadcast_shapes("where", broadcast_shapes("where", cs, a.shape()), b.shape());
  return prims::where(bcast(cond, s), bcast(as(a, d), s), bcast(as(b, d), s));
}

// ---------------------------------------------------------------- operators

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator&(const Tensor& a, const Tensor& b) {
  require_bool("and", a, b);
  return logical_and(a, b);
}
Tensor operator|(const Tensor& a, const Tensor& b) {
  require_bool("or", a, b);
  return logical_or(a, b);
}

// Weak scalars: the scalar takes the tensor's dtype unless its category is higher.
Tensor operator+(const Tensor& a, Scalar b) { DType d = weak(a, b); return prims::add(as(a, d), fill(a, b, d)); }
Tensor operator+(Scalar a, const Tensor& b) { DType d = weak(b, a); return prims::add(fill(b, a, d), as(b, d)); }
Tensor operator-(const Tensor& a, Scalar b) {
  check(a.dtype() != bool_ && b.kind != ScalarKind::Bool, "sub", "subtraction with bool is not supported");
  DType d = weak(a, b);
  return prims::sub(as(a, d), fill(a, b, d));
}
Tensor operator-(Scalar a, const Tensor& b) {
  check(b.dtype() != bool_ && a.kind != ScalarKind::Bool, "sub", "subtraction with bool is not supported");
  DType d = weak(b, a);
  return prims::sub(fill(b, a, d), as(b, d));
}
Tensor operator*(const Tensor& a, Scalar b) { DType d = weak(a, b); return prims::mul(as(a, d), fill(a, b, d)); }
Tensor operator*(Scalar a, const Tensor& b) { DType d = weak(b, a); return prims::mul(fill(b, a, d), as(b, d)); }
Tensor operator/(const Tensor& a, Scalar b) {
  DType d = float_type(weak(a, b));
  return prims::div(as(a, d), fill(a, b, d));
}
Tensor operator/(Scalar a, const Tensor& b) {
  DType d = float_type(weak(b, a));
  return prims::div(fill(b, a, d), as(b, d));
}
#define SLOPE_SCALAR_COMPARE(op, fn, cmp)                                                                   \
  Tensor operator op(const Tensor& a, Scalar b) { DType d = weak(a, b); return compare(fn, cmp, a, fill(a, b, d), d); } \
  Tensor operator op(Scalar a, const Tensor& b) { DType d = weak(b, a); return compare(fn, cmp, fill(b, a, d), b, d); }
SLOPE_SCALAR_COMPARE(==, "eq", Cmp::eq)
SLOPE_SCALAR_COMPARE(!=, "ne", Cmp::ne)
SLOPE_SCALAR_COMPARE(<, "lt", Cmp::lt)
SLOPE_SCALAR_COMPARE(<=, "le", Cmp::le)
SLOPE_SCALAR_COMPARE(>, "gt", Cmp::gt)
SLOPE_SCALAR_COMPARE(>=, "ge", Cmp::ge)
#undef SLOPE_SCALAR_COMPARE

namespace {
// In-place forms behave like PyTorch's: the result must broadcast to a's shape and may only be
// cast back to a's dtype when that does not lower the category (int += float is an error).
Tensor& assign(const char* op, Tensor& a, const Tensor& r) {
  check(r.shape() == a.shape(), op, "result shape ", to_string(r.shape()), " does not match the in-place operand's ",
        to_string(a.shape()));
  auto category = [](DType d) { return d == bool_ ? 0 : is_floating(d) ? 2 : 1; };
  check(category(r.dtype()) <= category(a.dtype()), op, "result dtype ", name(r.dtype()),
        " can't be cast to the in-place operand's dtype ", name(a.dtype()));
  a = as(r, a.dtype());
  return a;
}
}  // namespace
Tensor& operator+=(Tensor& a, const Tensor& b) { return assign("add_", a, add(a, b)); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return assign("sub_", a, sub(a, b)); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return assign("mul_", a, mul(a, b)); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return assign("div_", a, div(a, b)); }

Tensor Tensor::operator-() const { return slope::neg(*this); }
Tensor Tensor::operator~() const {
  DType d = dtype();
  if (d == bool_) return prims::logical_not(*this);
  check(!is_floating(d), "bitwise_not", "is only defined for bool and integer tensors, got ", name(d));
  return bitwise_not(*this);
}

// ---------------------------------------------------------------- unary

Tensor neg(const Tensor& x) {
  check(x.dtype() != bool_, "neg", "is not defined for bool tensors (use logical_not or ~)");
  return prims::neg(x);
}
Tensor exp(const Tensor& x) { return prims::exp(floatify(x)); }
Tensor log(const Tensor& x) { return prims::log(floatify(x)); }
Tensor sin(const Tensor& x) { return prims::sin(floatify(x)); }
Tensor sqrt(const Tensor& x) { return prims::sqrt(floatify(x)); }
Tensor tanh(const Tensor& x) { return prims::tanh(floatify(x)); }
Tensor erf(const Tensor& x) { return prims::erf(floatify(x)); }

Tensor cos(const Tensor& x) {
  // cos(x) = sin(pi/2 - |x|). For types up to f32 this is evaluated in f64, where the argument is
  // exact enough; for f64, pi/2 is split in two parts so the argument stays exact near the zero
  // at +-pi/2 (Sterbenz), which is where the cancellation would hurt most.
  Tensor y = floatify(x);
  DType d = y.dtype();
  if (widen(d)) {
    Tensor w = prims::cast(y, f64);
    Tensor a = abs(w);
    return prims::cast(prims::sin(prims::sub(fill(w, std::numbers::pi / 2), a)), d);
  }
  constexpr double hi = 1.5707963267948966;    // nearest double to pi/2
  constexpr double lo = 6.123233995736766e-17;  // pi/2 - hi
  Tensor a = abs(y);
  return prims::sin(prims::add(prims::sub(fill(y, hi), a), fill(y, lo)));
}
Tensor tan(const Tensor& x) {
  Tensor y = floatify(x);
  DType d = y.dtype();
  Tensor w = widen(d) ? prims::cast(y, f64) : y;
  Tensor t = prims::div(prims::sin(w), cos(w));
  return as(t, d);
}
Tensor rsqrt(const Tensor& x) {
  Tensor y = floatify(x);
  return prims::div(fill(y, 1), prims::sqrt(y));
}
Tensor reciprocal(const Tensor& x) {
  Tensor y = floatify(x);
  return prims::div(fill(y, 1), y);
}
Tensor log2(const Tensor& x) {
  Tensor y = floatify(x);
  DType d = y.dtype();
  Tensor w = widen(d) ? prims::cast(y, f64) : y;
  return as(prims::div(prims::log(w), fill(w, std::numbers::ln2)), d);
}
Tensor exp2(const Tensor& x) {
  Tensor y = floatify(x);
  DType d = y.dtype();
  Tensor w = widen(d) ? prims::cast(y, f64) : y;
  return as(prims::exp(prims::mul(w, fill(w, std::numbers::ln2))), d);
}

Tensor log1p(const Tensor& x) {
  // Goldberg's trick: with u = 1 + x (rounded), log(u) * x / (u - 1) cancels the rounding error
  // of u, so small x keeps full relative accuracy. u == 1 means x is below half an ulp: log1p = x.
  Tensor y = floatify(x);
  Tensor one = fill(y, 1);
  Tensor u = prims::add(one, y);
  Tensor um1 = prims::sub(u, one);
  Tensor r = prims::div(prims::mul(prims::log(u), y), um1);
  Tensor special = or_(prims::equal(u, one), prims::equal(u, fill(y, std::numeric_limits<double>::infinity())));
  // u == 1: x is tiny, log1p(x) = x; u == inf: log1p(inf) = inf (the formula gives inf/inf).
  return prims::where(special, prims::where(prims::equal(u, one), y, u), r);
}

Tensor expm1(const Tensor& x) {
  // Kahan's trick: with u = exp(x), (u - 1) * x / log(u) corrects the rounding of u.
  Tensor y = floatify(x);
  Tensor one = fill(y, 1);
  Tensor u = prims::exp(y);
  Tensor um1 = prims::sub(u, one);
  Tensor r = prims::div(prims::mul(um1, y), prims::log(u));
  // u == 1: tiny x; u - 1 == -1: x very negative (result -1); u == inf: overflow (result inf).
  Tensor res = prims::where(prims::equal(um1, fill(y, -1)), um1, r);
  res = prims::where(prims::equal(u, fill(y, std::numeric_limits<double>::infinity())), u, res);
  return prims::where(prims::equal(u, one), y, res);
}

Tensor sigmoid(const Tensor& x) {
  // e = exp(-|x|) never overflows; sigmoid = 1/(1+e) for x >= 0 and e/(1+e) for x < 0, which keeps
  // full relative accuracy in both tails.
  Tensor y = floatify(x);
  Tensor one = fill(y, 1);
  Tensor e = prims::exp(prims::neg(abs(y)));
  Tensor den = prims::add(one, e);
  Tensor neg_side = prims::less(y, fill(y, 0));
  return prims::div(prims::where(neg_side, e, one), den);
}

Tensor abs(const Tensor& x) {
  DType d = x.dtype();
  if (d == bool_ || !is_signed(d)) return x;
  Tensor zero = fill(x, 0);
  // 0 - x (not -x) so that abs(-0.0) = +0.0; NaN stays NaN.
  return prims::where(prims::greater(x, zero), x, prims::sub(zero, x));
}

Tensor sign(const Tensor& x) {
  DType d = x.dtype();
  if (d == bool_) return x;
  Tensor zero = fill(x, 0);
  Tensor pos = prims::cast(prims::greater(x, zero), d);
  if (!is_signed(d)) return pos;
  return prims::sub(pos, prims::cast(prims::less(x, zero), d));  // NaN -> 0, like PyTorch 1.13
}

Tensor floor(const Tensor& x) {
  check(x.dtype() != bool_, "floor", "is not defined for bool tensors");
  return is_floating(x.dtype()) ? prims::floor(x) : x;
}
Tensor ceil(const Tensor& x) {
  check(x.dtype() != bool_, "ceil", "is not defined for bool tensors");
  return is_floating(x.dtype()) ? prims::neg(prims::floor(prims::neg(x))) : x;
}
Tensor trunc(const Tensor& x) {
  check(x.dtype() != bool_, "trunc", "is not defined for bool tensors");
  if (!is_floating(x.dtype())) return x;
  return prims::where(prims::less(x, fill(x, 0)), ceil(x), prims::floor(x));
}
Tensor round(const Tensor& x) {
  check(x.dtype() != bool_, "round", "is not defined for bool tensors");
  if (!is_floating(x.dtype())) return x;
  // x - floor(x) is exact, so the comparison with 0.5 is too (x + 0.5 would round for x just
  // below 0.5). Ties go to the even neighbour.
  Tensor f = prims::floor(x);
  Tensor frac = prims::sub(x, f);
  Tensor half = fill(x, 0.5);
  Tensor two = fill(x, 2);
  Tensor odd = prims::equal(prims::sub(f, prims::mul(prims::floor(prims::div(f, two)), two)), fill(x, 1));
  Tensor up = or_(prims::greater(frac, half), and_(prims::equal(frac, half), odd));
  return prims::where(up, prims::add(f, fill(x, 1)), f);
}

Tensor square(const Tensor& x) {
  // PyTorch squares bool as int64.
  Tensor y = x.dtype() == bool_ ? prims::cast(x, kDefaultInt) : x;
  return prims::mul(y, y);
}

Tensor clip(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  check(lo.has_value() || hi.has_value(), "clip", "needs at least one of lo and hi");
  check(x.dtype() != bool_, "clip", "is not defined for bool tensors");
  DType d = x.dtype();
  if (lo) d = promote_with_scalar(d, lo->kind);
  if (hi) d = promote_with_scalar(d, hi->kind);
  Tensor y = as(x, d);
  // lo > hi gives hi everywhere, like torch.clamp. NaN in x propagates.
  if (lo) y = prims::maximum(y, fill(y, *lo));
  if (hi) y = minimum_same(y, fill(y, *hi));
  return y;
}

Tensor cast(const Tensor& x, DType d) { return as(x, d); }
Tensor stop_gradient(const Tensor& x) { return prims::stop_gradient(x); }

Tensor isnan(const Tensor& x) {
  if (!is_floating(x.dtype())) return fill(x, false, bool_);
  return isnan_same(x);
}
Tensor isinf(const Tensor& x) {
  if (!is_floating(x.dtype())) return fill(x, false, bool_);
  return prims::equal(abs(x), fill(x, std::numeric_limits<double>::infinity()));
}
Tensor isfinite(const Tensor& x) {
  if (!is_floating(x.dtype())) return fill(x, true, bool_);
  // x - x is 0 exactly for finite x and NaN for inf and NaN.
  return prims::equal(prims::sub(x, x), fill(x, 0));
}

}  // namespace slope
