// The elementwise binary primitives (and the ternary `where`): operands of one shape and one dtype.
// Each block is one primitive's record: shape/dtype rule, tangent, and (if linear) transpose;
// batching is the family's (unbatched operands are broadcast along the batch axis).
#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"

namespace slope::rules {

namespace {
void agree(const char* op, const AVal* in, size_t n, size_t expected) {
  expect_inputs(op, n, expected);
  for (size_t i = 1; i < n; ++i) {
    check(in[i].shape == in[0].shape, op, "operands must have one shape (broadcast first), got ", describe(in, n));
    check(in[i].dtype == in[0].dtype, op, "operands must have one dtype (cast first), got ", describe(in, n));
  }
}
void arith(const char* op, const AVal* in, size_t n, AVal* out) {
  agree(op, in, n, 2);
  out[0] = in[0];
}
void compare(const char* op, const AVal* in, size_t n, AVal* out) {
  agree(op, in, n, 2);
  out[0] = AVal{in[0].shape, bool_};
}
}  // namespace

void batch_elementwise(Prim p, const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out,
                       int64_t& ob) {
  // Same batch axis everywhere already: no movement needed.
  bool same = true;
  for (size_t i = 0; i < x.size(); ++i) same &= bdims[i] == bdims[0];
  if (same) {
    out = bind1(p, x, params);
    ob = bdims[0];
    return;
  }
  std::vector<Tensor> xs;
  for (size_t i = 0; i < x.size(); ++i) xs.push_back(front(x[i], bdims[i], size));
  out = bind1(p, std::span<const Tensor>(xs), params);
}

#define SLOPE_BINARY(name_, infer_, tangent_, ...) \
  SLOPE_RECORD(binary, name_, infer_, tangent_, elementwise_batch<Prim::name_> __VA_OPT__(, ) __VA_ARGS__)

// ---- add
namespace {
void infer_add(const Params&, const AVal* in, size_t n, AVal* out) { arith("add", in, n, out); }
void transpose_add(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  if (!x[0].defined()) cts[0] = ct;
  if (!x[1].defined()) cts[1] = ct;
}
}  // namespace
SLOPE_BINARY(add, infer_add, linear_tangent<Prim::add>, .transpose = from_one_cotangent<transpose_add>);

// ---- sub
namespace {
void infer_sub(const Params&, const AVal* in, size_t n, AVal* out) { arith("sub", in, n, out); }
void transpose_sub(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  if (!x[0].defined()) cts[0] = ct;
  if (!x[1].defined()) cts[1] = prims::neg(ct);
}
}  // namespace
SLOPE_BINARY(sub, infer_sub, linear_tangent<Prim::sub>, .transpose = from_one_cotangent<transpose_sub>);

// ---- mul: linear in either operand when the other is known.
namespace {
void infer_mul(const Params&, const AVal* in, size_t n, AVal* out) { arith("mul", in, n, out); }
Tensor jvp_mul(const Params&, Span x, Span t, const Tensor&) {
  // One statement per op: C++ leaves the order of function arguments unspecified (g++ and clang
  // differ), and a staged program must not depend on the compiler that built slope.
  Tensor left = t[0].defined() ? prims::mul(t[0], x[1]) : Tensor();
  Tensor right = t[1].defined() ? prims::mul(x[0], t[1]) : Tensor();
  return add_maybe(left, right);
}
void transpose_mul(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  bool lin0 = !x[0].defined(), lin1 = !x[1].defined();
  check(!(lin0 && lin1), "transpose", "mul of two linear values is not linear");
  if (lin0) cts[0] = prims::mul(ct, x[1]);
  if (lin1) cts[1] = prims::mul(x[0], ct);
}
}  // namespace
SLOPE_BINARY(mul, infer_mul, jvp_mul, .transpose = from_one_cotangent<transpose_mul>);

// ---- div: linear in its numerator. Integer division by zero is checked on the data (no kernel
// has to, and the error names the op).
namespace {
void infer_div(const Params&, const AVal* in, size_t n, AVal* out) { arith("div", in, n, out); }
Tensor jvp_div(const Params&, Span x, Span t, const Tensor& y) {
  Tensor a = t[0].defined() ? prims::div(t[0], x[1]) : Tensor();
  Tensor b = t[1].defined() ? prims::neg(prims::mul(t[1], prims::div(y, x[1]))) : Tensor();
  return add_maybe(a, b);
}
void transpose_div(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  check(x[1].defined(), "transpose", "div is linear only in its numerator");
  cts[0] = prims::div(ct, x[1]);
}
void check_div(const Params&, Span in) {
  if (!is_integral(in[1].dtype())) return;
  visit_dtype(in[1].dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (scalar::is_int_v<T>) {
      const T* d = static_cast<const T*>(in[1].data());
      for (int64_t i = 0, n = in[1].numel(); i < n; ++i)
        if (d[i] == 0) fail("div", "integer division by zero (", to_string(in[1].aval()), " divisor)");
    }
  });
}
}  // namespace
SLOPE_BINARY(div, infer_div, jvp_div, .transpose = from_one_cotangent<transpose_div>, .check_data = check_div);

// ---- pow: d/dx x^y = y x^(y-1) (taken as 0 where y == 0, like PyTorch); d/dy = x^y log x (0 where
// x == 0 and y >= 0, like PyTorch: for y < 0 it is inf * -inf = -inf).
namespace {
void infer_pow(const Params&, const AVal* in, size_t n, AVal* out) { arith("pow", in, n, out); }
Tensor jvp_pow(const Params&, Span x, Span t, const Tensor& y) {
  Tensor a, b;
  if (t[0].defined()) {
    Tensor zero = zeros_as(x[1]);
    Tensor d = prims::mul(x[1], prims::pow(x[0], prims::sub(x[1], full_as(x[1], 1))));
    a = prims::mul(t[0], prims::where(prims::equal(x[1], zero), zero, d));
  }
  if (t[1].defined()) {
    Tensor zero = zeros_as(x[0]);
    // x == 0 and y >= 0 (y == y excludes NaN); bool mul is logical and
    Tensor not_nan = prims::equal(x[1], x[1]);
    Tensor y_ge0 = prims::mul(not_nan, prims::logical_not(prims::less(x[1], zeros_as(x[1]))));
    Tensor is0 = prims::mul(prims::equal(x[0], zero), y_ge0);
    Tensor logx = prims::log(prims::where(is0, full_as(x[0], 1), x[0]));
    b = prims::mul(t[1], prims::where(is0, zero, prims::mul(y, logx)));
  }
  return add_maybe(a, b);
}
}  // namespace
SLOPE_BINARY(pow, infer_pow, jvp_pow, .heavy = true);

// ---- maximum: PyTorch's convention for maximum/minimum: ties split the gradient evenly, and where
// the inputs are unordered (a NaN) each gets all of it.
namespace {
void infer_maximum(const Params&, const AVal* in, size_t n, AVal* out) { arith("maximum", in, n, out); }
Tensor jvp_maximum(const Params&, Span x, Span t, const Tensor& y) {
  Tensor zero = zeros_as(y), one = full_as(y, 1);
  Tensor tie = prims::equal(x[0], x[1]);
  Tensor w_eq = prims::where(tie, full_as(y, 0.5), one);
  Tensor wa = prims::where(prims::less(x[0], x[1]), zero, w_eq);
  Tensor wb = prims::where(prims::greater(x[0], x[1]), zero, w_eq);
  Tensor a = scale(t[0], wa);
  return add_maybe(a, scale(t[1], wb));
}
}  // namespace
SLOPE_BINARY(maximum, infer_maximum, jvp_maximum);

// ---- comparisons: bool results, no tangent.
namespace {
void infer_equal(const Params&, const AVal* in, size_t n, AVal* out) { compare("equal", in, n, out); }
void infer_less(const Params&, const AVal* in, size_t n, AVal* out) { compare("less", in, n, out); }
void infer_greater(const Params&, const AVal* in, size_t n, AVal* out) { compare("greater", in, n, out); }
}  // namespace
SLOPE_BINARY(equal, infer_equal, no_tangent);
SLOPE_BINARY(less, infer_less, no_tangent);
SLOPE_BINARY(greater, infer_greater, no_tangent);

// ---- atan2(y, x): float only, like the unary transcendentals (procedures promote integers first).
// d atan2(y, x) = (x dy - y dx) / (x^2 + y^2), PyTorch's formula (NaN at the origin, like it).
namespace {
void infer_atan2(const Params&, const AVal* in, size_t n, AVal* out) {
  arith("atan2", in, n, out);
  expect_float("atan2", in[0]);
}
Tensor jvp_atan2(const Params&, Span x, Span t, const Tensor&) {
  Tensor yy = prims::mul(x[0], x[0]);  // one statement per op: see jvp_mul
  Tensor xx = prims::mul(x[1], x[1]);
  Tensor r2 = prims::add(yy, xx);
  Tensor left = t[0].defined() ? prims::mul(t[0], prims::div(x[1], r2)) : Tensor();
  Tensor right = t[1].defined() ? prims::mul(t[1], prims::div(prims::neg(x[0]), r2)) : Tensor();
  return add_maybe(left, right);
}
}  // namespace
SLOPE_BINARY(atan2, infer_atan2, jvp_atan2, .heavy = true);

// ---- where(cond, a, b): linear in the branches.
namespace {
void infer_where(const Params&, const AVal* in, size_t n, AVal* out) {
  expect_inputs("where", n, 3);
  check(in[0].dtype == bool_, "where", "condition must be bool, got ", describe(in, n));
  check(in[0].shape == in[1].shape && in[1].shape == in[2].shape, "where",
        "operands must have one shape (broadcast first), got ", describe(in, n));
  check(in[1].dtype == in[2].dtype, "where", "branches must have one dtype, got ", describe(in, n));
  out[0] = in[1];
}
Tensor jvp_where(const Params&, Span x, Span t, const Tensor&) {
  if (!t[1].defined() && !t[2].defined()) return Tensor();
  return prims::where(x[0], or_zeros(t[1], x[1].aval()), or_zeros(t[2], x[2].aval()));
}
void transpose_where(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  Tensor zero = zeros_as(ct);
  if (!x[1].defined()) cts[1] = prims::where(x[0], ct, zero);
  if (!x[2].defined()) cts[2] = prims::where(x[0], zero, ct);
}
}  // namespace
SLOPE_RECORD(ternary, where, infer_where, jvp_where, elementwise_batch<Prim::where>,
             .transpose = from_one_cotangent<transpose_where>);

}  // namespace slope::rules
