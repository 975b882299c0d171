// sum, max and argmax. The input's axes are first simplified: size-1 axes dropped, adjacent axes that are
// all reduced (or all kept) merged. The common results then get a contiguous fast path:
//   [K, R]     rows reduced along their contiguous length (several lanes, so it vectorises),
//   [R, K]     rows accumulated into an output row (threads split R, partial rows combined),
//   [K, R, K'] the same per outer index,
//   [R]        one long row split across threads.
// Any other pattern is permuted (reduced axes last) and reduced as rows.
// Sums of floating types accumulate in double and round once, like the reference backend;
// integer and bool sums accumulate in int64, their output dtype (loaded element by element: no
// widened copy), wrapping (exact in any order); max propagates NaN. argmax is one kernel shared
// with generated code (accumulators.h).
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu/kernels/accumulators.h"
#include "backends/cpu/eager.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

template <class T>
using SumOp = kernels::Sum<T>;
template <class T>
using MaxOp = kernels::Max<T>;

// Reduces x[0:n) (contiguous). Floating sums and maxima use kLanes interleaved accumulators so
// the loop vectorises (the compiler may not reorder them itself). Integer and bool ops are
// associative, so one accumulator suffices and g++ vectorises it; interleaved lanes over int32
// are also miscompiled by g++ 12 at -O3 -march=znver3 (wrong sums), which this avoids.
template <class Op, class T>
typename Op::A reduce_run(const T* __restrict x, int64_t n) {
  using A = typename Op::A;
  constexpr int kLanes = scalar::is_float_v<T> ? 8 : 1;
  A lane[kLanes];
  for (auto& l : lane) l = Op::identity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] = Op::combine(lane[j], Op::load(x[i + j]));
  A r = Op::identity();
  for (int j = 0; j < kLanes; ++j) r = Op::combine(r, lane[j]);
  for (; i < n; ++i) r = Op::combine(r, Op::load(x[i]));
  return r;
}

// acc[0:k) op= x[r, 0:k) for each of the `rows` rows of a [rows, k] block.
template <class Op, class T>
void accumulate_rows(const T* __restrict x, int64_t rows, int64_t k, typename Op::A* __restrict acc) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* __restrict row = x + r * k;
    for (int64_t j = 0; j < k; ++j) acc[j] = Op::combine(acc[j], Op::load(row[j]));
  }
}

template <class A>
std::unique_ptr<A[]> filled(int64_t n, A v) {
  std::unique_ptr<A[]> p(new A[static_cast<size_t>(std::max<int64_t>(n, 1))]);
  std::fill(p.get(), p.get() + n, v);
  return p;
}

// [R] -> scalar, the row split across threads into partial results combined in order.
template <class Op, class T>
typename Op::A reduce_long_row(const T* x, int64_t n) {
  using A = typename Op::A;
  int64_t chunks = std::min<int64_t>(num_threads(), n / kParallelGrain);
  if (chunks <= 1) return reduce_run<Op>(x, n);
  auto part = filled<A>(chunks, Op::identity());
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
      part[c] = reduce_run<Op>(x + lo, hi - lo);
    }
  });
  A r = Op::identity();
  for (int64_t c = 0; c < chunks; ++c) r = Op::combine(r, part[c]);
  return r;
}

// [R, K] -> [K] into acc (which starts at identity). Threads take slices of R, each with its own
// partial row, then the partial rows are combined.
template <class Op, class T>
void reduce_columns(const T* x, int64_t rows, int64_t k, typename Op::A* acc) {
  using A = typename Op::A;
  int64_t chunks = std::min<int64_t>({int64_t(num_threads()), rows, rows * k / kParallelGrain});
  if (chunks <= 1) return accumulate_rows<Op>(x, rows, k, acc);
  auto part = filled<A>(chunks * k, Op::identity());
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t lo = rows * c / chunks, hi = rows * (c + 1) / chunks;
      accumulate_rows<Op>(x + lo * k, hi - lo, k, part.get() + c * k);
    }
  });
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t j = 0; j < k; ++j) acc[j] = Op::combine(acc[j], part[c * k + j]);
}

template <class Op, class O>
void store_all(const typename Op::A* acc, O* out, int64_t n) {
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = Op::store(acc[i]);
  });
}

struct Group {
  int64_t n;
  bool reduced;
};

template <class Op, class T>
void reduce_typed(const SmallVector<Group, 8>& g, const Tensor& x, Tensor& out) {
  using A = typename Op::A;
  using O = typename Op::Out;
  const T* xs = ptr<T>(x);
  O* os = mut<O>(out);
  const int64_t n_out = out.numel();
  if (g.size() == 1) {  // [R]
    os[0] = Op::store(reduce_long_row<Op>(xs, g[0].n));
    return;
  }
  if (g.size() == 2 && g[1].reduced) {  // [K, R]: row reductions
    const int64_t len = g[1].n;
    if (n_out >= num_threads() || n_out * len < 2 * kParallelGrain) {
      parallel_for(n_out, rows_grain(len), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) os[r] = Op::store(reduce_run<Op>(xs + r * len, len));
      });
    } else {
      for (int64_t r = 0; r < n_out; ++r) os[r] = Op::store(reduce_long_row<Op>(xs + r * len, len));
    }
    return;
  }
  if ((g.size() == 2 && g[0].reduced) || (g.size() == 3 && g[1].reduced)) {  // [R, K] or [K, R, K']
    const int64_t outer = g.size() == 3 ? g[0].n : 1;
    const int64_t rows = g.size() == 3 ? g[1].n : g[0].n;
    const int64_t k = g.back().n;
    auto acc = filled<A>(n_out, Op::identity());
    if (outer >= 2 * num_threads()) {
      parallel_for(outer, rows_grain(rows * k), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) accumulate_rows<Op>(xs + o * rows * k, rows, k, acc.get() + o * k);
      });
    } else {
      for (int64_t o = 0; o < outer; ++o) reduce_columns<Op>(xs + o * rows * k, rows, k, acc.get() + o * k);
    }
    store_all<Op>(acc.get(), os, n_out);
    return;
  }
  // General: move the reduced axes last (keeping their order), then reduce rows.
  Shape shape, strides, kept, red;
  int64_t stride = 1;
  Shape gs(g.size());
  for (size_t i = g.size(); i-- > 0;) {
    gs[i] = stride;
    stride *= g[i].n;
  }
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i].reduced == (pass == 1)) {
        shape.push_back(g[i].n);
        strides.push_back(gs[i]);
      }
  int64_t len = x.numel() / n_out;
  std::unique_ptr<T[]> tmp(new T[static_cast<size_t>(x.numel())]);
  strided_copy(sizeof(T), shape, xs, strides, tmp.get(), contiguous_strides(shape));
  const T* t = tmp.get();
  parallel_for(n_out, rows_grain(len), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) os[r] = Op::store(reduce_run<Op>(t + r * len, len));
  });
}

}  // namespace

void reduce(Prim p, const Axes& axes, const Tensor& x, Tensor& out) {
  const int64_t n_out = out.numel();
  if (n_out == 0) return;
  const Shape& s = x.shape();
  SmallVector<Group, 8> g;
  size_t k = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool red = k < axes.size() && axes[k] == static_cast<int64_t>(i);
    if (red) ++k;
    if (s[i] == 1) continue;
    if (!g.empty() && g.back().reduced == red) g.back().n *= s[i];
    else g.push_back(Group{s[i], red});
  }
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using SumOut = typename SumOp<T>::Out;
    if (x.numel() == 0) {  // sum over an empty axis (max rejects it in its shape rule)
      SumOut* os = mut<SumOut>(out);
      std::fill(os, os + n_out, SumOp<T>::store(SumOp<T>::identity()));
      return;
    }
    bool any_reduced = false;
    for (const Group& gr : g) any_reduced = any_reduced || gr.reduced;
    if (!any_reduced) {  // only size-1 axes reduced: the values are unchanged (an integer sum widens them)
      if (p == Prim::max || std::is_same_v<SumOut, T>) {
        std::memcpy(out.impl()->buffer->data(), ptr<T>(x), sizeof(T) * n_out);
      } else {
        SumOut* os = mut<SumOut>(out);
        const T* xs = ptr<T>(x);
        parallel_for(n_out, kParallelGrain, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) os[i] = SumOp<T>::store(SumOp<T>::load(xs[i]));
        });
      }
      return;
    }
    if (p == Prim::sum) reduce_typed<SumOp<T>, T>(g, x, out);
    else if (p == Prim::max) reduce_typed<MaxOp<T>, T>(g, x, out);
    else fail(name(p), "cpu backend: not a reduction");
  });
}

void argmax(int64_t axis, const Tensor& x, Tensor& out) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    kernels::argmax(ptr<T>(x), outer, s[axis], inner, mut<int64_t>(out),
                       [](int64_t n, int64_t grain, auto fn) { parallel_for(n, grain, fn); });
  });
}

}  // namespace slope::cpu
