// sort, argsort and topk (torch.sort / argsort / topk) over the argsort primitive: the positions
// come from the primitive (stable, NaN largest), the values are a gather of x at them, so the
// gradient flows to the element each value came from (the gather's transpose, a scatter_add).
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

Tensor as_shape(const Tensor& t, const Shape& s) { return t.shape() == s ? t : prims::reshape(t, s); }

// x with at least one dim (a 0-d tensor sorts as one element), and the normalised axis.
struct Rows {
  Tensor x;
  int64_t axis;
};
Rows rows_of(const char* op, const Tensor& x, int64_t axis) {
  check(x.defined(), op, "input is an empty Tensor handle");
  if (x.ndim() == 0) {
    normalize_axis(op, axis, 1);
    return {prims::reshape(x, {1}), 0};
  }
  return {x, normalize_axis(op, axis, x.ndim())};
}

// out[..., j, ...] = x[..., idx[..., j, ...], ...] along `axis`, idx in [0, x.shape[axis]) and of
// x's shape but (possibly) along axis: one gather from the flattened x at linear positions.
Tensor take_rows(const Tensor& x, const Tensor& idx, int64_t axis) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
  const int64_t n = s[axis], k = idx.shape()[axis];
  const Shape s3{outer, k, inner};
  auto i64s = [](const Shape& sh, int64_t v) { return prims::full(sh, Scalar(v), i64); };
  Tensor row = prims::mul(prims::reshape(prims::arange(outer, Scalar(int64_t{0}), Scalar(int64_t{1}), i64), {outer, 1, 1}),
                          i64s({outer, 1, 1}, n * inner));
  Tensor col = prims::reshape(prims::arange(inner, Scalar(int64_t{0}), Scalar(int64_t{1}), i64), {1, 1, inner});
  Tensor lin = prims::add(prims::mul(prims::reshape(idx, s3), i64s(s3, inner)),
                          prims::add(prims::expand(row, s3), prims::expand(col, s3)));
  return as_shape(prims::gather(prims::reshape(x, {x.numel()}), lin, 0), idx.shape());
}

SortResult sorted_along(const Rows& r, int64_t k, bool descending, const Shape& out_shape) {
  Tensor idx = prims::argsort(r.x, r.axis, descending);
  if (k < r.x.shape()[r.axis]) {
    Shape start(r.x.ndim(), 0), stop = r.x.shape(), step(r.x.ndim(), 1);
    stop[r.axis] = k;
    idx = prims::slice(idx, start, stop, step);
  }
  Tensor values = take_rows(r.x, idx, r.axis);
  return {as_shape(values, out_shape), as_shape(idx, out_shape)};
}

}  // namespace

SortResult sort(const Tensor& x, int64_t axis, bool descending, bool /*stable: always*/) {
  Rows r = rows_of("sort", x, axis);
  return sorted_along(r, r.x.shape()[r.axis], descending, x.shape());
}

Tensor argsort(const Tensor& x, int64_t axis, bool descending, bool /*stable: always*/) {
  Rows r = rows_of("argsort", x, axis);
  return as_shape(prims::argsort(r.x, r.axis, descending), x.shape());
}

SortResult topk(const Tensor& x, int64_t k, int64_t axis, bool largest, bool /*sorted: always*/) {
  Rows r = rows_of("topk", x, axis);
  const int64_t n = r.x.shape()[r.axis];
  check(k >= 0 && k <= n, "topk", "k = ", k, " is out of range for dim ", r.axis, " of size ", n, " (input ",
        to_string(x.aval()), ")");
  if (x.ndim() == 0) return sorted_along(r, 1, largest, {});  // like torch, k = 0 too gives the element
  Shape out = x.shape();
  out[r.axis] = k;
  return sorted_along(r, k, largest, out);
}

}  // namespace slope
