// Reference kernels of the primitives that are neither elementwise, reductions over axes nor pure
// data movement: threefry (random bits), matmul, conv, gather, scatter_add, argsort and argmax.
// Sums of products (matmul, conv) accumulate in accum_t (kernels.h): in double for floating types,
// rounded once at the end; in the type itself, wrapping, for integers.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels.h"

namespace slope::reference {

namespace {

// acc + a * b in the accumulator type, through the shared scalar semantics.
template <class T>
accum_t<T> multiply_add(accum_t<T> acc, T a, T b) {
  using Acc = accum_t<T>;
  return scalar::add<Acc>(acc, scalar::mul<Acc>(scalar::convert<Acc>(a), scalar::convert<Acc>(b)));
}

// A shape seen as [outer, n, inner] around `axis` (n = shape[axis]): the layout of the primitives
// that work along one axis (gather, scatter_add, argsort, argmax; matmul's batch dims).
Shape around(const Shape& s, int64_t axis) {
  Shape r{1, s[axis], 1};
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d)
    if (d != axis) r[d < axis ? 0 : 2] *= s[d];
  return r;
}

// JAX's threefry_2x32(key, counts): flatten the counts, pad with one 0 if their number is odd, split
// them into a first half x0 and a second half x1, hash each pair (x0[i], x1[i]) with the key, and
// return the hashed x0 followed by the hashed x1, cut back to the original length.
// E.g. counts [0, 1, 2, 3, 4] -> pairs (0, 3), (1, 4), (2, 0) -> [h(0,3).0, h(1,4).0, h(2,0).0, h(0,3).1, h(1,4).1].
void threefry(const Tensor& key, const Tensor& counts, Tensor& out) {
  const uint32_t *k = ptr<uint32_t>(key), *c = ptr<uint32_t>(counts);
  uint32_t* o = mut<uint32_t>(out);
  const int64_t n = counts.numel(), half = (n + 1) / 2;  // half = the number of pairs
  for (int64_t i = 0; i < half; ++i) {
    uint32_t x0 = c[i], x1 = half + i < n ? c[half + i] : 0u;  // the padding 0 when n is odd
    scalar::threefry2x32(k[0], k[1], x0, x1);
    o[i] = x0;
    if (half + i < n) o[half + i] = x1;
  }
}

// [..., m, k] x [..., k, n] -> [..., m, n] with equal batch dims: out[.., i, j] is the dot product
// of row i of a (stride 1) and column j of b (stride n); the views give where each starts.
template <class T>
void matmul(const Tensor& a, const Tensor& b, Tensor& out) {
  const size_t r = a.shape().size();
  const int64_t m = a.shape()[r - 2], k = a.shape()[r - 1], n = b.shape()[r - 1];
  const int64_t batch = around(a.shape(), static_cast<int64_t>(r) - 2)[0];  // the product of the batch dims
  const T *A = ptr<T>(a), *B = ptr<T>(b);
  for_each(Shape{batch, m, n}, [&](const Shape&, int64_t c, int64_t row, int64_t col) {
    accum_t<T> acc(0);
    for (int64_t p = 0; p < k; ++p) acc = multiply_add<T>(acc, A[row + p], B[col + p * n]);
    mut<T>(out)[c] = scalar::convert<T>(acc);
  }, View{{m * n, n, 1}}, View{{m * k, k, 0}}, View{{k * n, 0, 1}});
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

// gather and scatter_add, with x seen as [outer, n, inner] and the J indices flattened: gather's
// output (and scatter_add's updates) is [outer, J, inner] and
//   gather:      out[a, j, b] = x[a, idx[j], b]                       (numpy.take(x, idx, axis))
//   scatter_add: out = x;  out[a, idx[j], b] += upd[a, j, b]           (its transpose)
// take() calls f(position in x, position in [outer, J, inner]) for every (a, j, b) in row-major
// order. The eval interpreter checks the indices before the kernel runs; one outside [0, n) would
// still never be followed: it is skipped (gather leaves 0 there).
template <class F>
void take(const char* op, const Tensor& x, const Tensor& idx, int64_t axis, F f) {
  const Shape x3 = around(x.shape(), axis);
  const int64_t n = x3[1], inner = x3[2], J = idx.numel();
  visit_dtype(idx.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (!scalar::is_int_v<I>) fail(op, "indices must be an integer tensor, got ", to_string(idx.aval()));
    else
      for_each(Shape{x3[0], J, inner}, [&](const Shape& i, int64_t from, int64_t to) {
        const auto at = static_cast<int64_t>(ptr<I>(idx)[i[1]]);
        if (at >= 0 && at < n) f(from + at * inner, to);
      }, View{{n * inner, 0, 1}}, View{{J * inner, inner, 1}});
  });
}

// With x seen as [outer, n, inner], the positions of each of the outer * inner rows of n elements
// (stride inner), sorted with std::stable_sort, NaN larger than everything (PyTorch's order): last
// ascending, first descending; equal keys (NaNs among them, -0 and +0) keep their order. out, seen
// as [outer, keep, inner], gets the first `keep` of them: all n for argsort; for argmax, descending,
// the first one: the first of the largest elements (the first NaN if there is one).
template <class T>
void sort_rows(const Tensor& x, int64_t axis, bool descending, int64_t keep, Tensor& out) {
  const Shape x3 = around(x.shape(), axis);
  const int64_t n = x3[1], inner = x3[2];
  using K = scalar::compute_t<T>;
  auto less = [](K u, K v) { return u != u ? false : v != v ? true : u < v; };  // NaN largest
  std::vector<int64_t> order(static_cast<size_t>(n));
  for_each(Shape{x3[0], inner}, [&](const Shape&, int64_t row, int64_t to) {
    auto key = [&](int64_t k) { return static_cast<K>(ptr<T>(x)[row + k * inner]); };
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t u, int64_t v) { return descending ? less(key(v), key(u)) : less(key(u), key(v)); });
    for (int64_t k = 0; k < keep; ++k) mut<int64_t>(out)[to + k * inner] = order[static_cast<size_t>(k)];
  }, View{{n * inner, 1}}, View{{keep * inner, 1}});
}

}  // namespace

void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::threefry) return threefry(in[0], in[1], out);
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::matmul: return matmul<T>(in[0], in[1], out);
      case Prim::conv: return conv<T>(in[0], in[1], std::get<ConvParams>(params), out);
      case Prim::gather: {  // 0 where an index is skipped, then the taken elements
        T* y = mut<T>(out);
        std::fill_n(y, out.numel(), T{});
        return take("gather", in[0], in[1], std::get<AxisParams>(params).axis, [&](int64_t x, int64_t to) { y[to] = ptr<T>(in[0])[x]; });
      }
      case Prim::scatter_add: {
        // Updates are added one at a time in row-major order of `upd`, each rounded to T (like
        // PyTorch's CPU scatter_add); repeated indices therefore accumulate in a defined order.
        T* y = mut<T>(out);
        std::copy_n(ptr<T>(in[0]), out.numel(), y);
        return take("scatter_add", in[0], in[1], std::get<AxisParams>(params).axis,
                    [&](int64_t to, int64_t u) { y[to] = scalar::add<T>(y[to], ptr<T>(in[2])[u]); });
      }
      case Prim::argsort: {
        const SortParams& s = std::get<SortParams>(params);
        return sort_rows<T>(in[0], s.axis, s.descending, in[0].shape()[s.axis], out);
      }
      case Prim::argmax: return sort_rows<T>(in[0], std::get<AxisParams>(params).axis, true, 1, out);
      default: fail(name(p), "reference backend: not a general primitive");
    }
  });
}

}  // namespace slope::reference
