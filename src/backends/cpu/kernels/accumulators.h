#pragma once
// What sum, max and argmax reductions compute, in one place for the eager kernels (reduce.cpp)
// and jit-generated code (pasted into its preamble after slope/scalar.h), so both reduce alike:
// floating sums in double, rounded once at the end; integer and bool sums in int64 (the sum
// primitive's output dtype, PyTorch's), wrapping; max propagates NaN; argmax finds the first
// maximum, NaN counting as the maximum.
#include <limits>
#include <type_traits>

#include "slope/scalar.h"

namespace slope::kernels {

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
// Whether v is m, the maximum a Max pass found (NaN when any value was NaN), as a 0/1 without a
// branch, so the loops that test it vectorise.
template <class T>
bool is_maximum(T v, T m) {
  if constexpr (scalar::is_float_v<T>) {
    using C = scalar::compute_t<T>;
    const C a = static_cast<C>(v), b = static_cast<C>(m);
    return (a == b) | ((b != b) & (a != a));
  } else {
    return v == m;
  }
}
// The maximum of x[begin:end) (end > begin), NaN if any is NaN: a vectorised Max pass.
template <class T>
T max_run(const T* __restrict x, int64_t begin, int64_t end) {
  constexpr int kLanes = scalar::is_float_v<T> ? 8 : 1;
  T lane[kLanes];
  for (auto& l : lane) l = Max<T>::identity();
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] = Max<T>::combine(lane[j], x[i + j]);
  T m = Max<T>::identity();
  for (int j = 0; j < kLanes; ++j) m = Max<T>::combine(m, lane[j]);
  for (; i < end; ++i) m = Max<T>::combine(m, x[i]);
  return m;
}
// The first maximum of x[begin:end): its value (a Max pass), then its position, searched 64
// elements at a time (a vectorised "any" per group, a scalar look only in the group that has it).
// About one max pass when the maximum comes early, two when it is last.
template <class T>
ArgBest<T> argmax_run(const T* __restrict x, int64_t begin, int64_t end) {
  const T m = max_run(x, begin, end);
  for (int64_t b = begin; b < end; b += 64) {
    const int64_t e = end - b > 64 ? b + 64 : end;
    bool any = false;
    for (int64_t i = b; i < e; ++i) any |= is_maximum(x[i], m);
    if (!any) continue;
    for (int64_t i = b; i < e; ++i)
      if (is_maximum(x[i], m)) return ArgBest<T>{m, i};
  }
  return ArgBest<T>{m, begin};  // unreachable: m is one of the values
}
// out[j] = argmax over r of x[r * inner + j] for j in [j0, j1), a tile of columns at a time: the
// column maxima in one streamed pass, then the first row reaching each (stopping once all have).
template <class T>
void argmax_columns(const T* __restrict x, int64_t n, int64_t inner, int64_t j0, int64_t j1, int64_t* __restrict out) {
  constexpr int64_t kTile = 256;
  T best[kTile];
  unsigned char found[kTile];
  for (int64_t t = j0; t < j1; t += kTile) {
    const int64_t w = j1 - t < kTile ? j1 - t : kTile;
    for (int64_t k = 0; k < w; ++k) best[k] = Max<T>::identity();
    for (int64_t r = 0; r < n; ++r) {
      const T* row = x + r * inner + t;
      for (int64_t k = 0; k < w; ++k) best[k] = Max<T>::combine(best[k], row[k]);
    }
    for (int64_t k = 0; k < w; ++k) {
      found[k] = 0;
      out[t + k] = 0;
    }
    int64_t left = w;
    for (int64_t r = 0; r < n && left > 0; ++r) {
      const T* row = x + r * inner + t;
      for (int64_t k = 0; k < w; ++k) {
        const unsigned char hit = static_cast<unsigned char>(!found[k] & is_maximum(row[k], best[k]));
        out[t + k] = hit ? r : out[t + k];
        found[k] |= hit;
        left -= hit;
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

}  // namespace slope::kernels
