#pragma once
// Stable sorting of rows, in one place for the eager argsort kernel (sort.cpp) and jit-generated
// code (pasted into its preamble after slope/scalar.h), so both order ties and NaN alike.
// A merge sort of positions written out here rather than std::stable_sort: <algorithm> would add
// to the compile time of every jitted program, and the sort needs no allocation of its own.
#include <cstdint>
#include <cstdlib>

#include "grain.h"
#include "slope/scalar.h"

namespace slope::kernels {

// The key a row is sorted by: float for the 16-bit floats, a byte for bool (false < true), the
// type itself otherwise.
template <class T>
using key_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, scalar::compute_t<T>>;

// Whether a must come strictly before b. NaN is larger than every number (PyTorch's order): last
// ascending, first descending; NaNs are equal among themselves, and so are -0 and +0.
template <class K>
inline bool before(K a, K b, bool descending) {
  if constexpr (std::is_floating_point_v<K>) {
    if (descending) return a > b || (a != a && b == b);
    return a < b || (b != b && a == a);
  } else {
    return descending ? b < a : a < b;
  }
}

// Leaves in idx[0, n) the positions that sort keys[0, n), stably (equal keys keep their order).
// tmp holds n more positions.
template <class K>
void stable_argsort(const K* keys, int64_t n, bool descending, int64_t* idx, int64_t* tmp) {
  constexpr int64_t kRun = 16;  // runs sorted by insertion, then merged bottom-up
  for (int64_t i = 0; i < n; ++i) idx[i] = i;
  for (int64_t lo = 0; lo < n; lo += kRun) {
    const int64_t hi = lo + kRun < n ? lo + kRun : n;
    for (int64_t i = lo + 1; i < hi; ++i) {
      const int64_t v = idx[i];
      int64_t j = i;
      for (; j > lo && before(keys[v], keys[idx[j - 1]], descending); --j) idx[j] = idx[j - 1];
      idx[j] = v;
    }
  }
  int64_t *src = idx, *dst = tmp;
  for (int64_t w = kRun; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      const int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      // The right run's element goes first only if strictly before: ties keep their order.
      while (i < mid && j < hi) dst[k++] = before(keys[src[j]], keys[src[i]], descending) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    int64_t* t = src;
    src = dst;
    dst = t;
  }
  if (src != idx)
    for (int64_t i = 0; i < n; ++i) idx[i] = src[i];
}

// argsort of rows [row_lo, row_hi) of x viewed as [outer, n, inner] (row r = (r / inner, r % inner),
// its elements inner apart) into out of the same layout. Scratch: n keys and 2n positions.
template <class T>
void argsort_rows(const T* x, int64_t* out, int64_t n, int64_t inner, bool descending, int64_t row_lo,
                  int64_t row_hi, key_t<T>* keys, int64_t* idx, int64_t* tmp) {
  for (int64_t r = row_lo; r < row_hi; ++r) {
    const int64_t base = (r / inner) * n * inner + r % inner;
    for (int64_t k = 0; k < n; ++k) keys[k] = static_cast<key_t<T>>(x[base + k * inner]);
    stable_argsort(keys, n, descending, idx, tmp);
    for (int64_t k = 0; k < n; ++k) out[base + k * inner] = idx[k];
  }
}

// The whole argsort: the outer * inner rows of x split between threads by `parallel_for`, each
// share sorting its rows with scratch of its own (malloc: no exceptions cross generated code).
// Returns false when a share could not get its scratch, and the caller reports it its own way.
template <class T, class ParallelFor>
bool argsort(const T* x, int64_t* out, int64_t outer, int64_t n, int64_t inner, bool descending,
             const ParallelFor& parallel_for) {
  using K = key_t<T>;
  if (outer == 0 || n == 0 || inner == 0) return true;
  int64_t log_n = 1;  // a row costs about n log n comparisons
  while ((int64_t{1} << log_n) < n) ++log_n;
  int failed = 0;
  parallel_for(outer * inner, rows_grain(n * log_n), [&](int64_t lo, int64_t hi) {
    void* scratch = std::malloc(static_cast<size_t>(n) * (2 * sizeof(int64_t) + sizeof(K)));
    if (!scratch) {
      __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
      return;
    }
    int64_t* idx = static_cast<int64_t*>(scratch);
    argsort_rows(x, out, n, inner, descending, lo, hi, reinterpret_cast<K*>(idx + 2 * n), idx, idx + n);
    std::free(scratch);
  });
  return !failed;
}

}  // namespace slope::kernels
