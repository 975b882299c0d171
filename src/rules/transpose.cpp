// Reverse-mode rules of the linear primitives. vjp = linearize (jvp + staging) + transpose, so
// only primitives that can appear in a linear program need a rule here.
#include "helpers.h"
#include "rules.h"

namespace slope::rules {

bool is_linear(Prim p) {
  switch (p) {
    case Prim::neg: case Prim::add: case Prim::sub: case Prim::mul: case Prim::div: case Prim::cast:
    case Prim::where: case Prim::sum: case Prim::reshape: case Prim::expand: case Prim::permute: case Prim::pad:
    case Prim::slice: case Prim::flip: case Prim::cat: case Prim::matmul: case Prim::conv: case Prim::gather:
    case Prim::scatter_add:
      return true;
    default:
      return false;
  }
}

namespace {
Axes swap_last2(int64_t nd) {
  Axes perm;
  for (int64_t i = 0; i < nd; ++i) perm.push_back(i);
  std::swap(perm[nd - 1], perm[nd - 2]);
  return perm;
}

// Cotangent of conv's input x: a convolution of the stride-dilated ct with the flipped kernel,
// input/output channels swapped within each group.
Tensor conv_transpose_x(const Tensor& ct, const Tensor& w, const ConvParams& p, const Shape& x_shape) {
  size_t d = x_shape.size() - 2;
  int64_t g = p.groups, O = w.shape()[0], Cg = w.shape()[1], Og = O / g;
  // w [O, C/g, K] -> [g, O/g, C/g, K] -> [g, C/g, O/g, K] -> [C, O/g, K], kernel flipped.
  Shape wk(w.shape().begin() + 2, w.shape().end());
  Shape s1{g, Og, Cg};
  for (auto k : wk) s1.push_back(k);
  Axes perm{0, 2, 1};
  for (size_t i = 0; i < d; ++i) perm.push_back(static_cast<int64_t>(3 + i));
  Shape s2{g * Cg, Og};
  for (auto k : wk) s2.push_back(k);
  Axes flip_axes;
  for (size_t i = 0; i < d; ++i) flip_axes.push_back(static_cast<int64_t>(2 + i));
  Tensor wt = prims::flip(prims::reshape(prims::permute(prims::reshape(w, s1), perm), s2), flip_axes);
  // Dilate ct by the stride, pad so the full correlation covers x (minus the forward padding).
  Shape lo(ct.ndim(), 0), hi(ct.ndim(), 0), interior(ct.ndim(), 0);
  ConvParams q;
  for (size_t i = 0; i < d; ++i) {
    int64_t k = wk[i], dil = p.dilation[i], st = p.stride[i];
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
  Shape xs(x.shape().begin() + 2, x.shape().end());
  Shape s1{N, g, Cg};
  for (auto v : xs) s1.push_back(v);
  Axes perm{2, 1, 0};
  for (size_t i = 0; i < d; ++i) perm.push_back(static_cast<int64_t>(3 + i));
  Shape s2{Cg, g * N};
  for (auto v : xs) s2.push_back(v);
  Tensor xt = prims::reshape(prims::permute(prims::reshape(x, s1), perm), s2);
  // ct [N, O, S'] -> [N, g, Og, S'] -> [g, Og, N, S'] -> [g*Og, N, S'] (out channels = O, in per group = N)
  Shape cs(ct.shape().begin() + 2, ct.shape().end());
  Shape c1{N, g, Og};
  for (auto v : cs) c1.push_back(v);
  Axes cperm{1, 2, 0};
  for (size_t i = 0; i < d; ++i) cperm.push_back(static_cast<int64_t>(3 + i));
  Shape c2{g * Og, N};
  for (auto v : cs) c2.push_back(v);
  Tensor ctt = prims::reshape(prims::permute(prims::reshape(ct, c1), cperm), c2);
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
}  // namespace

void transpose(Prim p, const Params& params, std::span<const Tensor> x, std::span<const AVal> in_avals,
               const Tensor& ct, std::span<Tensor> cts) {
  auto lin = [&](size_t i) { return !x[i].defined(); };
  switch (p) {
    case Prim::neg: cts[0] = prims::neg(ct); return;
    case Prim::add:
      if (lin(0)) cts[0] = ct;
      if (lin(1)) cts[1] = ct;
      return;
    case Prim::sub:
      if (lin(0)) cts[0] = ct;
      if (lin(1)) cts[1] = prims::neg(ct);
      return;
    case Prim::mul:
      check(!(lin(0) && lin(1)), "transpose", "mul of two linear values is not linear");
      if (lin(0)) cts[0] = prims::mul(ct, x[1]);
      if (lin(1)) cts[1] = prims::mul(x[0], ct);
      return;
    case Prim::div:
      check(!lin(1), "transpose", "div is linear only in its numerator");
      cts[0] = prims::div(ct, x[1]);
      return;
    case Prim::cast: cts[0] = prims::cast(ct, in_avals[0].dtype); return;
    case Prim::where: {
      Tensor zero = zeros_as(ct);
      if (lin(1)) cts[1] = prims::where(x[0], ct, zero);
      if (lin(2)) cts[2] = prims::where(x[0], zero, ct);
      return;
    }
    case Prim::sum: cts[0] = unreduce(ct, std::get<AxesParams>(params).axes, in_avals[0].shape); return;
    case Prim::reshape: cts[0] = prims::reshape(ct, in_avals[0].shape); return;
    case Prim::expand: cts[0] = unexpand(ct, in_avals[0].shape); return;
    case Prim::permute: {
      const Axes& perm = std::get<AxesParams>(params).axes;
      Axes inv(perm.size(), 0);
      for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
      cts[0] = prims::permute(ct, inv);
      return;
    }
    case Prim::flip: cts[0] = prims::flip(ct, std::get<AxesParams>(params).axes); return;
    case Prim::pad: {
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
      return;
    }
    case Prim::slice: {
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
      return;
    }
    case Prim::cat: {
      int64_t axis = std::get<AxisParams>(params).axis;
      int64_t offset = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        int64_t n = in_avals[i].shape[axis];
        if (lin(i)) {
          Shape start(ct.ndim(), 0), stop(ct.shape()), step(ct.ndim(), 1);
          start[axis] = offset;
          stop[axis] = offset + n;
          cts[i] = prims::slice(ct, start, stop, step);
        }
        offset += n;
      }
      return;
    }
    case Prim::matmul: {
      check(!(lin(0) && lin(1)), "transpose", "matmul of two linear values is not linear");
      int64_t nd = ct.ndim();
      if (lin(0)) cts[0] = prims::matmul(ct, prims::permute(x[1], swap_last2(nd)));
      if (lin(1)) cts[1] = prims::matmul(prims::permute(x[0], swap_last2(nd)), ct);
      return;
    }
    case Prim::conv: {
      check(!(lin(0) && lin(1)), "transpose", "conv of two linear values is not linear");
      const auto& cp = std::get<ConvParams>(params);
      if (lin(0)) cts[0] = conv_transpose_x(ct, x[1], cp, in_avals[0].shape);
      if (lin(1)) cts[1] = conv_transpose_w(ct, x[0], cp, in_avals[1].shape);
      return;
    }
    case Prim::gather: {
      int64_t axis = std::get<AxisParams>(params).axis;
      cts[0] = prims::scatter_add(zeros_of(in_avals[0]), x[1], ct, axis);
      return;
    }
    case Prim::scatter_add: {
      int64_t axis = std::get<AxisParams>(params).axis;
      if (lin(0)) cts[0] = ct;
      if (lin(2)) cts[2] = prims::gather(ct, x[1], axis);
      return;
    }
    default:
      fail("transpose", "primitive ", name(p), " is not linear; it cannot appear in a linear program");
  }
}

}  // namespace slope::rules
