// The primitives with rules of their own: threefry, matmul, conv, gather, scatter_add, argsort and
// argmax. Each block is one primitive's record: shape/dtype rule, tangent, transpose (the linear
// ones), batching, and the data checks eval makes before a kernel runs (index bounds).
#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"
#include "slope/backend.h"

namespace slope::rules {

namespace {
// matmul and conv are bilinear: the tangent is the op applied with one tangent at a time.
template <Prim P>
Tensor bilinear_tangent(const Params& params, Span x, Span t, const Tensor&) {
  return add_maybe(t[0].defined() ? bind1(P, {t[0], x[1]}, params) : Tensor(),
                   t[1].defined() ? bind1(P, {x[0], t[1]}, params) : Tensor());
}
}  // namespace

// ---- threefry
// threefry(key u32[2], counts u32[...]) -> u32[...]: JAX's threefry_2x32 on the flattened counts.
namespace {
void infer_threefry(const Params&, const AVal* in, size_t n, AVal* out) {
  expect_inputs("threefry", n, 2);
  if (!(in[0].dtype == u32 && in[0].shape == Shape{2})) fail("threefry", "key must be u32 [2], got ", to_string(in[0]));
  if (!(in[1].dtype == u32)) fail("threefry", "counts must be u32, got ", to_string(in[1]));
  out[0] = in[1];
}

// Counts batched alone: hash each row with the one key (threefry is elementwise over pairs only
// within one call, so rows are processed separately to keep JAX's layout per row).
void batch_threefry(const Params&, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  std::vector<Tensor> rows;
  Tensor k = front(x[0], bdims[0], size), c = front(x[1], bdims[1], size);
  for (int64_t b = 0; b < size; ++b) {
    auto row = [&](const Tensor& t) {
      Shape start(t.ndim(), 0), stop(t.shape()), step(t.ndim(), 1);
      start[0] = b;
      stop[0] = b + 1;
      Shape rest(t.shape().begin() + 1, t.shape().end());
      return prims::reshape(prims::slice(t, start, stop, step), rest);
    };
    Tensor r = prims::threefry(row(k), row(c));
    rows.push_back(prims::reshape(r, prepend(1, r.shape())));
  }
  out = size ? prims::cat(rows, 0) : prims::full(prepend(0, x[1].shape()), 0, u32);
}
}  // namespace
SLOPE_RECORD(general, threefry, infer_threefry, no_tangent, batch_threefry);

// ---- matmul
// matmul: [..., m, k] x [..., k, n] -> [..., m, n], batch dims equal (procedures broadcast them).
namespace {
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

Axes swap_last2(int64_t nd) {
  Axes perm;
  for (int64_t i = 0; i < nd; ++i) perm.push_back(i);
  std::swap(perm[nd - 1], perm[nd - 2]);
  return perm;
}
void transpose_matmul(const Params&, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  bool lin0 = !x[0].defined(), lin1 = !x[1].defined();
  check(!(lin0 && lin1), "transpose", "matmul of two linear values is not linear");
  int64_t nd = ct.ndim();
  if (lin0) cts[0] = prims::matmul(ct, prims::permute(x[1], swap_last2(nd)));
  if (lin1) cts[1] = prims::matmul(prims::permute(x[0], swap_last2(nd)), ct);
}
// One side unbatched and a plain matrix: fold the batch into that side's free dimension and do one
// big matmul instead of broadcasting the matrix `size` times.
void batch_matmul(const Params&, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t& ob) {
  if (bdims[1] < 0 && x[1].ndim() == 2 && x[0].ndim() == 3) {  // [B, m, k] @ [k, n]
    Tensor a = front(x[0], bdims[0], size);
    int64_t m = a.shape()[1], k = a.shape()[2];
    Tensor r = prims::matmul(prims::reshape(a, {size * m, k}), x[1]);
    out = prims::reshape(r, {size, m, x[1].shape()[1]});
    return;
  }
  if (bdims[0] < 0 && x[0].ndim() == 2 && x[1].ndim() == 3) {  // [m, k] @ [B, k, n]
    Tensor b = move_axis(x[1], bdims[1], 1);                  // [k, B, n]
    int64_t k = b.shape()[0], n = b.shape()[2];
    Tensor r = prims::matmul(x[0], prims::reshape(b, {k, size * n}));
    out = prims::reshape(r, {x[0].shape()[0], size, n});
    ob = 1;
    return;
  }
  out = prims::matmul(front(x[0], bdims[0], size), front(x[1], bdims[1], size));
}
}  // namespace
SLOPE_RECORD(general, matmul, infer_matmul, bilinear_tangent<Prim::matmul>, batch_matmul,
             .transpose = from_one_cotangent<transpose_matmul>);

// ---- conv
namespace {
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

// x [A, B, S...] regrouped through its two leading axes: reshaped to the three axes `split` (+ S),
// those three permuted by `perm` (S stays last), merged to the two axes `merged` (+ S).
Tensor regroup(const Tensor& x, Shape split, const Axes& perm, Shape merged) {
  Axes full(perm);
  for (size_t i = 2; i < x.shape().size(); ++i) {
    split.push_back(x.shape()[i]);
    merged.push_back(x.shape()[i]);
    full.push_back(static_cast<int64_t>(i + 1));
  }
  return prims::reshape(prims::permute(prims::reshape(x, split), full), merged);
}

// Cotangent of conv's input x: a convolution of the stride-dilated ct with the flipped kernel,
// input/output channels swapped within each group.
Tensor conv_transpose_x(const Tensor& ct, const Tensor& w, const ConvParams& p, const Shape& x_shape) {
  size_t d = x_shape.size() - 2;
  int64_t g = p.groups, O = w.shape()[0], Cg = w.shape()[1], Og = O / g;
  // w [O, C/g, K] -> [g, O/g, C/g, K] -> [g, C/g, O/g, K] -> [C, O/g, K], kernel flipped.
  Axes flip_axes;
  for (size_t i = 0; i < d; ++i) flip_axes.push_back(static_cast<int64_t>(2 + i));
  Tensor wt = prims::flip(regroup(w, {g, Og, Cg}, {0, 2, 1}, {g * Cg, Og}), flip_axes);
  // Dilate ct by the stride, pad so the full correlation covers x (minus the forward padding).
  Shape lo(ct.ndim(), 0), hi(ct.ndim(), 0), interior(ct.ndim(), 0);
  ConvParams q;
  for (size_t i = 0; i < d; ++i) {
    int64_t k = w.shape()[2 + i], dil = p.dilation[i], st = p.stride[i];
    int64_t span = dil * (k - 1);
    int64_t out_n = ct.shape()[2 + i];
    interior[2 + i] = st - 1;
    int64_t dilated = out_n > 0 ? (out_n - 1) * st + 1 : 0;
    // Forward read x_padded[j*st + m*dil]; x index = that - pad_lo. Full correlation needs
    // span - pad_lo zeros before, and enough after to reach x_shape.
    int64_t before = span - p.pad_lo[i];
    int64_t after = x_shape[2 + i] + span - before - dilated;  // so that out length = x length
    lo[2 + i] = before;
    hi[2 + i] = after;
    q.stride.push_back(1);
    q.dilation.push_back(dil);
    q.pad_lo.push_back(0);
    q.pad_hi.push_back(0);
  }
  q.groups = g;
  // lo/hi may be negative (padding larger than the kernel span): pad the positive part, slice the rest.
  Shape plo(lo), phi(hi), cut_lo(ct.ndim(), 0), cut_hi(ct.ndim(), 0);
  for (size_t i = 0; i < plo.size(); ++i) {
    if (plo[i] < 0) { cut_lo[i] = -plo[i]; plo[i] = 0; }
    if (phi[i] < 0) { cut_hi[i] = -phi[i]; phi[i] = 0; }
  }
  Tensor z = prims::pad(ct, plo, phi, interior, Scalar(0));
  bool cut = false;
  for (size_t i = 0; i < plo.size(); ++i) cut |= cut_lo[i] || cut_hi[i];
  if (cut) {
    Shape start = cut_lo, stop(z.shape()), step(z.ndim(), 1);
    for (size_t i = 0; i < stop.size(); ++i) stop[i] -= cut_hi[i];
    z = prims::slice(z, start, stop, step);
  }
  return prims::conv(z, wt, q);
}

// Cotangent of conv's weight: correlate x with ct, batch acting as the reduction dim.
Tensor conv_transpose_w(const Tensor& ct, const Tensor& x, const ConvParams& p, const Shape& w_shape) {
  size_t d = w_shape.size() - 2;
  int64_t g = p.groups, N = x.shape()[0], C = x.shape()[1], Cg = C / g, O = w_shape[0], Og = O / g;
  // x [N, C, S] -> [C, N, S] viewed as batch C/g per group: use groups over channel blocks.
  // x' = [Cg * ... ] Build: x -> [N, g, Cg, S] -> [Cg, g*N, S]  (batch = Cg, channels = g*N)
  Tensor xt = regroup(x, {N, g, Cg}, {2, 1, 0}, {Cg, g * N});
  // ct [N, O, S'] -> [N, g, Og, S'] -> [g, Og, N, S'] -> [g*Og, N, S'] (out channels = O, in per group = N)
  Tensor ctt = regroup(ct, {N, g, Og}, {1, 2, 0}, {g * Og, N});
  ConvParams q;
  for (size_t i = 0; i < d; ++i) {
    q.stride.push_back(p.dilation[i]);
    q.dilation.push_back(p.stride[i]);
    q.pad_lo.push_back(p.pad_lo[i]);
    q.pad_hi.push_back(p.pad_hi[i]);
  }
  q.groups = g;
  // Result [Cg, O, K'] where K' >= K (extra rows come from the forward's unused high padding).
  // The high padding may leave a tail the forward never read; trim it so K' = K.
  for (size_t i = 0; i < d; ++i) {
    int64_t padded = x.shape()[2 + i] + p.pad_lo[i] + p.pad_hi[i];
    int64_t used = (ct.shape()[2 + i] - 1) * p.stride[i] + p.dilation[i] * (w_shape[2 + i] - 1) + 1;
    q.pad_hi[i] -= padded - used;
  }
  Tensor z = xt;
  // Negative high padding (a tail of x never read) becomes a slice.
  Shape start(z.ndim(), 0), stop(z.shape()), step(z.ndim(), 1);
  bool cut = false;
  for (size_t i = 0; i < d; ++i)
    if (q.pad_hi[i] < 0) {
      stop[2 + i] += q.pad_hi[i];
      q.pad_hi[i] = 0;
      cut = true;
    }
  if (cut) z = prims::slice(z, start, stop, step);
  Tensor r = prims::conv(z, ctt, q);  // [Cg, O, K]
  Axes back{1, 0};
  for (size_t i = 0; i < d; ++i) back.push_back(static_cast<int64_t>(2 + i));
  return prims::permute(r, back);
}
void transpose_conv(const Params& params, Span x, std::span<const AVal> in_avals, const Tensor& ct, std::span<Tensor> cts) {
  bool lin0 = !x[0].defined(), lin1 = !x[1].defined();
  check(!(lin0 && lin1), "transpose", "conv of two linear values is not linear");
  const auto& cp = std::get<ConvParams>(params);
  if (lin0) cts[0] = conv_transpose_x(ct, x[1], cp, in_avals[0].shape);
  if (lin1) cts[1] = conv_transpose_w(ct, x[0], cp, in_avals[1].shape);
}
// Unbatched weights fold the batch into N; batched weights fold it into the groups.
void batch_conv(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t& ob) {
  const auto& cp = std::get<ConvParams>(params);
  if (bdims[1] < 0) {
    // Fold the batch into N: [B, N, C, S] -> [B*N, C, S].
    Tensor xb = front(x[0], bdims[0], size);
    Shape s{size * xb.shape()[1]};
    for (int64_t i = 2; i < xb.ndim(); ++i) s.push_back(xb.shape()[i]);
    Tensor r = prims::conv(prims::reshape(xb, s), x[1], cp);
    Shape o{size, xb.shape()[1]};
    for (int64_t i = 1; i < r.ndim(); ++i) o.push_back(r.shape()[i]);
    out = prims::reshape(r, o);
    return;
  }
  // Batched weights: fold the batch into the groups. x [N, B*C, S], w [B*O, C/g, K], groups B*g.
  Tensor xb = front(x[0], bdims[0], size);  // [B, N, C, S]
  Tensor wb = front(x[1], bdims[1], size);  // [B, O, C/g, K]
  int64_t N = xb.shape()[1], C = xb.shape()[2], O = wb.shape()[1];
  Shape xs{N, size * C};
  for (int64_t i = 3; i < xb.ndim(); ++i) xs.push_back(xb.shape()[i]);
  Tensor xf = prims::reshape(move_axis(xb, 0, 1), xs);
  Shape ws{size * O};
  for (int64_t i = 2; i < wb.ndim(); ++i) ws.push_back(wb.shape()[i]);
  Tensor wf = prims::reshape(wb, ws);
  ConvParams q = cp;
  q.groups = cp.groups * size;
  Tensor r = prims::conv(xf, wf, q);  // [N, B*O, S']
  Shape o{N, size, O};
  for (int64_t i = 2; i < r.ndim(); ++i) o.push_back(r.shape()[i]);
  out = prims::reshape(r, o);
  ob = 1;
}
}  // namespace
SLOPE_RECORD(general, conv, infer_conv, bilinear_tangent<Prim::conv>, batch_conv,
             .transpose = from_one_cotangent<transpose_conv>);

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

template <class T>
void check_indices(const char* op, const Tensor& idx, int64_t size) {
  const T* p = static_cast<const T*>(idx.data());
  int64_t n = idx.numel();
  for (int64_t i = 0; i < n; ++i) {
    auto v = static_cast<int64_t>(p[i]);
    if (v < 0 || v >= size)
      fail(op, "index ", v, " is out of bounds for an axis of size ", size, " (indices ", to_string(idx.aval()), ")");
  }
}
// Every index must address the gathered/scattered axis: no kernel reads or writes out of bounds.
template <Prim P>
void check_index_data(const Params& params, Span in) {
  int64_t axis = std::get<AxisParams>(params).axis;
  int64_t size = in[0].shape()[axis];
  visit_dtype(in[1].dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (scalar::is_int_v<T>) check_indices<T>(name(P), in[1], size);
  });
}

// Index arithmetic for gather/scatter with batched indices: after moving the batch to the front
// of x and idx, fold (batch, axis) of x into one axis and offset idx by batch * axis_len.
struct Folded {
  Tensor x, idx;
};
Folded fold_batch_into_axis(const Tensor& xb, const Tensor& ib, int64_t axis) {
  // xb [B, pre..., n, post...], ib [B, j...]; want x' [B*n, pre..., post...] with the gathered
  // axis first, so permute x's axis (axis+1) to position 1 then reshape.
  int64_t B = xb.shape()[0], n = xb.shape()[axis + 1];
  Tensor xp = move_axis(xb, axis + 1, 1);  // [B, n, pre..., post...]
  Shape s{B * n};
  for (int64_t i = 2; i < xp.ndim(); ++i) s.push_back(xp.shape()[i]);
  Tensor xf = prims::reshape(xp, s);
  Tensor ids = prims::cast(ib, i64);
  Shape bs(ids.ndim(), 1);
  bs[0] = B;
  Tensor rows = prims::reshape(prims::arange(B, Scalar(0), Scalar(1), i64), bs);
  Tensor offs = prims::mul(rows, prims::full(bs, n, i64));
  Tensor idx = prims::add(ids, prims::expand(offs, ids.shape()));
  return {xf, idx};
}
}  // namespace

// ---- gather
// gather(x, idx; axis) -> x.shape[:axis] + idx.shape + x.shape[axis+1:], out[..i.., j, ..k..] = x[..i.., idx[j], ..k..].
namespace {
void infer_gather(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("gather", n, 2);
  int64_t axis = param<AxisParams>("gather", params).axis;
  check_index("gather", in[0], in[1], axis, in, n);
  out[0] = AVal{gathered(in[0].shape, in[1].shape, axis), in[0].dtype};
}

Tensor jvp_gather(const Params& params, Span x, Span t, const Tensor&) {
  return t[0].defined() ? bind1(Prim::gather, {t[0], x[1]}, params) : Tensor();
}
void transpose_gather(const Params& params, Span x, std::span<const AVal> in_avals, const Tensor& ct,
                      std::span<Tensor> cts) {
  int64_t axis = std::get<AxisParams>(params).axis;
  cts[0] = prims::scatter_add(zeros_of(in_avals[0]), x[1], ct, axis);
}
void batch_gather(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  int64_t axis = std::get<AxisParams>(params).axis;
  if (bdims[1] < 0) {
    out = prims::gather(front(x[0], bdims[0], size), x[1], axis + 1);
    return;
  }
  // Batched indices: fold the batch into the gathered axis; result [B, j..., pre..., post...].
  Folded f = fold_batch_into_axis(front(x[0], bdims[0], size), front(x[1], bdims[1], size), axis);
  Tensor r = prims::gather(f.x, f.idx, 0);
  // Move the pre dims (axis of them) back in front of the index dims.
  int64_t nj = x[1].ndim() - (bdims[1] >= 0 ? 1 : 0);
  Axes perm{0};
  for (int64_t i = 0; i < axis; ++i) perm.push_back(1 + nj + i);
  for (int64_t i = 0; i < nj; ++i) perm.push_back(1 + i);
  for (int64_t i = 1 + nj + axis; i < r.ndim(); ++i) perm.push_back(i);
  out = prims::permute(r, perm);
}
}  // namespace
SLOPE_RECORD(general, gather, infer_gather, jvp_gather, batch_gather, .transpose = from_one_cotangent<transpose_gather>,
             .check_data = check_index_data<Prim::gather>);

// ---- scatter_add
// scatter_add(x, idx, updates; axis): the transpose of gather; updates has gather's output shape.
namespace {
void infer_scatter_add(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("scatter_add", n, 3);
  int64_t axis = param<AxisParams>("scatter_add", params).axis;
  check_index("scatter_add", in[0], in[1], axis, in, n);
  if (!(in[2].dtype == in[0].dtype && in[2].shape == gathered(in[0].shape, in[1].shape, axis))) fail("scatter_add",
        "updates must be ", to_string(AVal{gathered(in[0].shape, in[1].shape, axis), in[0].dtype}), ", got ",
        describe(in, n));
  out[0] = in[0];
}

Tensor jvp_scatter_add(const Params& params, Span x, Span t, const Tensor&) {
  if (!t[0].defined() && !t[2].defined()) return Tensor();
  return bind1(Prim::scatter_add, {or_zeros(t[0], x[0].aval()), x[1], or_zeros(t[2], x[2].aval())}, params);
}
void transpose_scatter_add(const Params& params, Span x, std::span<const AVal>, const Tensor& ct, std::span<Tensor> cts) {
  int64_t axis = std::get<AxisParams>(params).axis;
  if (!x[0].defined()) cts[0] = ct;
  if (!x[2].defined()) cts[2] = prims::gather(ct, x[1], axis);
}
void batch_scatter_add(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out,
                       int64_t&) {
  int64_t axis = std::get<AxisParams>(params).axis;
  Tensor xb = front(x[0], bdims[0], size), ub = front(x[2], bdims[2], size);
  if (bdims[1] < 0) {
    out = prims::scatter_add(xb, x[1], ub, axis + 1);
    return;
  }
  Folded f = fold_batch_into_axis(xb, front(x[1], bdims[1], size), axis);
  // updates [B, pre..., j..., post...] -> [B, j..., pre..., post...] to match the folded layout.
  int64_t nj = x[1].ndim() - 1;
  Axes perm{0};
  for (int64_t i = 0; i < nj; ++i) perm.push_back(1 + axis + i);
  for (int64_t i = 0; i < axis; ++i) perm.push_back(1 + i);
  for (int64_t i = 1 + axis + nj; i < ub.ndim(); ++i) perm.push_back(i);
  Tensor r = prims::scatter_add(f.x, f.idx, prims::permute(ub, perm), 0);  // [B*n, pre..., post...]
  int64_t n = xb.shape()[axis + 1];
  Shape s{size, n};
  for (int64_t i = 1; i < r.ndim(); ++i) s.push_back(r.shape()[i]);
  out = move_axis(prims::reshape(r, s), 1, axis + 1);
}
}  // namespace
SLOPE_RECORD(general, scatter_add, infer_scatter_add, jvp_scatter_add, batch_scatter_add,
             .transpose = from_one_cotangent<transpose_scatter_add>, .check_data = check_index_data<Prim::scatter_add>);

// ---- argsort
// argsort(x; axis, descending) -> i64 positions of x's shape: any dtype, any rank >= 1.
namespace {
void infer_argsort(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("argsort", n, 1);
  int64_t axis = param<SortParams>("argsort", params).axis;
  check(axis >= 0 && axis < static_cast<int64_t>(in[0].shape.size()), "argsort", "axis ", axis,
        " is out of range for ", describe(in, n));
  out[0] = AVal{in[0].shape, i64};
}

// Rows stay where they are: only the sorted axis moves past the batch axis.
void batch_argsort(const Params& params, Span x, std::span<const int64_t> bdims, int64_t, Tensor& out, int64_t& ob) {
  SortParams sp = std::get<SortParams>(params);
  if (sp.axis >= bdims[0]) sp.axis += 1;
  out = bind1(Prim::argsort, {x[0]}, sp);
  ob = bdims[0];
}
}  // namespace
SLOPE_RECORD(general, argsort, infer_argsort, no_tangent, batch_argsort);

// ---- argmax
// argmax(x; axis) -> x.shape without axis, i64: the index of the first maximum along axis (NaN
// counts as the maximum). One pass over x whatever its dtype: no index tensor of x's size.
namespace {
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

void batch_argmax(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  out = prims::argmax(front(x[0], bdims[0], size), std::get<AxisParams>(params).axis + 1);
}
}  // namespace
SLOPE_RECORD(general, argmax, infer_argmax, no_tangent, batch_argmax);

}  // namespace slope::rules
