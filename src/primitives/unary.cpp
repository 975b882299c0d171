// The elementwise unary primitives: one operand, the output has its shape. Each block is one
// primitive's record: shape/dtype rule, tangent, and (if linear) transpose; batching is the
// family's (the op maps over the batch axis where it is).
#include <cmath>

#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"

namespace slope::rules {

namespace {
constexpr double kPi = 3.14159265358979323846;

void same_type(const char* op, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  out[0] = in[0];
}
void float_only(const char* op, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  expect_float(op, in[0]);
  out[0] = in[0];
}

template <Prim P>
void unary_batch(const Params& params, Span x, std::span<const int64_t> bdims, int64_t, Tensor& out, int64_t& ob) {
  out = bind1(P, {x[0]}, params);
  ob = bdims[0];
}
}  // namespace

#define SLOPE_UNARY(name_, infer_, tangent_, ...) \
  SLOPE_RECORD(unary, name_, infer_, tangent_, unary_batch<Prim::name_> __VA_OPT__(, ) __VA_ARGS__)

// ---- neg: on bool it has no meaning; PyTorch rejects it too.
namespace {
void infer_neg(const Params&, const AVal* in, size_t n, AVal* out) {
  same_type("neg", in, n, out);
  check(in[0].dtype != bool_, "neg", "is not defined for bool tensors (use logical_not)");
}
Tensor jvp_neg(const Params&, Span, Span t, const Tensor&) { return t[0].defined() ? prims::neg(t[0]) : Tensor(); }
void transpose_neg(const Params&, Span, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = prims::neg(ct);
}
}  // namespace
SLOPE_UNARY(neg, infer_neg, jvp_neg, .transpose = from_one_cotangent<transpose_neg>);

// ---- exp
namespace {
void infer_exp(const Params&, const AVal* in, size_t n, AVal* out) { float_only("exp", in, n, out); }
Tensor jvp_exp(const Params&, Span, Span t, const Tensor& y) { return scale(t[0], y); }
}  // namespace
SLOPE_UNARY(exp, infer_exp, jvp_exp, .heavy = true);

// ---- log
// [snippet:log]
namespace {
void infer_log(const Params&, const AVal* in, size_t n, AVal* out) { float_only("log", in, n, out); }
Tensor jvp_log(const Params&, Span x, Span t, const Tensor&) { return t[0].defined() ? prims::div(t[0], x[0]) : Tensor(); }
}  // namespace
SLOPE_UNARY(log, infer_log, jvp_log, .heavy = true);
// [/snippet:log]

// ---- sin: its derivative is the cos primitive (sin(x + pi/2) would lose all accuracy
// at large |x| because x + pi/2 rounds).
namespace {
void infer_sin(const Params&, const AVal* in, size_t n, AVal* out) { float_only("sin", in, n, out); }
Tensor jvp_sin(const Params&, Span x, Span t, const Tensor&) { return scale(t[0], prims::cos(x[0])); }
}  // namespace
SLOPE_UNARY(sin, infer_sin, jvp_sin, .heavy = true);

// ---- cos: a primitive because libm's cos is accurate everywhere, where any formula over sin
// loses accuracy somewhere, and because sin's derivative needs it without a custom rule.
namespace {
void infer_cos(const Params&, const AVal* in, size_t n, AVal* out) { float_only("cos", in, n, out); }
Tensor jvp_cos(const Params&, Span x, Span t, const Tensor&) { return scale(t[0], prims::neg(prims::sin(x[0]))); }
}  // namespace
SLOPE_UNARY(cos, infer_cos, jvp_cos, .heavy = true);

// ---- sqrt
namespace {
void infer_sqrt(const Params&, const AVal* in, size_t n, AVal* out) { float_only("sqrt", in, n, out); }
Tensor jvp_sqrt(const Params&, Span, Span t, const Tensor& y) {
  return t[0].defined() ? prims::div(t[0], prims::mul(full_as(y, 2), y)) : Tensor();
}
}  // namespace
SLOPE_UNARY(sqrt, infer_sqrt, jvp_sqrt, .heavy = true);

// ---- tanh
namespace {
void infer_tanh(const Params&, const AVal* in, size_t n, AVal* out) { float_only("tanh", in, n, out); }
Tensor jvp_tanh(const Params&, Span, Span t, const Tensor& y) {
  Tensor one = full_as(y, 1);
  return scale(t[0], prims::sub(one, prims::mul(y, y)));
}
}  // namespace
SLOPE_UNARY(tanh, infer_tanh, jvp_tanh, .heavy = true);

// ---- erf
namespace {
void infer_erf(const Params&, const AVal* in, size_t n, AVal* out) { float_only("erf", in, n, out); }
Tensor jvp_erf(const Params&, Span x, Span t, const Tensor&) {
  Tensor c = full_as(x[0], 2 / std::sqrt(kPi));
  return scale(t[0], prims::mul(c, prims::exp(prims::neg(prims::mul(x[0], x[0])))));
}
}  // namespace
SLOPE_UNARY(erf, infer_erf, jvp_erf, .heavy = true);

// ---- floor: piecewise constant, so no tangent.
namespace {
void infer_floor(const Params&, const AVal* in, size_t n, AVal* out) { same_type("floor", in, n, out); }
}  // namespace
SLOPE_UNARY(floor, infer_floor, no_tangent);

// ---- logical_not
namespace {
void infer_logical_not(const Params&, const AVal* in, size_t n, AVal* out) {
  same_type("logical_not", in, n, out);
  if (!(in[0].dtype == bool_)) fail("logical_not", "expects a bool operand, got ", to_string(in[0]));
}
}  // namespace
SLOPE_UNARY(logical_not, infer_logical_not, no_tangent);

// ---- cast: linear between float types; a tangent does not survive a cast to or from an integer.
namespace {
void infer_cast(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("cast", n, 1);
  check_dtype("cast", param<CastParams>("cast", params).dtype);
  out[0] = AVal{in[0].shape, param<CastParams>("cast", params).dtype};
}
Tensor jvp_cast(const Params& params, Span x, Span t, const Tensor&) {
  DType to = std::get<CastParams>(params).dtype;
  return (t[0].defined() && is_floating(to) && is_floating(x[0].dtype())) ? prims::cast(t[0], to) : Tensor();
}
void transpose_cast(const Params&, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = prims::cast(ct, in_avals[0].dtype);
}
}  // namespace
SLOPE_UNARY(cast, infer_cast, jvp_cast, .transpose = from_one_cotangent<transpose_cast>);

// ---- stop_gradient: the identity whose tangent is zero.
namespace {
void infer_stop_gradient(const Params&, const AVal* in, size_t n, AVal* out) { same_type("stop_gradient", in, n, out); }
}  // namespace
SLOPE_UNARY(stop_gradient, infer_stop_gradient, no_tangent);

}  // namespace slope::rules
