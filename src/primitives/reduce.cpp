// The reductions: `axes` (sorted, unique, in range) are removed. Each block is one primitive's
// record; batching moves the batch axis in front and shifts the axes.
#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"

namespace slope::rules {

namespace {
void reduce(const char* op, const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  const Axes& axes = param<AxesParams>(op, params).axes;
  const Shape& s = in[0].shape;
  int64_t prev = -1;
  for (int64_t a : axes) {
    if (!(a > prev && a < static_cast<int64_t>(s.size()))) fail(op, "axes must be sorted, unique and within a ",
          s.size(), "-d operand, got ", to_string(axes));
    prev = a;
  }
  Shape o;
  size_t k = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (k < axes.size() && axes[k] == static_cast<int64_t>(i)) {
      ++k;
      continue;
    }
    o.push_back(s[i]);
  }
  out[0] = AVal{o, in[0].dtype};
}
}  // namespace

// Also flip's batching rule: the same axes, shifted past the batch axis.
void batch_along_axes(Prim p, const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out) {
  out = bind1(p, {front(x[0], bdims[0], size)}, AxesParams{shift(std::get<AxesParams>(params).axes)});
}

// Integer and bool sums are int64, like PyTorch's: kernels accumulate narrow integers straight
// into the wide output, so no procedure ever stores a widened copy of the input.
namespace {
void infer_sum(const Params& params, const AVal* in, size_t n, AVal* out) {
  reduce("sum", params, in, n, out);
  if (!is_floating(in[0].dtype)) out[0].dtype = i64;
}
void transpose_sum(const Params& params, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = unreduce(ct, std::get<AxesParams>(params).axes, in_avals[0].shape);
}
}  // namespace
SLOPE_RECORD(reduce, sum, infer_sum, linear_tangent<Prim::sum>, batch_axes<Prim::sum>,
             .transpose = from_one_cotangent<transpose_sum>);

// ---- max: ties share the gradient evenly (like PyTorch's amax).
namespace {
void infer_max(const Params& params, const AVal* in, size_t n, AVal* out) {
  reduce("max", params, in, n, out);
  for (int64_t a : std::get<AxesParams>(params).axes)
    if (!(in[0].shape[a] > 0)) fail("max", "cannot reduce over the empty axis ", a, " of ", to_string(in[0]),
          " (the maximum of nothing is undefined)");
}
Tensor jvp_max(const Params& params, Span x, Span t, const Tensor& y) {
  if (!t[0].defined()) return Tensor();
  const Axes& axes = std::get<AxesParams>(params).axes;
  Tensor mask = prims::cast(prims::equal(x[0], unreduce(y, axes, x[0].shape())), y.dtype());
  Tensor picked = prims::sum(prims::mul(t[0], mask), axes);
  return prims::div(picked, prims::sum(mask, axes));
}
}  // namespace
SLOPE_RECORD(reduce, max, infer_max, jvp_max, batch_axes<Prim::max>);

}  // namespace slope::rules
