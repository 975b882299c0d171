// Shape/dtype rules of the data-movement primitives.
#include "rules.h"

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

void infer_reshape(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("reshape", n, 1);
  const Shape& s = param<ShapeParams>("reshape", params).shape;
  nonnegative("reshape", s, "target shape");
  int64_t want = checked_numel("reshape", s), have = checked_numel("reshape", in[0].shape);
  if (!(want == have)) fail("reshape", "cannot reshape ", to_string(in[0]), " (", have, " elements) to ", to_string(s), " (",
        want, " elements)");
  out[0] = AVal{s, in[0].dtype};
}

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

}  // namespace slope::rules
