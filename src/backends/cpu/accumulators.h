#pragma once
// What sum, max and argmax reductions compute, in one place for the eager kernels (reduce.cpp)
// and jit-generated code (pasted into its preamble after slope/scalar.h), so both reduce alike:
// floating sums in double, rounded once at the end; integer and bool sums in int64 (the sum
// primitive's output dtype, PyTorch's), wrapping; max propagates NaN; argmax finds the first
// maximum, NaN counting as the maximum.
#include <limits>
#include <type_traits>

#include "slope/scalar.h"

namespace slope::accumulate {

// Narrow integers are loaded straight into the int64 accumulator: no widened copy of the input.
template <class T>
struct Sum {
  using A = std::conditional_t<scalar::is_float_v<T>, double, int64_t>;
  using Out = std::conditional_t<scalar::is_float_v<T>, T, int64_t>;
  static A identity() { return A(0); }
  static A load(T x) {
    if constexpr (scalar::is_float_v<T>) return static_cast<double>(static_cast<scalar::compute_t<T>>(x));
    else return static_cast<int64_t>(x);
  }
  static A combine(A a, A b) {
    if constexpr (scalar::is_float_v<T>) return a + b;
    else return scalar::add<int64_t>(a, b);
  }
  static Out store(A a) { return scalar::convert<Out>(a); }
};

template <class T>
struct Max {
  using A = T;
  using Out = T;
  // The value every element wins against (maximum(identity, x) == x, NaN included).
  static A identity() {
    if constexpr (scalar::is_float_v<T>) return T(-std::numeric_limits<float>::infinity());
    else if constexpr (std::is_same_v<T, bool>) return false;
    else return std::numeric_limits<T>::lowest();
  }
  static A load(T x) { return x; }
  static A combine(A a, A b) { return scalar::maximum<T>(a, b); }
  static T store(A a) { return a; }
};

// ---- argmax over the middle axis of x viewed as [outer, n, inner] (n >= 1) ----
// v replaces the best so far when it is greater, or the first NaN: equal values keep the first.
template <class T>
bool argmax_beats(T v, T best) {
  if constexpr (scalar::is_float_v<T>) {
    using C = scalar::compute_t<T>;
    const C a = static_cast<C>(v), b = static_cast<C>(best);
    return a > b || (a != a && b == b);
  } else {
    return v > best;
  }
}
template <class T>
struct ArgBest {
  T value;
  int64_t index;
};
// The first maximum of x[begin:end) (end > begin). Each block's maximum comes first (a vectorised
// Max pass); only a block that beats the best so far is searched for its position, so a row costs
// about one max pass (two when every block holds a new maximum, e.g. sorted input).
template <class T>
ArgBest<T> argmax_run(const T* __restrict x, int64_t begin, int64_t end) {
  constexpr int64_t kBlock = 1024;
  constexpr int kLanes = scalar::is_float_v<T> ? 8 : 1;
  ArgBest<T> best{x[begin], begin};
  for (int64_t b = begin; b < end; b += kBlock) {
    const int64_t e = end - b > kBlock ? b + kBlock : end;
    T lane[kLanes];
    for (auto& l : lane) l = Max<T>::identity();
    int64_t i = b;
    for (; i + kLanes <= e; i += kLanes)
      for (int j = 0; j < kLanes; ++j) lane[j] = Max<T>::combine(lane[j], x[i + j]);
    T m = Max<T>::identity();
    for (int j = 0; j < kLanes; ++j) m = Max<T>::combine(m, lane[j]);
    for (; i < e; ++i) m = Max<T>::combine(m, x[i]);
    if (!argmax_beats(m, best.value)) continue;
    for (i = b; i < e; ++i)
      if (argmax_beats(x[i], best.value)) best = ArgBest<T>{x[i], i};
  }
  return best;
}
// out[j] = argmax over r of x[r * inner + j] for j in [j0, j1): rows streamed, a tile of columns
// compared at a time.
template <class T>
void argmax_columns(const T* __restrict x, int64_t n, int64_t inner, int64_t j0, int64_t j1, int64_t* __restrict out) {
  constexpr int64_t kTile = 256;
  T best[kTile];
  for (int64_t t = j0; t < j1; t += kTile) {
    const int64_t w = j1 - t < kTile ? j1 - t : kTile;
    for (int64_t k = 0; k < w; ++k) {
      best[k] = x[t + k];
      out[t + k] = 0;
    }
    for (int64_t r = 1; r < n; ++r) {
      const T* row = x + r * inner + t;
      for (int64_t k = 0; k < w; ++k)
        if (argmax_beats(row[k], best[k])) {
          best[k] = row[k];
          out[t + k] = r;
        }
    }
  }
}
// The kernel of the argmax primitive. `parallel_for(count, grain, fn)` is the caller's pool
// (slope's in eager kernels, the generated program's in jit code). One long row is cut into
// pieces whose results combine in order, so the answer never depends on the thread count.
template <class T, class ParallelFor>
void argmax(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t* out, const ParallelFor& parallel_for) {
  constexpr int64_t kGrain = 32768;  // elements of work below which a thread costs more than it saves
  if (outer == 0 || inner == 0) return;
  const int64_t row_grain = n >= kGrain ? 1 : kGrain / n;
  if (inner == 1 && outer > 1) {
    parallel_for(outer, row_grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) out[o] = argmax_run(x + o * n, 0, n).index;
    });
  } else if (inner == 1) {
    constexpr int64_t kMaxPieces = 64;
    const int64_t pieces = n / kGrain < 1 ? 1 : n / kGrain > kMaxPieces ? kMaxPieces : n / kGrain;
    ArgBest<T> part[kMaxPieces];
    parallel_for(pieces, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) part[c] = argmax_run(x, n * c / pieces, n * (c + 1) / pieces);
    });
    ArgBest<T> best = part[0];
    for (int64_t c = 1; c < pieces; ++c)
      if (argmax_beats(part[c].value, best.value)) best = part[c];
    out[0] = best.index;
  } else {
    // Flat (o, j) pairs, each range cut at the ends of its outer blocks.
    parallel_for(outer * inner, row_grain, [&](int64_t b, int64_t e) {
      for (int64_t u = b; u < e;) {
        const int64_t o = u / inner, j0 = u % inner, j1 = inner - j0 < e - u ? inner : j0 + (e - u);
        argmax_columns(x + o * n * inner, n, inner, j0, j1, out + o * inner);
        u += j1 - j0;
      }
    });
  }
}

}  // namespace slope::accumulate
