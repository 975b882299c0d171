// Reference kernels of the general primitives: threefry (random bits), matmul, conv, gather,
// scatter_add, argsort and argmax. Sums of products accumulate in accum_t (kernels.h).
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels.h"

namespace slope::reference {

namespace {

// JAX's threefry_2x32(key, counts): the counts, padded with one 0 if their number is odd, are split
// into a first half x0 and a second half x1; each pair (x0[i], x1[i]) is hashed with the key, and the
// result is the hashed x0 then the hashed x1, cut back to the original length. E.g. counts
// [0, 1, 2, 3, 4] -> pairs (0, 3), (1, 4), (2, 0) -> [h(0,3).0, h(1,4).0, h(2,0).0, h(0,3).1, h(1,4).1].
void threefry(const uint32_t* key, const Tensor& counts, uint32_t* out) {
  const uint32_t* c = ptr<uint32_t>(counts);
  const int64_t n = counts.numel(), half = (n + 1) / 2;  // the number of pairs
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
  using Acc = accum_t<T>;
  return scalar::add<Acc>(acc, scalar::mul<Acc>(scalar::convert<Acc>(a), scalar::convert<Acc>(b)));
}

// [..., m, k] x [..., k, n] -> [..., m, n], equal batch dims: out[.., i, j] is the dot product of
// row i of a (stride 1), which starts at a[.., i, 0], and column j of b (stride n), at b[.., 0, j].
template <class T>
void matmul(const Tensor& a, const Tensor& b, Tensor& out) {
  const size_t r = out.shape().size();
  const int64_t k = a.shape()[r - 1], n = b.shape()[r - 1];
  const T *A = ptr<T>(a), *B = ptr<T>(b);
  View row{contiguous_strides(a.shape())}, col{contiguous_strides(b.shape())};
  row.strides[r - 1] = col.strides[r - 2] = 0;
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
  const Shape &xs = x.shape(), &ws = w.shape();
  const int64_t C = xs[1], Cg = C / p.groups, Og = ws[0] / p.groups;  // channels per group
  const Shape S(xs.begin() + 2, xs.end()), K(ws.begin() + 2, ws.end());
  const View plane{contiguous_strides(S)}, kernel{contiguous_strides(K)};
  for_each(out.shape(), [&](const Shape& i, int64_t y) {  // i = (n, o, q...)
    accum_t<T> acc(0);
    Shape pos(S.size(), 0);
    for (int64_t c = 0; c < Cg; ++c) {
      const T* X = ptr<T>(x) + (i[0] * C + i[1] / Og * Cg + c) * numel(S);  // input channel c of o's group
      const T* W = ptr<T>(w) + (i[1] * Cg + c) * numel(K);                    // o's kernel for it
      for_each(K, [&](const Shape& t, int64_t wt) {
        bool inside = true;
        for (size_t d = 0; d < S.size(); ++d) {
          pos[d] = i[2 + d] * p.stride[d] - p.pad_lo[d] + t[d] * p.dilation[d];
          inside = inside && pos[d] >= 0 && pos[d] < S[d];
        }
        if (inside) acc = multiply_add<T>(acc, X[plane.at(pos)], W[wt]);
      }, kernel);
    }
    mut<T>(out)[y] = scalar::convert<T>(acc);
  }, View{contiguous_strides(out.shape())});
}

// gather and scatter_add along `axis`, with the indices (type I) flattened to J values:
//   gather:      out[.., j, ..] = x[.., idx[j], ..]                (numpy.take(x, idx, axis))
//   scatter_add: out = x;  out[.., idx[j], ..] += upd[.., j, ..]   (its transpose: in row-major order
//                of upd, each sum rounded to T, like PyTorch's CPU scatter_add: a fixed order for repeats)
// The eval interpreter checks the indices before the kernel runs; one outside [0, n) would still
// never be followed: it is skipped (gather leaves 0 there).
template <class T, class I>
void take(Prim p, std::span<const Tensor> in, int64_t axis, Tensor& out) {
  const Shape& s = in[0].shape();
  Shape space = s;  // x's shape with J along the axis: gather's output, scatter_add's updates
  space[axis] = in[1].numel();
  View row{contiguous_strides(s)};  // where x[.., 0, ..] is; x[.., k, ..] is `step` further on
  const int64_t step = std::exchange(row.strides[axis], 0);
  const T* x = ptr<T>(in[0]);
  const I* idx = ptr<I>(in[1]);
  T* y = mut<T>(out);
  if (p == Prim::gather) std::fill_n(y, out.numel(), T{});
  else std::copy_n(x, out.numel(), y);
  for_each(space, [&](const Shape& i, int64_t at_row, int64_t at_j) {
    const auto k = static_cast<int64_t>(idx[i[axis]]);
    if (k < 0 || k >= s[axis]) return;
    if (p == Prim::gather) y[at_j] = x[at_row + k * step];
    else y[at_row + k * step] = scalar::add<T>(y[at_row + k * step], ptr<T>(in[2])[at_j]);
  }, row, View{contiguous_strides(space)});
}

// The positions in each row of x along `axis`, sorted with std::stable_sort, NaN larger than
// everything (PyTorch's order): last ascending, first descending; equal keys (NaNs among them, -0
// and +0) keep their order. The first `keep` go to out: all of them for argsort; for argmax the first
// one, descending: the first of the largest elements (the first NaN if there is one).
template <class T>
void sort_rows(const Tensor& x, int64_t axis, bool descending, int64_t keep, Tensor& out) {
  Shape rows = x.shape(), kept = x.shape();  // one row start per index with 0 along the axis
  rows[axis] = 1;
  kept[axis] = keep;
  const View xv{contiguous_strides(x.shape())}, ov{contiguous_strides(kept)};
  using K = scalar::compute_t<T>;
  auto less = [](K u, K v) { return u != u ? false : v != v ? true : u < v; };  // NaN largest
  std::vector<int64_t> order(static_cast<size_t>(x.shape()[axis]));
  for_each(rows, [&](const Shape&, int64_t row, int64_t to) {
    auto key = [&](int64_t k) { return static_cast<K>(ptr<T>(x)[row + k * xv.strides[axis]]); };
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t u, int64_t v) { return descending ? less(key(v), key(u)) : less(key(u), key(v)); });
    for (int64_t k = 0; k < keep; ++k) mut<int64_t>(out)[to + k * ov.strides[axis]] = order[static_cast<size_t>(k)];
  }, xv, ov);
}

}  // namespace

void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::threefry) return threefry(ptr<uint32_t>(in[0]), in[1], mut<uint32_t>(out));
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::matmul: return matmul<T>(in[0], in[1], out);
      case Prim::conv: return conv<T>(in[0], in[1], std::get<ConvParams>(params), out);
      case Prim::argmax: return sort_rows<T>(in[0], std::get<AxisParams>(params).axis, true, 1, out);
      case Prim::argsort: {
        const SortParams& s = std::get<SortParams>(params);
        return sort_rows<T>(in[0], s.axis, s.descending, in[0].shape()[s.axis], out);
      }
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
