#pragma once
// gather and scatter_add along one axis, in one place for the eager kernels (indexing.cpp) and
// jit-generated code (pasted into its preamble). x is viewed as [A, X, B] (A = dims before the
// axis, B = dims after) and the indices are flattened to J. Indices must already be checked to lie
// in [0, X): eager mode checks them in the eval interpreter, generated code before the call, each
// reporting the error its own way.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "grain.h"
#include "slope/scalar.h"

namespace slope::kernels {

// out[a, j, 0:B] = x[a, idx[j], 0:B]: one memcpy of a row of B elements of `elem` bytes each.
template <class I, class ParallelFor>
void gather(const char* x, const I* idx, char* out, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n, size_t elem,
            const ParallelFor& parallel_for) {
  const size_t row = static_cast<size_t>(b_n) * elem;
  parallel_for(a_n * j_n, rows_grain(b_n), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t a = r / j_n, j = r % j_n;
      std::memcpy(out + r * row, x + (a * x_n + static_cast<int64_t>(idx[j])) * row, row);
    }
  });
}

// out[a, idx[j], 0:B] += upd[a, j, 0:B], out already holding x. Each output element receives its
// updates in j order (as in the reference backend), so threads split a or the b-range, never j.
template <class T, class I, class ParallelFor>
void scatter_add(T* out, const I* idx, const T* upd, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n,
                 const ParallelFor& parallel_for) {
  if (a_n == 0 || j_n == 0 || b_n == 0) return;
  auto rows = [&](int64_t a, int64_t b0, int64_t b1) {
    for (int64_t j = 0; j < j_n; ++j) {
      T* __restrict dst = out + (a * x_n + static_cast<int64_t>(idx[j])) * b_n;
      const T* __restrict src = upd + (a * j_n + j) * b_n;
      for (int64_t b = b0; b < b1; ++b) dst[b] = scalar::add<T>(dst[b], src[b]);
    }
  };
  if (a_n > 1) {
    parallel_for(a_n, rows_grain(j_n * b_n), [&](int64_t lo, int64_t hi) {
      for (int64_t a = lo; a < hi; ++a) rows(a, 0, b_n);
    });
  } else {
    parallel_for(b_n, rows_grain(j_n), [&](int64_t lo, int64_t hi) { rows(0, lo, hi); });
  }
}

}  // namespace slope::kernels
