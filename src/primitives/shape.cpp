// The data-movement primitives: all linear. Each block is one primitive's record: shape/dtype rule,
// transpose and batching (the batch axis goes in front and the parameters make room for it); the
// tangent of each is the same op on the tangents. The view-like ones are fusable: the cpu code
// generator turns them into index arithmetic in a loop instead of copies.
#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"

namespace slope::rules {

namespace {
void nonnegative(const char* op, const Shape& s, const char* what) {
  for (int64_t d : s)
    if (d < 0) fail(op, what, " must be non-negative, got ", to_string(s));
}
void per_dim(const char* op, const Shape& s, size_t ndim, const char* what) {
  if (!(s.size() == ndim)) fail(op, what, " needs one entry per dimension (", ndim, "), got ", to_string(s));
}
}  // namespace

// ---- reshape
namespace {
void infer_reshape(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("reshape", n, 1);
  const Shape& s = param<ShapeParams>("reshape", params).shape;
  nonnegative("reshape", s, "target shape");
  int64_t want = checked_numel("reshape", s), have = checked_numel("reshape", in[0].shape);
  if (!(want == have)) fail("reshape", "cannot reshape ", to_string(in[0]), " (", have, " elements) to ", to_string(s), " (",
        want, " elements)");
  out[0] = AVal{s, in[0].dtype};
}

void transpose_reshape(const Params&, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = prims::reshape(ct, in_avals[0].shape);
}
template <Prim P>  // reshape and expand: the target shape gains the batch axis
void batch_shape(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  out = bind1(P, {front(x[0], bdims[0], size)}, ShapeParams{prepend(size, std::get<ShapeParams>(params).shape)});
}
}  // namespace
SLOPE_RECORD(shape, reshape, infer_reshape, linear_tangent<Prim::reshape>, batch_shape<Prim::reshape>,
             .transpose = from_one_cotangent<transpose_reshape>, .fusable = true);

// ---- expand
namespace {
void infer_expand(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("expand", n, 1);
  const Shape& s = param<ShapeParams>("expand", params).shape;
  const Shape& x = in[0].shape;
  if (!(s.size() == x.size())) fail("expand", "target ", to_string(s), " must have the rank of the operand ", to_string(in[0]));
  for (size_t i = 0; i < s.size(); ++i)
    if (!(s[i] >= 0 && (x[i] == s[i] || x[i] == 1))) fail("expand", "cannot expand ", to_string(in[0]), " to ",
          to_string(s), ": dim ", i, " must be 1 or ", s[i]);
  checked_numel("expand", s);  // the result must be addressable
  out[0] = AVal{s, in[0].dtype};
}

void transpose_expand(const Params&, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = unexpand(ct, in_avals[0].shape);
}
}  // namespace
SLOPE_RECORD(shape, expand, infer_expand, linear_tangent<Prim::expand>, batch_shape<Prim::expand>,
             .transpose = from_one_cotangent<transpose_expand>, .fusable = true);

// ---- permute
namespace {
void infer_permute(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("permute", n, 1);
  const Axes& perm = param<AxesParams>("permute", params).axes;
  const Shape& x = in[0].shape;
  if (!(perm.size() == x.size())) fail("permute", "permutation ", to_string(perm), " does not match ", to_string(in[0]));
  SmallVector<bool, 8> seen(x.size(), false);
  Shape o;
  for (int64_t p : perm) {
    if (!(p >= 0 && p < static_cast<int64_t>(x.size()) && !seen[p])) fail("permute", to_string(perm),
          " is not a permutation of the axes of ", to_string(in[0]));
    seen[p] = true;
    o.push_back(x[p]);
  }
  out[0] = AVal{o, in[0].dtype};
}

void transpose_permute(const Params& params, Span, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  const Axes& perm = std::get<AxesParams>(params).axes;
  Axes inv(perm.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  cts[0] = prims::permute(ct, inv);
}
void batch_permute(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  Axes perm{0};
  for (auto v : std::get<AxesParams>(params).axes) perm.push_back(v + 1);
  out = prims::permute(front(x[0], bdims[0], size), perm);
}
}  // namespace
SLOPE_RECORD(shape, permute, infer_permute, linear_tangent<Prim::permute>, batch_permute,
             .transpose = from_one_cotangent<transpose_permute>, .fusable = true);

// ---- pad
namespace {
void infer_pad(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("pad", n, 1);
  const auto& p = param<PadParams>("pad", params);
  const Shape& x = in[0].shape;
  per_dim("pad", p.lo, x.size(), "lo");
  per_dim("pad", p.hi, x.size(), "hi");
  per_dim("pad", p.interior, x.size(), "interior");
  nonnegative("pad", p.lo, "lo");
  nonnegative("pad", p.hi, "hi");
  nonnegative("pad", p.interior, "interior");
  Shape o;
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t body = x[i] > 0 ? checked_add("pad", x[i], checked_mul("pad", x[i] - 1, p.interior[i])) : 0;
    o.push_back(checked_add("pad", checked_add("pad", p.lo[i], p.hi[i]), body));
  }
  checked_numel("pad", o);
  out[0] = AVal{o, in[0].dtype};
}

// The padding value is a constant: its tangent is zero.
Tensor jvp_pad(const Params& params, Span x, Span t, const Tensor&) {
  PadParams zero_pad = std::get<PadParams>(params);
  zero_pad.value = Scalar(0);
  return same_op_tangent(Prim::pad, zero_pad, x, t);
}
void transpose_pad(const Params& params, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  const auto& pp = std::get<PadParams>(params);
  const Shape& s = in_avals[0].shape;
  Shape start, stop, step;
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t st = pp.interior[i] + 1;
    start.push_back(pp.lo[i]);
    stop.push_back(s[i] > 0 ? pp.lo[i] + (s[i] - 1) * st + 1 : pp.lo[i]);
    step.push_back(st);
  }
  cts[0] = prims::slice(ct, start, stop, step);
}
void batch_pad(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  auto pp = std::get<PadParams>(params);
  out = prims::pad(front(x[0], bdims[0], size), prepend(0, pp.lo), prepend(0, pp.hi), prepend(0, pp.interior), pp.value);
}
}  // namespace
SLOPE_RECORD(shape, pad, infer_pad, jvp_pad, batch_pad, .transpose = from_one_cotangent<transpose_pad>);

// ---- slice
namespace {
void infer_slice(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("slice", n, 1);
  const auto& p = param<SliceParams>("slice", params);
  const Shape& x = in[0].shape;
  per_dim("slice", p.start, x.size(), "start");
  per_dim("slice", p.stop, x.size(), "stop");
  per_dim("slice", p.step, x.size(), "step");
  Shape o;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(0 <= p.start[i] && p.start[i] <= p.stop[i] && p.stop[i] <= x[i] && p.step[i] >= 1)) fail("slice",
          "needs 0 <= start <= stop <= size and step >= 1 in every dim; dim ", i, " of ", to_string(in[0]),
          " got start=", p.start[i], " stop=", p.stop[i], " step=", p.step[i]);
    // ceil((stop - start) / step) without forming stop - start + step - 1, which overflows for a huge step.
    int64_t len = p.stop[i] - p.start[i];
    o.push_back(len == 0 ? 0 : (len - 1) / p.step[i] + 1);
  }
  out[0] = AVal{o, in[0].dtype};
}

void transpose_slice(const Params& params, Span, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  const auto& sp = std::get<SliceParams>(params);
  const Shape& s = in_avals[0].shape;
  Shape lo, hi, interior;
  bool empty = false;
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t m = ct.shape()[i];
    empty |= m == 0;
    lo.push_back(sp.start[i]);
    hi.push_back(m > 0 ? s[i] - (sp.start[i] + (m - 1) * sp.step[i] + 1) : 0);
    interior.push_back(sp.step[i] - 1);
  }
  cts[0] = empty ? zeros_of(in_avals[0]) : prims::pad(ct, lo, hi, interior, Scalar(0));
}
void batch_slice(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  auto sp = std::get<SliceParams>(params);
  out = prims::slice(front(x[0], bdims[0], size), prepend(0, sp.start), prepend(size, sp.stop), prepend(1, sp.step));
}
}  // namespace
SLOPE_RECORD(shape, slice, infer_slice, linear_tangent<Prim::slice>, batch_slice,
             .transpose = from_one_cotangent<transpose_slice>, .fusable = true);

// ---- flip
namespace {
void infer_flip(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("flip", n, 1);
  const Axes& axes = param<AxesParams>("flip", params).axes;
  int64_t prev = -1;
  for (int64_t a : axes) {
    if (!(a > prev && a < static_cast<int64_t>(in[0].shape.size()))) fail("flip",
          "axes must be sorted, unique and within the operand ", to_string(in[0]), ", got ", to_string(axes));
    prev = a;
  }
  out[0] = in[0];
}

void transpose_flip(const Params& params, Span, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  cts[0] = prims::flip(ct, std::get<AxesParams>(params).axes);
}
}  // namespace
// Batching shared with the reductions (reduce.cpp): the axes shift past the batch axis.
SLOPE_RECORD(shape, flip, infer_flip, linear_tangent<Prim::flip>, batch_axes<Prim::flip>,
             .transpose = from_one_cotangent<transpose_flip>, .fusable = true);

// ---- cat
namespace {
void infer_cat(const Params& params, const AVal* in, size_t n, AVal* out) {
  check(n >= 1, "cat", "needs at least one operand");
  int64_t axis = param<AxisParams>("cat", params).axis;
  const Shape& s0 = in[0].shape;
  check(axis >= 0 && axis < static_cast<int64_t>(s0.size()), "cat", "axis ", axis, " is out of range for ",
        describe(in, n));
  Shape o = s0;
  o[axis] = 0;
  for (size_t i = 0; i < n; ++i) {
    check(in[i].dtype == in[0].dtype, "cat", "operands must have one dtype, got ", describe(in, n));
    check(in[i].shape.size() == s0.size(), "cat", "operands must have one rank, got ", describe(in, n));
    for (size_t d = 0; d < s0.size(); ++d)
      check(static_cast<int64_t>(d) == axis || in[i].shape[d] == s0[d], "cat", "operands must agree except on axis ",
            axis, ", got ", describe(in, n));
    o[axis] = checked_add("cat", o[axis], in[i].shape[axis]);
  }
  out[0] = AVal{o, in[0].dtype};
}

void transpose_cat(const Params& params, Span x, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  int64_t axis = std::get<AxisParams>(params).axis;
  int64_t offset = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t n = in_avals[i].shape[axis];
    if (!x[i].defined()) {
      Shape start(ct.ndim(), 0), stop(ct.shape()), step(ct.ndim(), 1);
      start[axis] = offset;
      stop[axis] = offset + n;
      cts[i] = prims::slice(ct, start, stop, step);
    }
    offset += n;
  }
}
void batch_cat(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < x.size(); ++i) xs.push_back(front(x[i], bdims[i], size));
  out = prims::cat(xs, std::get<AxisParams>(params).axis + 1);
}
}  // namespace
SLOPE_RECORD(shape, cat, infer_cat, linear_tangent<Prim::cat>, batch_cat, .transpose = from_one_cotangent<transpose_cat>);

}  // namespace slope::rules
