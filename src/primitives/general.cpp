// Shape/dtype rules of threefry, matmul, conv, gather, scatter_add, argsort and argmax.
#include "rules.h"

namespace slope::rules {

// threefry(key u32[2], counts u32[...]) -> u32[...]: JAX's threefry_2x32 on the flattened counts.
void infer_threefry(const Params&, const AVal* in, size_t n, AVal* out) {
  expect_inputs("threefry", n, 2);
  if (!(in[0].dtype == u32 && in[0].shape == Shape{2})) fail("threefry", "key must be u32 [2], got ", to_string(in[0]));
  if (!(in[1].dtype == u32)) fail("threefry", "counts must be u32, got ", to_string(in[1]));
  out[0] = in[1];
}

// matmul: [..., m, k] x [..., k, n] -> [..., m, n], batch dims equal (procedures broadcast them).
void infer_matmul(const Params&, const AVal* in, size_t n, AVal* out) {
  expect_inputs("matmul", n, 2);
  const Shape &a = in[0].shape, &b = in[1].shape;
  check(a.size() >= 2 && a.size() == b.size(), "matmul", "operands must have one rank >= 2, got ", describe(in, n));
  check(in[0].dtype == in[1].dtype, "matmul", "operands must have one dtype, got ", describe(in, n));
  check(in[0].dtype != bool_, "matmul", "is not defined for bool, got ", describe(in, n));
  size_t r = a.size();
  for (size_t i = 0; i + 2 < r; ++i)
    check(a[i] == b[i], "matmul", "batch dims must be equal (broadcast first), got ", describe(in, n));
  check(a[r - 1] == b[r - 2], "matmul", "inner dims differ: ", describe(in, n));
  Shape o = a;
  o[r - 1] = b[r - 1];
  out[0] = AVal{o, in[0].dtype};
}

void infer_conv(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("conv", n, 2);
  const auto& p = param<ConvParams>("conv", params);
  const Shape &x = in[0].shape, &w = in[1].shape;
  check(x.size() >= 3 && x.size() <= 5 && w.size() == x.size(), "conv",
        "expects x [N, C, *spatial] and w [O, C/groups, *kernel] with 1-3 spatial dims, got ", describe(in, n));
  check(in[0].dtype == in[1].dtype && in[0].dtype != bool_, "conv", "operands must have one non-bool dtype, got ",
        describe(in, n));
  size_t d = x.size() - 2;
  if (!(p.stride.size() == d && p.dilation.size() == d && p.pad_lo.size() == d && p.pad_hi.size() == d)) fail("conv",
        "stride, dilation and padding need ", d, " entries each, got ", to_string(params));
  check(p.groups >= 1 && x[1] % p.groups == 0 && w[0] % p.groups == 0, "conv", "groups=", p.groups,
        " must divide the input channels ", x[1], " and output channels ", w[0]);
  int64_t expected_c = checked_mul("conv", w[1], p.groups);
  check(expected_c == x[1], "conv", "weight expects ", expected_c, " input channels (", w[1], " x groups ",
        p.groups, "), input has ", x[1], ": ", describe(in, n));
  Shape o{x[0], w[0]};
  for (size_t i = 0; i < d; ++i) {
    if (!(p.stride[i] >= 1 && p.dilation[i] >= 1 && p.pad_lo[i] >= 0 && p.pad_hi[i] >= 0)) fail("conv",
          "stride and dilation must be >= 1 and padding >= 0, got ", to_string(params));
    check(w[2 + i] >= 1, "conv", "kernel spatial sizes must be >= 1, got ", describe(in, n));
    int64_t span = checked_add("conv", checked_mul("conv", p.dilation[i], w[2 + i] - 1), 1);
    int64_t padded = checked_add("conv", checked_add("conv", x[2 + i], p.pad_lo[i]), p.pad_hi[i]);
    check(span <= padded, "conv", "kernel (extent ", span, ") is larger than the padded input (", padded,
          ") in spatial dim ", i, ": ", describe(in, n));
    o.push_back((padded - span) / p.stride[i] + 1);
  }
  checked_numel("conv", o);
  out[0] = AVal{o, in[0].dtype};
}

namespace {
Shape gathered(const Shape& x, const Shape& idx, int64_t axis) {
  Shape o(x.begin(), x.begin() + axis);
  for (int64_t d : idx) o.push_back(d);
  for (size_t i = axis + 1; i < x.size(); ++i) o.push_back(x[i]);
  return o;
}
void check_index(const char* op, const AVal& x, const AVal& idx, int64_t axis, const AVal* in, size_t n) {
  check(axis >= 0 && axis < static_cast<int64_t>(x.shape.size()), op, "axis ", axis, " is out of range for ",
        describe(in, n));
  check(is_integral(idx.dtype), op, "indices must be an integer tensor, got ", describe(in, n));
}
}  // namespace

// gather(x, idx; axis) -> x.shape[:axis] + idx.shape + x.shape[axis+1:], out[..i.., j, ..k..] = x[..i.., idx[j], ..k..].
void infer_gather(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("gather", n, 2);
  int64_t axis = param<AxisParams>("gather", params).axis;
  check_index("gather", in[0], in[1], axis, in, n);
  out[0] = AVal{gathered(in[0].shape, in[1].shape, axis), in[0].dtype};
}

// scatter_add(x, idx, updates; axis): the transpose of gather; updates has gather's output shape.
void infer_scatter_add(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("scatter_add", n, 3);
  int64_t axis = param<AxisParams>("scatter_add", params).axis;
  check_index("scatter_add", in[0], in[1], axis, in, n);
  if (!(in[2].dtype == in[0].dtype && in[2].shape == gathered(in[0].shape, in[1].shape, axis))) fail("scatter_add",
        "updates must be ", to_string(AVal{gathered(in[0].shape, in[1].shape, axis), in[0].dtype}), ", got ",
        describe(in, n));
  out[0] = in[0];
}

// argsort(x; axis, descending) -> i64 positions of x's shape: any dtype, any rank >= 1.
void infer_argsort(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("argsort", n, 1);
  int64_t axis = param<SortParams>("argsort", params).axis;
  check(axis >= 0 && axis < static_cast<int64_t>(in[0].shape.size()), "argsort", "axis ", axis,
        " is out of range for ", describe(in, n));
  out[0] = AVal{in[0].shape, i64};
}

// argmax(x; axis) -> x.shape without axis, i64: the index of the first maximum along axis (NaN
// counts as the maximum). One pass over x whatever its dtype: no index tensor of x's size.
void infer_argmax(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("argmax", n, 1);
  const int64_t axis = param<AxisParams>("argmax", params).axis;
  const Shape& s = in[0].shape;
  check(axis >= 0 && axis < static_cast<int64_t>(s.size()), "argmax", "axis ", axis, " is out of range for ",
        describe(in, n));
  check(s[axis] > 0, "argmax", "cannot reduce the empty axis ", axis, " of ", describe(in, n));
  Shape o;
  for (size_t i = 0; i < s.size(); ++i)
    if (static_cast<int64_t>(i) != axis) o.push_back(s[i]);
  out[0] = AVal{o, i64};
}

}  // namespace slope::rules
