// Reference kernels of the reductions (sum, max, argmax) and the other general primitives:
// threefry (random bits), matmul, conv, gather, scatter_add, argsort.
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "kernels.h"

namespace slope::reference {

namespace {
// sum and max over a sorted list of axes, which the output drops (no keepdim at the primitive
// level): a view of the output with stride 0 on the reduced axes takes each x[i] to the element j it
// folds into, acc[j] = f(acc[j], x[i]). Floating sums accumulate in double (accum_t), integer and bool
// sums in int64 (the rule's output dtype), wrapping. max propagates NaN (scalar::maximum); the
// shape rule rejects an empty axis, so max never outputs its starting value.
template <class Out, class T, class Acc, class F>
void fold(const Tensor& x, const Axes& axes, Acc init, F f, Tensor& out) {
  Shape kept = x.shape();  // the output's shape with the reduced axes kept, as size 1
  for (int64_t a : axes) kept[a] = 1;
  View from{contiguous_strides(x.shape())}, to{contiguous_strides(kept)};
  for (int64_t a : axes) to.strides[a] = 0;
  std::vector<Acc> acc(static_cast<size_t>(out.numel()), init);
  const T* a = ptr<T>(x);
  for_each(x.shape(), [&](const Shape&, int64_t i, int64_t j) { acc[j] = f(acc[j], a[i]); }, from, to);
  for (size_t j = 0; j < acc.size(); ++j) mut<Out>(out)[j] = scalar::convert<Out, Acc>(acc[j]);
}

// JAX's threefry_2x32(key, counts): the counts, padded with one 0 if their number is odd, are split
// into a first half x0 and a second half x1; each pair (x0[i], x1[i]) is hashed with the key, and the
// result is the hashed x0 then the hashed x1, cut back to the original length. E.g. counts
// [0, 1, 2, 3, 4] -> pairs (0, 3), (1, 4), (2, 0) -> [h(0,3).0, h(1,4).0, h(2,0).0, h(0,3).1, h(1,4).1].
void threefry(const uint32_t* key, const uint32_t* c, int64_t n, uint32_t* out) {
  const int64_t half = (n + 1) / 2;  // the number of pairs
  for (int64_t i = 0; i < half; ++i) {
    uint32_t x0 = c[i], x1 = half + i < n ? c[half + i] : 0u;
    scalar::threefry2x32(key[0], key[1], x0, x1);
    out[i] = x0;
    if (half + i < n) out[half + i] = x1;
  }
}

// acc + a * b in the accumulator type, through the shared scalar semantics.
template <class T>
accum_t<T> multiply_add(accum_t<T> acc, T a, T b) {
  return scalar::add(acc, scalar::mul(scalar::convert<accum_t<T>>(a), scalar::convert<accum_t<T>>(b)));
}

// [..., m, k] x [..., k, n] -> [..., m, n], equal batch dims: out[.., i, j] is the dot product of
// row i of a (stride 1), which starts at a[.., i, 0], and column j of b (stride n), at b[.., 0, j].
template <class T>
void matmul(const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t k = a.shape().back(), n = b.shape().back();
  const T *A = ptr<T>(a), *B = ptr<T>(b);
  View row{contiguous_strides(a.shape())}, col{contiguous_strides(b.shape())};
  row.strides.back() = col.strides[col.strides.size() - 2] = 0;  // constant along j, along i
  for_each(out.shape(), [&](const Shape&, int64_t y, int64_t i, int64_t j) {
    accum_t<T> acc(0);
    for (int64_t p = 0; p < k; ++p) acc = multiply_add<T>(acc, A[i + p], B[j + p * n]);
    mut<T>(out)[y] = scalar::convert<T>(acc);
  }, View{contiguous_strides(out.shape())}, row, col);
}

// Direct convolution (cross-correlation, no kernel flip, like PyTorch), any number of spatial dims:
//   out[n, o, q...] = sum over c < C/groups and kernel offsets t...
//                       of x[n, g*C/groups + c, q*stride - pad_lo + t*dilation ...] * w[o, c, t...]
// where g = o / (O/groups) is o's group. Input positions that fall in the padding contribute nothing.
template <class T>
void conv(const Tensor& x, const Tensor& w, const ConvParams& p, Tensor& out) {
  const Shape &xs = x.shape(), &ws = w.shape(), CK(ws.begin() + 1, ws.end());  // CK = (C/groups, K...)
  const Shape S(xs.begin() + 2, xs.end()), plane = contiguous_strides(S);  // one input channel
  const int64_t Cg = ws[1], Og = ws[0] / p.groups, s_size = numel(S);  // channels per group, in and out
  const T *X = ptr<T>(x), *W = ptr<T>(w);
  for_each(out.shape(), [&](const Shape& i, int64_t y) {  // i = (n, o, q...)
    const int64_t first = i[0] * xs[1] + i[1] / Og * Cg;  // x's first channel in o's group
    accum_t<T> acc(0);
    for_each(CK, [&](const Shape& ct, int64_t at_w) {  // ct = (c, t...)
      int64_t at_x = (first + ct[0]) * s_size;
      bool inside = true;
      for (size_t d = 0; d < S.size(); ++d) {
        const int64_t pos = i[2 + d] * p.stride[d] - p.pad_lo[d] + ct[1 + d] * p.dilation[d];
        inside = inside && pos >= 0 && pos < S[d];
        at_x += pos * plane[d];
      }
      if (inside) acc = multiply_add<T>(acc, X[at_x], W[at_w]);
    }, View{contiguous_strides(CK), i[1] * numel(CK)});
    mut<T>(out)[y] = scalar::convert<T>(acc);
  }, View{contiguous_strides(out.shape())});
}

// gather and scatter_add along `axis`, with the indices (type I) flattened to J values:
//   gather:      out[.., j, ..] = x[.., idx[j], ..]                (numpy.take(x, idx, axis))
//   scatter_add: out = x;  out[.., idx[j], ..] += upd[.., j, ..]   (its transpose: in row-major order
//                of upd, each sum rounded to T, like PyTorch's CPU scatter_add: a fixed order for repeats)
// The eval interpreter checks the indices first; one outside [0, n) would still be skipped (gather: 0).
template <class T, class I>
void take(Prim p, std::span<const Tensor> in, int64_t axis, Tensor& out) {
  const Shape& s = in[0].shape();
  Shape space = s;  // x's shape with J along the axis: gather's output, scatter_add's updates
  space[axis] = in[1].numel();
  View row{contiguous_strides(s)};  // where x[.., 0, ..] is; x[.., k, ..] is `step` further on
  const int64_t step = std::exchange(row.strides[axis], 0);
  const T *x = ptr<T>(in[0]), *upd = p == Prim::scatter_add ? ptr<T>(in[2]) : nullptr;
  const I* idx = ptr<I>(in[1]);
  T* y = mut<T>(out);
  if (p == Prim::gather) std::fill_n(y, out.numel(), T{});
  else std::copy_n(x, out.numel(), y);
  for_each(space, [&](const Shape& i, int64_t at_row, int64_t at_j) {
    const auto k = static_cast<int64_t>(idx[i[axis]]);
    if (k < 0 || k >= s[axis]) return;
    if (p == Prim::gather) y[at_j] = x[at_row + k * step];
    else y[at_row + k * step] = scalar::add<T>(y[at_row + k * step], upd[at_j]);
  }, row, View{contiguous_strides(space)});
}

// argsort: the positions in each row along the axis, sorted with std::stable_sort in PyTorch's order
// (NaN larger than everything: last ascending, first descending; equal keys, NaNs among them, -0 and
// +0, keep their order). argmax: one pass over each row for the first of its largest elements.
template <class T>
void along_axis(Prim p, const Tensor& x, const SortParams& s, Tensor& out) {
  const int64_t n = x.shape()[s.axis], step = contiguous_strides(x.shape())[s.axis];
  Shape rows = x.shape(), kept = x.shape();  // a row starts at each index that is 0 along the axis;
  rows[s.axis] = 1;                          // argmax keeps one element of it
  kept[s.axis] = p == Prim::argmax ? 1 : n;
  const T* X = ptr<T>(x);
  int64_t* y = mut<int64_t>(out);
  std::vector<int64_t> order(static_cast<size_t>(p == Prim::argsort ? n : 0));
  using K = scalar::compute_t<T>;
  for_each(rows, [&](const Shape&, int64_t row, int64_t to) {
    auto less = [&](int64_t a, int64_t b) {  // x[a] < x[b] in the row, NaN largest
      const K u = X[row + a * step], v = X[row + b * step];
      return u != u ? false : v != v ? true : u < v;
    };
    if (p == Prim::argmax) {
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) best = less(best, k) ? k : best;
      y[to] = best;
    } else {
      std::iota(order.begin(), order.end(), int64_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t u, int64_t v) { return s.descending ? less(v, u) : less(u, v); });
      for (int64_t k = 0; k < n; ++k) y[to + k * step] = order[static_cast<size_t>(k)];
    }
  }, View{contiguous_strides(x.shape())}, View{contiguous_strides(kept)});
}

}  // namespace

void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::threefry) return threefry(ptr<uint32_t>(in[0]), ptr<uint32_t>(in[1]), in[1].numel(), mut<uint32_t>(out));
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Sum = std::conditional_t<scalar::is_float_v<T>, T, int64_t>;  // sum's output dtype
    switch (p) {
      case Prim::sum:  // accumulated in accum_t<Sum>: double or int64
        return fold<Sum, T>(in[0], std::get<AxesParams>(params).axes, accum_t<Sum>(0),
                            [](accum_t<Sum> a, T v) { return scalar::add(a, scalar::convert<accum_t<Sum>>(v)); }, out);
      case Prim::max: {  // from -inf (floats) or the lowest value, which the first element replaces
        using L = std::numeric_limits<scalar::compute_t<T>>;
        return fold<T, T>(in[0], std::get<AxesParams>(params).axes, T(L::has_infinity ? -L::infinity() : L::lowest()),
                          scalar::maximum<T>, out);
      }
      case Prim::matmul: return matmul<T>(in[0], in[1], out);
      case Prim::conv: return conv<T>(in[0], in[1], std::get<ConvParams>(params), out);
      case Prim::argsort: return along_axis<T>(p, in[0], std::get<SortParams>(params), out);
      case Prim::argmax: return along_axis<T>(p, in[0], SortParams{std::get<AxisParams>(params).axis}, out);
      case Prim::gather:
      case Prim::scatter_add:
        return visit_dtype(in[1].dtype(), [&](auto itag) {
          using I = decltype(itag);
          if constexpr (scalar::is_int_v<I>) take<T, I>(p, in, std::get<AxisParams>(params).axis, out);
          else fail(name(p), "indices must be an integer tensor, got ", to_string(in[1].aval()));
        });
      default: fail(name(p), "reference backend: not a general primitive");
    }
  });
}

}  // namespace slope::reference
