#pragma once
// Internal: small tensor helpers the jvp, transpose and vmap rules of the family files share. Rules
// are written with primitive calls bound on the current interpreter, so derivatives of derivatives
// work.
#include "slope/primitive_ops.h"

namespace slope::rules {

inline Tensor full_as(const Tensor& like, Scalar v) { return prims::full(like.shape(), v, like.dtype()); }
inline Tensor zeros_of(const AVal& a) { return prims::full(a.shape, 0, a.dtype); }
inline Tensor zeros_as(const Tensor& like) { return prims::full(like.shape(), 0, like.dtype()); }
// Undefined tensors stand for symbolic zeros.
inline Tensor add_maybe(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return prims::add(a, b);
}
inline Tensor or_zeros(const Tensor& t, const AVal& a) { return t.defined() ? t : zeros_of(a); }

// Moves axis `from` to position `to`.
inline Tensor move_axis(const Tensor& x, int64_t from, int64_t to) {
  if (from == to) return x;
  Axes perm;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != from) perm.push_back(i);
  perm.insert(perm.begin() + to, from);
  return prims::permute(x, perm);
}

// Sums `ct` (shaped like an expand's output) back to the expand's input shape.
inline Tensor unexpand(const Tensor& ct, const Shape& in_shape) {
  Axes axes;
  for (size_t i = 0; i < in_shape.size(); ++i)
    if (in_shape[i] != ct.shape()[i]) axes.push_back(static_cast<int64_t>(i));
  if (axes.empty()) return ct;
  return prims::reshape(prims::sum(ct, axes), in_shape);
}

// Reinserts reduced `axes` as size-1 dims, then broadcasts to `shape`.
inline Tensor unreduce(const Tensor& y, const Axes& axes, const Shape& shape) {
  Shape kept = shape;
  for (int64_t a : axes) kept[a] = 1;
  return prims::expand(prims::reshape(y, kept), shape);
}

// The tangent of y = f(x) whose derivative is d: t * d (a zero tangent stays zero).
inline Tensor scale(const Tensor& t, const Tensor& d) { return t.defined() ? prims::mul(t, d) : Tensor(); }

// ---- batching ----
// x with its batch axis at 0; an unbatched x is broadcast along a new leading axis.
inline Tensor front(const Tensor& x, int64_t bdim, int64_t size) {
  if (bdim >= 0) return move_axis(x, bdim, 0);
  Shape s1{1}, sb{size};
  for (auto d : x.shape()) {
    s1.push_back(d);
    sb.push_back(d);
  }
  return prims::expand(prims::reshape(x, s1), sb);
}
// Axis parameters of an op applied to a batch-in-front operand.
inline Axes shift(const Axes& a) {
  Axes r;
  for (auto v : a) r.push_back(v + 1);
  return r;
}
inline Shape prepend(int64_t v, const Shape& s) {
  Shape r{v};
  for (auto d : s) r.push_back(d);
  return r;
}

}  // namespace slope::rules
