#pragma once
// Typed calls of each primitive: the vocabulary procedures and transformation rules are written in.
// No broadcasting or promotion here; the shape rules reject operands that do not already agree.
#include <vector>

#include "slope/interpreter.h"

namespace slope::prims {

#define SLOPE_UNARY(name) \
  inline Tensor name(const Tensor& x) { return bind1(Prim::name, {x}); }
SLOPE_UNARY(neg)
SLOPE_UNARY(exp)
SLOPE_UNARY(log)
SLOPE_UNARY(sin)
SLOPE_UNARY(cos)
SLOPE_UNARY(sqrt)
SLOPE_UNARY(tanh)
SLOPE_UNARY(erf)
SLOPE_UNARY(floor)
SLOPE_UNARY(logical_not)
SLOPE_UNARY(stop_gradient)
#undef SLOPE_UNARY
inline Tensor cast(const Tensor& x, DType d) { return bind1(Prim::cast, {x}, CastParams{d}); }

#define SLOPE_BINARY(name) \
  inline Tensor name(const Tensor& a, const Tensor& b) { return bind1(Prim::name, {a, b}); }
SLOPE_BINARY(add)
SLOPE_BINARY(sub)
SLOPE_BINARY(mul)
SLOPE_BINARY(div)
SLOPE_BINARY(pow)
SLOPE_BINARY(maximum)
SLOPE_BINARY(equal)
SLOPE_BINARY(less)
SLOPE_BINARY(greater)
SLOPE_BINARY(atan2)
SLOPE_BINARY(matmul)
#undef SLOPE_BINARY
inline Tensor where(const Tensor& c, const Tensor& a, const Tensor& b) { return bind1(Prim::where, {c, a, b}); }

inline Tensor sum(const Tensor& x, const Axes& axes) { return bind1(Prim::sum, {x}, AxesParams{axes}); }
inline Tensor max(const Tensor& x, const Axes& axes) { return bind1(Prim::max, {x}, AxesParams{axes}); }

inline Tensor reshape(const Tensor& x, const Shape& s) { return bind1(Prim::reshape, {x}, ShapeParams{s}); }
inline Tensor expand(const Tensor& x, const Shape& s) { return bind1(Prim::expand, {x}, ShapeParams{s}); }
inline Tensor permute(const Tensor& x, const Axes& perm) { return bind1(Prim::permute, {x}, AxesParams{perm}); }
inline Tensor pad(const Tensor& x, const Shape& lo, const Shape& hi, const Shape& interior, Scalar value) {
  return bind1(Prim::pad, {x}, PadParams{lo, hi, interior, value});
}
inline Tensor slice(const Tensor& x, const Shape& start, const Shape& stop, const Shape& step) {
  return bind1(Prim::slice, {x}, SliceParams{start, stop, step});
}
inline Tensor flip(const Tensor& x, const Axes& axes) { return bind1(Prim::flip, {x}, AxesParams{axes}); }
inline Tensor cat(const std::vector<Tensor>& xs, int64_t axis) {
  return bind1(Prim::cat, std::span<const Tensor>(xs), AxisParams{axis});
}

inline Tensor full(const Shape& s, Scalar v, DType d) { return bind1(Prim::full, {}, FullParams{s, d, v}); }
// Zeros of x's type: the symbolic-zero tangent or cotangent made concrete.
inline Tensor zeros_as(const Tensor& x) { return full(x.shape(), 0, x.dtype()); }
inline Tensor arange(int64_t n, Scalar start, Scalar step, DType d) {
  return bind1(Prim::arange, {}, ArangeParams{n, start, step, d});
}

inline Tensor threefry(const Tensor& key, const Tensor& counts) { return bind1(Prim::threefry, {key, counts}); }
inline Tensor conv(const Tensor& x, const Tensor& w, const ConvParams& p) { return bind1(Prim::conv, {x, w}, p); }
inline Tensor gather(const Tensor& x, const Tensor& idx, int64_t axis) {
  return bind1(Prim::gather, {x, idx}, AxisParams{axis});
}
inline Tensor scatter_add(const Tensor& x, const Tensor& idx, const Tensor& upd, int64_t axis) {
  return bind1(Prim::scatter_add, {x, idx, upd}, AxisParams{axis});
}
inline Tensor argmax(const Tensor& x, int64_t axis) { return bind1(Prim::argmax, {x}, AxisParams{axis}); }

inline Tensor argsort(const Tensor& x, int64_t axis, bool descending) {
  return bind1(Prim::argsort, {x}, SortParams{axis, descending});
}

}  // namespace slope::prims
