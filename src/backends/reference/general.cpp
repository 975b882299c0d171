// Reference kernels of the primitives that are neither elementwise nor pure data movement:
// threefry (random bits), matmul, conv, gather, scatter_add and argsort (argmax, a reduction: reduce.cpp).
//
// Sums of products (matmul, conv) accumulate like the reductions do (see loops.h, accum_t):
// in double for floating types, rounded once at the end; in the type itself, wrapping, for integers.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels.h"
#include "loops.h"

namespace slope::reference {

namespace {

// acc + a * b in the accumulator type, through the shared scalar semantics.
template <class T>
accum_t<T> multiply_add(accum_t<T> acc, T a, T b) {
  using Acc = accum_t<T>;
  return scalar::add<Acc>(acc, scalar::mul<Acc>(scalar::convert<Acc>(a), scalar::convert<Acc>(b)));
}

// ---- threefry ----
// JAX's threefry_2x32(key, counts): flatten the counts, pad with one 0 if their number is odd, split
// them into a first half x0 and a second half x1, hash each pair (x0[i], x1[i]) with the key, and
// return the hashed x0 followed by the hashed x1, cut back to the original length.
// E.g. counts [0, 1, 2, 3, 4] -> pairs (0, 3), (1, 4), (2, 0) -> [h(0,3).0, h(1,4).0, h(2,0).0, h(0,3).1, h(1,4).1].
void threefry(const Tensor& key, const Tensor& counts, Tensor& out) {
  const uint32_t* k = ptr<uint32_t>(key);
  const uint32_t* c = ptr<uint32_t>(counts);
  uint32_t* o = mut<uint32_t>(out);
  const int64_t n = counts.numel();
  const int64_t half = (n + 1) / 2;  // number of pairs
  for (int64_t i = 0; i < half; ++i) {
    uint32_t x0 = c[i];
    uint32_t x1 = half + i < n ? c[half + i] : 0u;  // the padding 0 when n is odd
    scalar::threefry2x32(k[0], k[1], x0, x1);
    o[i] = x0;
    if (half + i < n) o[half + i] = x1;
  }
}

// ---- matmul ----
// [..., m, k] x [..., k, n] -> [..., m, n] with equal batch dims: one plain triple loop per batch.
template <class T>
void matmul(const Tensor& a, const Tensor& b, Tensor& out) {
  const Shape& as = a.shape();
  const size_t r = as.size();
  const int64_t m = as[r - 2], k = as[r - 1], n = b.shape()[r - 1];
  const int64_t batch = numel_range(as, 0, r - 2);
  const T* A = ptr<T>(a);
  const T* B = ptr<T>(b);
  T* C = mut<T>(out);
  for (int64_t bi = 0; bi < batch; ++bi) {
    const T* Ab = A + bi * m * k;
    const T* Bb = B + bi * k * n;
    T* Cb = C + bi * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        accum_t<T> acc(0);
        for (int64_t p = 0; p < k; ++p) acc = multiply_add<T>(acc, Ab[i * k + p], Bb[p * n + j]);
        Cb[i * n + j] = scalar::convert<T>(acc);
      }
  }
}

// ---- conv ----
// Direct convolution (cross-correlation, no kernel flip, like PyTorch), any number of spatial dims:
//   out[n, o, q...] = sum over c < C/groups and kernel offsets t...
//                       of x[n, g*C/groups + c, q*stride - pad_lo + t*dilation ...] * w[o, c, t...]
// where g = o / (O/groups) is o's group. Input positions that fall in the padding contribute 0.
template <class T>
void conv(const Tensor& x, const Tensor& w, const ConvParams& p, Tensor& out) {
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  const Shape& os = out.shape();
  const size_t r = xs.size() - 2;  // number of spatial dims
  const int64_t N = xs[0], C = xs[1], O = ws[0];
  const int64_t Cg = C / p.groups, Og = O / p.groups;  // channels per group (groups >= 1)
  const Shape S(xs.begin() + 2, xs.end()), K(ws.begin() + 2, ws.end()), Q(os.begin() + 2, os.end());
  const Shape s_stride = contiguous_strides(S), k_stride = contiguous_strides(K);
  const int64_t s_size = numel(S), k_size = numel(K), q_size = numel(Q);
  const T* X = ptr<T>(x);
  const T* W = ptr<T>(w);
  T* Y = mut<T>(out);
  int64_t y = 0;  // output elements are produced in row-major order
  Shape q(r, 0), t(r, 0), pos(r, 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t g = o / Og;  // only reached when O > 0, and then Og >= 1
      for (int64_t qi = 0; qi < q_size; ++qi, next_index(q, Q)) {
        accum_t<T> acc(0);
        for (int64_t c = 0; c < Cg; ++c) {
          const T* Xc = X + (n * C + g * Cg + c) * s_size;  // the input plane this channel reads
          const T* Wc = W + (o * Cg + c) * k_size;          // the kernel it is multiplied with
          for (int64_t ti = 0; ti < k_size; ++ti, next_index(t, K)) {
            bool inside = true;
            for (size_t d = 0; d < r; ++d) {
              pos[d] = q[d] * p.stride[d] - p.pad_lo[d] + t[d] * p.dilation[d];
              inside = inside && pos[d] >= 0 && pos[d] < S[d];
            }
            if (inside) acc = multiply_add<T>(acc, Xc[offset(pos, s_stride)], Wc[ti]);
          }
        }
        Y[y++] = scalar::convert<T>(acc);
      }
    }
}

// ---- gather / scatter_add ----
// With x viewed as [outer, size, inner] (size = x.shape[axis]) and the indices flattened to J values,
// gather's output is [outer, J, inner] and
//   gather:      out[a, j, b] = x[a, idx[j], b]                       (numpy.take(x, idx, axis))
//   scatter_add: out = x;  out[a, idx[j], b] += upd[a, j, b]           (its transpose)
// Indices are checked by the eval interpreter before the kernel runs; an index outside [0, size)
// would still never be followed here: gather writes 0 for it and scatter_add skips it.
struct TakeLayout {
  int64_t outer, size, inner, J;
};
TakeLayout take_layout(const Tensor& x, const Tensor& idx, int64_t axis) {
  const Shape& s = x.shape();
  const auto a = static_cast<size_t>(axis);
  return {numel_range(s, 0, a), s[a], numel_range(s, a + 1, s.size()), idx.numel()};
}

// Calls f(I) with I the C++ type of the (integer) index tensor.
template <class F>
void visit_index(const Tensor& idx, const char* op, F f) {
  visit_dtype(idx.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (scalar::is_int_v<I>) f(I{});
    else fail(op, "indices must be an integer tensor, got ", to_string(idx.aval()));
  });
}

template <class T>
void gather(const Tensor& x, const Tensor& idx, int64_t axis, Tensor& out) {
  const TakeLayout L = take_layout(x, idx, axis);
  const T* X = ptr<T>(x);
  T* Y = mut<T>(out);
  visit_index(idx, "gather", [&](auto itag) {
    using I = decltype(itag);
    const I* ix = ptr<I>(idx);
    for (int64_t a = 0; a < L.outer; ++a)
      for (int64_t j = 0; j < L.J; ++j) {
        const auto at = static_cast<int64_t>(ix[j]);
        const bool valid = at >= 0 && at < L.size;
        for (int64_t b = 0; b < L.inner; ++b)
          Y[(a * L.J + j) * L.inner + b] = valid ? X[(a * L.size + at) * L.inner + b] : T{};
      }
  });
}

template <class T>
void scatter_add(const Tensor& x, const Tensor& idx, const Tensor& upd, int64_t axis, Tensor& out) {
  const TakeLayout L = take_layout(x, idx, axis);
  const T* X = ptr<T>(x);
  const T* U = ptr<T>(upd);
  T* Y = mut<T>(out);
  for (int64_t i = 0, n = x.numel(); i < n; ++i) Y[i] = X[i];
  visit_index(idx, "scatter_add", [&](auto itag) {
    using I = decltype(itag);
    const I* ix = ptr<I>(idx);
    // Updates are added one at a time in row-major order of `upd`, each rounded to T (like
    // PyTorch's CPU scatter_add); repeated indices therefore accumulate in a defined order.
    for (int64_t a = 0; a < L.outer; ++a)
      for (int64_t j = 0; j < L.J; ++j) {
        const auto at = static_cast<int64_t>(ix[j]);
        if (at < 0 || at >= L.size) continue;
        for (int64_t b = 0; b < L.inner; ++b) {
          T& dst = Y[(a * L.size + at) * L.inner + b];
          dst = scalar::add<T>(dst, U[(a * L.J + j) * L.inner + b]);
        }
      }
  });
}

// ---- argsort ----
// x viewed as [outer, n, inner]: each of the outer * inner rows of n elements (stride inner) is
// sorted with std::stable_sort on its positions. NaN is larger than everything (PyTorch's order):
// last ascending, first descending; equal keys (NaNs among them, -0 and +0) keep their order.
template <class T>
void argsort(const Tensor& x, const SortParams& p, Tensor& out) {
  const Shape& s = x.shape();
  const auto a = static_cast<size_t>(p.axis);
  const int64_t outer = numel_range(s, 0, a), n = s[a], inner = numel_range(s, a + 1, s.size());
  const T* X = ptr<T>(x);
  int64_t* Y = mut<int64_t>(out);
  using K = scalar::compute_t<T>;
  auto is_nan = [](K v) { return v != v; };
  auto less = [&](K u, K v) { return is_nan(u) ? false : is_nan(v) ? true : u < v; };  // NaN largest
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto key = [&](int64_t k) { return static_cast<K>(X[(o * n + k) * inner + i]); };
      std::iota(order.begin(), order.end(), int64_t{0});
      std::stable_sort(order.begin(), order.end(), [&](int64_t u, int64_t v) {
        return p.descending ? less(key(v), key(u)) : less(key(u), key(v));
      });
      for (int64_t k = 0; k < n; ++k) Y[(o * n + k) * inner + i] = order[static_cast<size_t>(k)];
    }
}

}  // namespace

void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::threefry) return threefry(in[0], in[1], out);
  if (p == Prim::argmax) return argmax(params, in, out);
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::matmul: return matmul<T>(in[0], in[1], out);
      case Prim::conv: return conv<T>(in[0], in[1], std::get<ConvParams>(params), out);
      case Prim::gather: return gather<T>(in[0], in[1], std::get<AxisParams>(params).axis, out);
      case Prim::scatter_add: return scatter_add<T>(in[0], in[1], in[2], std::get<AxisParams>(params).axis, out);
      case Prim::argsort: return argsort<T>(in[0], std::get<SortParams>(params), out);
      default: fail(name(p), "reference backend: not a general primitive");
    }
  });
}

}  // namespace slope::reference
