// Elementwise procedures: NumPy broadcasting + PyTorch dtype promotion over the elementwise
// primitives, the Tensor operators, and the unary math functions that are not primitives.
//
// Eager overhead matters: when operands already agree (same shape and dtype) every binary op goes
// straight to one bind, with no reshape/expand/cast in between.
#include <cmath>
#include <limits>
#include <numbers>

#include "with_derivative.h"
#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"
#include "slope/scalar.h"

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

// PyTorch's result type of two tensor operands: a 0-d tensor next to a tensor with dims only
// counts when it lifts the category (x_i32 + tensor(5) stays i32, x_f16 * tensor(0.5) stays f16,
// x_i32 + tensor(0.5, f64) is f64). This is what c10's combine_categories does; without it the
// implicit Tensor(int)/Tensor(double) conversions would widen results unlike PyTorch.
DType result_type(const Tensor& a, const Tensor& b) {
  DType da = a.dtype(), db = b.dtype();
  if (da == db) return da;
  bool za = a.ndim() == 0, zb = b.ndim() == 0;
  if (za == zb) return promote_types(da, db);
  DType dim = za ? db : da, zero = za ? da : db;
  if (is_floating(dim)) return dim;
  if (dim == bool_ || is_floating(zero)) return promote_types(dim, zero);
  return dim;
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

// fmod(a, b) of f64 tensors, exact like C's fmod while |a / b| < 2^53 (no fmod primitive):
// t = trunc(a / b) may be off by one, but a - t*b is computed exactly with Dekker's two-product
// (Veltkamp split), so one correction step gives the exact remainder. PyTorch builds
// floor_divide and remainder on fmod, so this is what makes e.g. 1 // 0.1 == 9 like PyTorch.
Tensor fmod64(const Tensor& a, const Tensor& b) {
  auto split = [](const Tensor& x) {
    Tensor c = prims::mul(x, fill(x, 134217729.0));  // 2^27 + 1
    Tensor hi = prims::sub(c, prims::sub(c, x));
    return std::pair{hi, prims::sub(x, hi)};
  };
  Tensor q = prims::div(a, b);
  Tensor zero = fill(a, 0);
  Tensor t = prims::where(prims::less(q, zero), prims::neg(prims::floor(prims::neg(q))), prims::floor(q));
  Tensor p = prims::mul(t, b);
  auto [th, tl] = split(t);
  auto [bh, bl] = split(b);
  Tensor e = prims::add(prims::add(prims::add(prims::sub(prims::mul(th, bh), p), prims::mul(th, bl)), prims::mul(tl, bh)),
                        prims::mul(tl, bl));
  Tensor r = prims::sub(prims::sub(a, p), e);  // a - p is exact (Sterbenz): p is within a factor 2 of a
  Tensor babs = prims::where(prims::less(b, zero), prims::neg(b), b);
  Tensor a_neg = prims::less(a, zero);
  Tensor toward_a = prims::where(a_neg, prims::neg(babs), babs);
  // t one too large: r has the wrong sign. t one too small: |r| >= |b|.
  Tensor wrong_sign = and_(prims::logical_not(prims::equal(r, zero)), prims::logical_not(prims::equal(prims::less(r, zero), a_neg)));
  r = prims::where(wrong_sign, prims::add(r, toward_a), r);
  Tensor rabs = prims::where(prims::less(r, zero), prims::neg(r), r);
  Tensor too_big = or_(prims::greater(rabs, babs), prims::equal(rabs, babs));
  r = prims::where(too_big, prims::sub(r, toward_a), r);
  // fmod(finite, +-inf) = a (t * inf above is NaN). inf, NaN and division by 0 are already NaN.
  Tensor a_finite = prims::equal(prims::sub(a, a), zero);
  Tensor b_inf = prims::equal(babs, fill(b, std::numeric_limits<double>::infinity()));
  return prims::where(and_(a_finite, b_inf), a, r);
}

// PyTorch's float floor_divide / remainder, from an exact fmod (ATen's div_floor / remainder).
std::pair<Tensor, Tensor> float_floor_divmod(const Tensor& x, const Tensor& y, bool want_div) {
  DType d = x.dtype();
  Tensor a = as(x, f64), b = as(y, f64);
  Tensor zero = fill(a, 0);
  Tensor mod = fmod64(a, b);
  Tensor adjust = and_(prims::logical_not(prims::equal(mod, zero)),
                       prims::logical_not(prims::equal(prims::less(b, zero), prims::less(mod, zero))));
  Tensor rem = prims::where(adjust, prims::add(mod, b), mod);
  if (!want_div) return {Tensor(), as(rem, d)};
  Tensor div = prims::div(prims::sub(a, mod), b);
  div = prims::where(adjust, prims::sub(div, fill(a, 1)), div);
  Tensor fl = prims::floor(div);
  fl = prims::where(prims::greater(prims::sub(div, fl), fill(a, 0.5)), prims::add(fl, fill(a, 1)), fl);
  Tensor q = prims::div(a, b);
  // A zero quotient keeps the sign of a / b; division by zero gives a / b (inf or NaN).
  Tensor q_neg = or_(prims::less(q, zero), prims::less(prims::div(fill(a, 1), q), zero));  // 1/-0 = -inf
  Tensor signed_zero = prims::where(q_neg, fill(a, -0.0), zero);
  fl = prims::where(prims::equal(div, zero), signed_zero, fl);
  fl = prims::where(prims::equal(b, zero), q, fl);
  return {as(fl, d), Tensor()};
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
  OpScope scope("add");
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::add(a, b);
  return add_as("add", a, b, result_type(a, b));
}
Tensor sub(const Tensor& a, const Tensor& b) {
  OpScope scope("sub");
  no_bool_sub(a, b);
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::sub(a, b);
  return sub_as(a, b, result_type(a, b));
}
Tensor mul(const Tensor& a, const Tensor& b) {
  OpScope scope("mul");
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) return prims::mul(a, b);
  return mul_as(a, b, result_type(a, b));
}
Tensor div(const Tensor& a, const Tensor& b) {
  OpScope scope("div");
  if (a.dtype() == b.dtype() && a.shape() == b.shape() && is_floating(a.dtype())) return prims::div(a, b);
  return div_as(a, b, result_type(a, b));
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  OpScope scope("floor_divide");
  DType d = result_type(a, b);
  check(d != bool_, "floor_divide", "is not defined for bool tensors");
  auto [x, y] = prepare("floor_divide", a, b, d);
  // Piecewise constant: its derivative is 0 everywhere, like PyTorch's (without stop_gradient the
  // division-by-zero branch, a / b, would pass a gradient of 1/b).
  if (is_floating(d)) return prims::stop_gradient(float_floor_divmod(x, y, true).first);
  return floor_div_int(x, y);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  OpScope scope("remainder");
  DType d = result_type(a, b);
  check(d != bool_, "remainder", "is not defined for bool tensors");
  auto [x, y] = prepare("remainder", a, b, d);
  if (is_floating(d)) return float_floor_divmod(x, y, false).second;  // sign of the divisor
  Tensor r = prims::sub(x, prims::mul(prims::div(x, y), y));  // truncated remainder: sign of x
  if (!is_signed(d)) return r;
  Tensor zero = fill(x, 0);
  Tensor fix = and_(prims::logical_not(prims::equal(r, zero)),
                    prims::logical_not(prims::equal(prims::less(r, zero), prims::less(y, zero))));
  return prims::where(fix, prims::add(r, y), r);
}

Tensor pow(const Tensor& a, const Tensor& b) {
  OpScope scope("pow");
  DType d = result_type(a, b);
  check(d != bool_, "pow", "is not defined for bool tensors");
  auto [x, y] = prepare("pow", a, b, d);
  return prims::pow(x, y);
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  OpScope scope("maximum");
  auto [x, y] = prepare("maximum", a, b, result_type(a, b));
  return prims::maximum(x, y);
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  OpScope scope("minimum");
  auto [x, y] = prepare("minimum", a, b, result_type(a, b));
  // Floats: -maximum(-x, -y) (exact), so ties split the gradient evenly like maximum's and PyTorch's
  // minimum; where(y < x, y, x) would give all of it to x. Integers keep the select (no -INT_MIN).
  if (is_floating(x.dtype())) return prims::neg(prims::maximum(prims::neg(x), prims::neg(y)));
  return minimum_same(x, y);
}

Tensor eq(const Tensor& a, const Tensor& b) {
  OpScope scope("eq");
  return compare("eq", Cmp::eq, a, b, result_type(a, b));
}
Tensor ne(const Tensor& a, const Tensor& b) {
  OpScope scope("ne");
  return compare("ne", Cmp::ne, a, b, result_type(a, b));
}
Tensor lt(const Tensor& a, const Tensor& b) {
  OpScope scope("lt");
  return compare("lt", Cmp::lt, a, b, result_type(a, b));
}
Tensor le(const Tensor& a, const Tensor& b) {
  OpScope scope("le");
  return compare("le", Cmp::le, a, b, result_type(a, b));
}
Tensor gt(const Tensor& a, const Tensor& b) {
  OpScope scope("gt");
  return compare("gt", Cmp::gt, a, b, result_type(a, b));
}
Tensor ge(const Tensor& a, const Tensor& b) {
  OpScope scope("ge");
  return compare("ge", Cmp::ge, a, b, result_type(a, b));
}

Tensor logical_and(const Tensor& a, const Tensor& b) {
  OpScope scope("logical_and");
  return logical_binary("logical_and", a, b, 0);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  OpScope scope("logical_or");
  return logical_binary("logical_or", a, b, 1);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  OpScope scope("logical_xor");
  return logical_binary("logical_xor", a, b, 2);
}
Tensor logical_not(const Tensor& a) {
  OpScope scope("logical_not");
  return prims::logical_not(to_bool(a));
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  OpScope scope("where");
  check(cond.dtype() == bool_, "where", "condition must be a bool tensor, got ", name(cond.dtype()));
  DType d = result_type(a, b);
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
Tensor operator+(const Tensor& a, Scalar b) {
  OpScope scope("add");
  DType d = weak(a, b);
  return prims::add(as(a, d), fill(a, b, d));
}
Tensor operator+(Scalar a, const Tensor& b) {
  OpScope scope("add");
  DType d = weak(b, a);
  return prims::add(fill(b, a, d), as(b, d));
}
Tensor operator-(const Tensor& a, Scalar b) {
  OpScope scope("sub");
  check(a.dtype() != bool_ && b.kind != ScalarKind::Bool, "sub", "subtraction with bool is not supported");
  DType d = weak(a, b);
  return prims::sub(as(a, d), fill(a, b, d));
}
Tensor operator-(Scalar a, const Tensor& b) {
  OpScope scope("sub");
  check(b.dtype() != bool_ && a.kind != ScalarKind::Bool, "sub", "subtraction with bool is not supported");
  DType d = weak(b, a);
  return prims::sub(fill(b, a, d), as(b, d));
}
Tensor operator*(const Tensor& a, Scalar b) {
  OpScope scope("mul");
  DType d = weak(a, b);
  return prims::mul(as(a, d), fill(a, b, d));
}
Tensor operator*(Scalar a, const Tensor& b) {
  OpScope scope("mul");
  DType d = weak(b, a);
  return prims::mul(fill(b, a, d), as(b, d));
}
Tensor operator/(const Tensor& a, Scalar b) {
  OpScope scope("div");
  DType d = float_type(weak(a, b));
  return prims::div(as(a, d), fill(a, b, d));
}
Tensor operator/(Scalar a, const Tensor& b) {
  OpScope scope("div");
  DType d = float_type(weak(b, a));
  return prims::div(fill(b, a, d), as(b, d));
}
#define SLOPE_SCALAR_COMPARE(op, fn, cmp)                                                                   \
  Tensor operator op(const Tensor& a, Scalar b) {                                                           \
    OpScope scope(fn);                                                                                      \
    DType d = weak(a, b);                                                                                   \
    return compare(fn, cmp, a, fill(a, b, d), d);                                                           \
  }                                                                                                         \
  Tensor operator op(Scalar a, const Tensor& b) {                                                           \
    OpScope scope(fn);                                                                                      \
    DType d = weak(b, a);                                                                                   \
    return compare(fn, cmp, fill(b, a, d), b, d);                                                           \
  }
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
Tensor& operator+=(Tensor& a, const Tensor& b) {
  OpScope scope("add_");
  return assign("add_", a, add(a, b));
}
Tensor& operator-=(Tensor& a, const Tensor& b) {
  OpScope scope("sub_");
  return assign("sub_", a, sub(a, b));
}
Tensor& operator*=(Tensor& a, const Tensor& b) {
  OpScope scope("mul_");
  return assign("mul_", a, mul(a, b));
}
Tensor& operator/=(Tensor& a, const Tensor& b) {
  OpScope scope("div_");
  return assign("div_", a, div(a, b));
}

Tensor Tensor::operator-() const { return slope::neg(*this); }
Tensor Tensor::operator~() const {
  OpScope scope("bitwise_not");
  DType d = dtype();
  if (d == bool_) return prims::logical_not(*this);
  check(!is_floating(d), "bitwise_not", "is only defined for bool and integer tensors, got ", name(d));
  return bitwise_not(*this);
}

// ---------------------------------------------------------------- unary

Tensor neg(const Tensor& x) {
  OpScope scope("neg");
  check(x.dtype() != bool_, "neg", "is not defined for bool tensors (use logical_not or ~)");
  return prims::neg(x);
}
// exp, log, sin, cos, sqrt, tanh, erf: each its primitive on x made floating point, one definition
// for every function of scalar.h's list (so a new one is a line there, not a procedure here).
#define SLOPE_FLOAT_UNARY_PROCEDURE(op)  \
  Tensor op(const Tensor& x) {           \
    OpScope scope(#op);                  \
    return prims::op(floatify(x));       \
  }
SLOPE_FLOAT_UNARY_FUNCTIONS(SLOPE_FLOAT_UNARY_PROCEDURE)
#undef SLOPE_FLOAT_UNARY_PROCEDURE

// tan carries its own derivative rule (1 + tan^2 x), cheaper and more accurate than the quotient
// rule through sin / cos.
Tensor tan(const Tensor& x) {
  OpScope scope("tan");
  auto f = [](const Tensor& y) {
    DType d = y.dtype();
    Tensor w = widen(d) ? prims::cast(y, f64) : y;
    return as(prims::div(prims::sin(w), prims::cos(w)), d);
  };
  return detail::unary_with_derivative("tan", floatify(x), f, [](const Tensor&, const Tensor& t) {
    return prims::add(fill(t, 1), prims::mul(t, t));
  });
}
Tensor rsqrt(const Tensor& x) {
  OpScope scope("rsqrt");
  Tensor y = floatify(x);
  return prims::div(fill(y, 1), prims::sqrt(y));
}
Tensor reciprocal(const Tensor& x) {
  OpScope scope("reciprocal");
  Tensor y = floatify(x);
  return prims::div(fill(y, 1), y);
}
Tensor log2(const Tensor& x) {
  OpScope scope("log2");
  Tensor y = floatify(x);
  DType d = y.dtype();
  Tensor w = widen(d) ? prims::cast(y, f64) : y;
  return as(prims::div(prims::log(w), fill(w, std::numbers::ln2)), d);
}
Tensor exp2(const Tensor& x) {
  OpScope scope("exp2");
  Tensor y = floatify(x);
  DType d = y.dtype();
  // pow(2, x) is exact at integers and accurate elsewhere; exp(x * ln2) would amplify the
  // rounding of the product by |x| (hundreds of ulps in f64).
  Tensor w = widen(d) ? prims::cast(y, f64) : y;
  return as(prims::pow(fill(w, 2), w), d);
}

namespace {
Tensor log1p_float(const Tensor& y) {
  // Goldberg's trick: with u = 1 + x (rounded), log(u) * x / (u - 1) cancels the rounding error
  // of u, so small x keeps full relative accuracy. u == 1 means x is below half an ulp: log1p = x.
  Tensor one = fill(y, 1);
  Tensor u = prims::add(one, y);
  Tensor um1 = prims::sub(u, one);
  Tensor tiny = prims::equal(u, one);
  Tensor big = prims::equal(u, fill(y, std::numeric_limits<double>::infinity()));
  Tensor nonpos = prims::logical_not(prims::greater(u, fill(y, 0)));  // also NaN
  Tensor special = or_(or_(tiny, big), nonpos);
  // The formula only sees safe operands where its result is not used: an untaken where branch
  // with 0/0 or log(inf) would still poison the gradient with 0 * NaN.
  Tensor two = fill(y, 2);
  Tensor r = prims::mul(prims::log(prims::where(special, two, u)), prims::div(y, prims::where(special, one, um1)));
  // u <= 0 (x <= -1, -inf) or NaN: log(u) itself (-inf or NaN), whose derivative 1/u is PyTorch's
  // 1/(1 + x) there too. u == inf: log1p(inf) = inf (the formula gives inf/inf), derivative
  // 1/(1 + inf) = 0. u == 1: x is tiny, log1p(x) = x.
  r = prims::where(nonpos, prims::log(u), r);
  r = prims::where(big, prims::stop_gradient(u), r);
  return prims::where(tiny, y, r);
}
}  // namespace

Tensor log1p(const Tensor& x) {
  OpScope scope("log1p");
  // The derivative is its own rule, 1 / (1 + x) (PyTorch's, inf at x = -1): accurate everywhere
  // and far cheaper than differentiating the formula's branches and correction quotient.
  return detail::unary_with_derivative("log1p", floatify(x), log1p_float, [](const Tensor& v, const Tensor&) {
    Tensor one = fill(v, 1);
    return prims::div(one, prims::add(one, v));
  });
}

Tensor expm1(const Tensor& x) {
  OpScope scope("expm1");
  // Kahan's trick: with u = exp(x), (u - 1) * x / log(u) corrects the rounding of u.
  Tensor y = floatify(x);
  Tensor one = fill(y, 1);
  Tensor u = prims::exp(y);
  Tensor um1 = prims::sub(u, one);
  // u == 1: tiny x; u - 1 == -1: x very negative (result -1); u == inf: overflow (result inf).
  Tensor special = or_(or_(prims::equal(u, one), prims::equal(um1, fill(y, -1))),
                       prims::equal(u, fill(y, std::numeric_limits<double>::infinity())));
  // Safe operands where the formula's result is not used (see log1p).
  Tensor us = prims::where(special, fill(y, 2), u);
  Tensor r = prims::mul(prims::sub(us, one), prims::div(y, prims::log(us)));  // x / log(u) ~ 1: no overflow
  Tensor res = prims::where(prims::equal(um1, fill(y, -1)), um1, r);
  res = prims::where(prims::equal(u, fill(y, std::numeric_limits<double>::infinity())), u, res);
  return prims::where(prims::equal(u, one), y, res);
}

Tensor sigmoid(const Tensor& x) {
  OpScope scope("sigmoid");
  // e = exp(-|x|) never overflows; sigmoid = 1/(1+e) for x >= 0 and e/(1+e) for x < 0, which keeps
  // full relative accuracy in both tails.
  Tensor y = floatify(x);
  Tensor one = fill(y, 1);
  Tensor neg_side = prims::less(y, fill(y, 0));
  // exp(-|x|) as a select, not through abs: both sides then have the right derivative at x = 0.
  Tensor e = prims::exp(prims::where(neg_side, y, prims::neg(y)));
  Tensor den = prims::add(one, e);
  return prims::div(prims::where(neg_side, e, one), den);
}

Tensor abs(const Tensor& x) {
  OpScope scope("abs");
  DType d = x.dtype();
  if (d == bool_ || !is_signed(d)) return x;
  Tensor zero = fill(x, 0);
  // 0 - x (not -x) so that abs(-0.0) = +0.0; NaN stays NaN.
  Tensor r = prims::sub(zero, x);
  if (!is_floating(d)) return prims::where(prims::greater(x, zero), x, r);
  // The derivative is sign(x), PyTorch's convention: 0 at +-0 and at NaN (0 - x alone would give -1).
  return prims::where(prims::greater(x, zero), x, prims::where(prims::less(x, zero), r, prims::stop_gradient(r)));
}

Tensor sign(const Tensor& x) {
  OpScope scope("sign");
  DType d = x.dtype();
  if (d == bool_) return x;
  Tensor zero = fill(x, 0);
  Tensor pos = prims::cast(prims::greater(x, zero), d);
  if (!is_signed(d)) return pos;
  return prims::sub(pos, prims::cast(prims::less(x, zero), d));  // NaN -> 0, like PyTorch 1.13
}

Tensor floor(const Tensor& x) {
  OpScope scope("floor");
  check(x.dtype() != bool_, "floor", "is not defined for bool tensors");
  return is_floating(x.dtype()) ? prims::floor(x) : x;
}
Tensor ceil(const Tensor& x) {
  OpScope scope("ceil");
  check(x.dtype() != bool_, "ceil", "is not defined for bool tensors");
  return is_floating(x.dtype()) ? prims::neg(prims::floor(prims::neg(x))) : x;
}
Tensor trunc(const Tensor& x) {
  OpScope scope("trunc");
  check(x.dtype() != bool_, "trunc", "is not defined for bool tensors");
  if (!is_floating(x.dtype())) return x;
  return prims::where(prims::less(x, fill(x, 0)), ceil(x), prims::floor(x));
}
Tensor round(const Tensor& x) {
  OpScope scope("round");
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
  Tensor r = prims::where(up, prims::add(f, fill(x, 1)), f);
  // Rounding up from (-1, -0.5] lands on +0; IEEE (and PyTorch) keep x's sign: round(-0.4) = -0.
  return prims::where(prims::equal(r, fill(x, 0)), prims::mul(x, fill(x, 0)), r);
}

Tensor square(const Tensor& x) {
  OpScope scope("square");
  // PyTorch squares bool as int64.
  Tensor y = x.dtype() == bool_ ? prims::cast(x, kDefaultInt) : x;
  return prims::mul(y, y);
}

Tensor clip(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  OpScope scope("clip");
  check(lo.has_value() || hi.has_value(), "clip", "needs at least one of lo and hi");
  check(x.dtype() != bool_, "clip", "is not defined for bool tensors");
  DType d = x.dtype();
  if (lo) d = promote_with_scalar(d, lo->kind);
  if (hi) d = promote_with_scalar(d, hi->kind);
  Tensor y = as(x, d);
  // lo > hi gives hi everywhere, like torch.clamp. NaN in x propagates (both comparisons are false).
  // where() rather than maximum/minimum: the derivative is 1 on the closed interval [lo, hi], like
  // torch.clamp's, where maximum's tie rule would give 1/2 at the bounds.
  if (lo) {
    Tensor l = fill(y, *lo);
    y = prims::where(prims::less(y, l), l, y);
  }
  if (hi) {
    Tensor h = fill(y, *hi);
    y = prims::where(prims::greater(y, h), h, y);
  }
  // NaN stays NaN with derivative 0, like torch.clamp (whose mask lo <= x <= hi is false there).
  if (is_floating(d)) y = prims::where(isnan_same(y), prims::stop_gradient(y), y);
  return y;
}

Tensor cast(const Tensor& x, DType d) {
  OpScope scope("cast");
  check_dtype("cast", d);
  return as(x, d);
}
Tensor stop_gradient(const Tensor& x) {
  OpScope scope("stop_gradient");
  return prims::stop_gradient(x);
}

Tensor isnan(const Tensor& x) {
  OpScope scope("isnan");
  if (!is_floating(x.dtype())) return fill(x, false, bool_);
  return isnan_same(x);
}
Tensor isinf(const Tensor& x) {
  OpScope scope("isinf");
  if (!is_floating(x.dtype())) return fill(x, false, bool_);
  return prims::equal(abs(x), fill(x, std::numeric_limits<double>::infinity()));
}
Tensor isfinite(const Tensor& x) {
  OpScope scope("isfinite");
  if (!is_floating(x.dtype())) return fill(x, true, bool_);
  // x - x is 0 exactly for finite x and NaN for inf and NaN.
  return prims::equal(prims::sub(x, x), fill(x, 0));
}

// ---------------------------------------------------------------- atan2, hypot, logaddexp
// Binary float functions: promote like add, then integers and bool become the default float.

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::pair<Tensor, Tensor> prepare_float(const char* op, const Tensor& a, const Tensor& b) {
  return prepare(op, a, b, float_type(result_type(a, b)));
}

// sqrt(a^2 + b^2). Up to f32 the squares cannot overflow or underflow in f64 and the result rounds
// once; f64 scales by the larger magnitude m: m sqrt(1 + (n / m)^2). An infinite operand gives +inf
// even next to NaN (C's hypot, and PyTorch's).
Tensor hypot_same(const Tensor& a, const Tensor& b) {
  DType d = a.dtype();
  Tensor x = as(a, f64), y = as(b, f64), zero = fill(x, 0);
  Tensor ax = prims::where(prims::less(x, zero), prims::neg(x), x);
  Tensor ay = prims::where(prims::less(y, zero), prims::neg(y), y);
  Tensor h;
  if (widen(d)) {
    h = prims::sqrt(prims::add(prims::mul(ax, ax), prims::mul(ay, ay)));
  } else {
    Tensor x_big = prims::greater(ax, ay);
    Tensor m = prims::where(x_big, ax, ay), n = prims::where(x_big, ay, ax);
    Tensor r = prims::div(n, prims::where(prims::equal(m, zero), fill(x, 1), m));
    h = prims::mul(m, prims::sqrt(prims::add(fill(x, 1), prims::mul(r, r))));
  }
  Tensor inf = fill(x, kInfinity);
  h = prims::where(or_(prims::equal(ax, inf), prims::equal(ay, inf)), inf, h);
  return as(h, d);
}

// max(a, b) + log1p(exp(-|a - b|)), with equal operands (both infinities included) giving a + log 2.
Tensor logaddexp_same(const Tensor& a, const Tensor& b) {
  DType d = a.dtype();
  Tensor x = widen(d) ? as(a, f64) : a, y = widen(d) ? as(b, f64) : b;
  Tensor diff = prims::sub(x, y);
  Tensor neg_abs = prims::where(prims::less(diff, fill(diff, 0)), diff, prims::neg(diff));
  Tensor r = prims::add(prims::maximum(x, y), log1p(prims::exp(neg_abs)));
  r = prims::where(prims::equal(x, y), prims::add(x, fill(x, std::numbers::ln2)), r);
  return as(r, d);
}
}  // namespace

Tensor atan2(const Tensor& y, const Tensor& x) {
  auto [a, b] = prepare_float("atan2", y, x);
  return prims::atan2(a, b);
}

// hypot and logaddexp carry PyTorch's derivatives (a / h, b / h; 1 / (1 + exp(b - a)), 1 / (1 + exp(a - b))):
// differentiating the scaled and branchy forms would give NaN in untaken branches.
Tensor hypot(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare_float("hypot", a, b);
  return detail::binary_with_derivative("hypot", x, y, hypot_same, [](const Tensor& p, const Tensor& q, const Tensor& h) {
    return std::pair{prims::div(p, h), prims::div(q, h)};
  });
}

Tensor logaddexp(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare_float("logaddexp", a, b);
  return detail::binary_with_derivative(
      "logaddexp", x, y, logaddexp_same, [](const Tensor& p, const Tensor& q, const Tensor&) {
        Tensor one = fill(p, 1);
        return std::pair{prims::div(one, prims::add(one, prims::exp(prims::sub(q, p)))),
                         prims::div(one, prims::add(one, prims::exp(prims::sub(p, q))))};
      });
}

}  // namespace slope
