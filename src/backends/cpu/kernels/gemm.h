#pragma once
// GEMM dispatch, in one place for the eager kernels (matmul.cpp, conv.cpp) and jit-generated code
// (pasted into its preamble): C[m, n] = op(A) @ op(B), op = transpose when ta/tb (A then stored
// [k, m], B [n, k]); C is overwritten. f32/f64 are cut into blocks (gemm_split.h), each one
// single-threaded BLAS call; f16/bf16 convert to f32 around that; integers run a wrapping loop
// through scalar::add/mul (exact in any order). Not defined for bool.
// The BLAS call is the caller's `blas(ta, tb, M, N, K, a, lda, b, ldb, c, ldc)` (float and double):
// slope includes cblas.h, generated code declares the two functions it needs.
#include <cstdint>
#include <type_traits>

#include "gemm_split.h"
#include "grain.h"
#include "slope/scalar.h"

namespace slope::kernels {

// The transposes are template arguments so the inner loop has unit stride known at compile time
// (it vectorises).
template <bool TA, bool TB, class T, class ParallelFor>
void gemm_loop(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc,
               const ParallelFor& parallel_for) {
  parallel_for(m, rows_grain(n * k), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      T* __restrict ci = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) ci[j] = T(0);
      for (int64_t p = 0; p < k; ++p) {
        const T av = TA ? a[p * lda + i] : a[i * lda + p];
        const T* __restrict bp = TB ? b + p : b + p * ldb;
        for (int64_t j = 0; j < n; ++j) ci[j] = scalar::add<T>(ci[j], scalar::mul<T>(av, bp[TB ? j * ldb : j]));
      }
    }
  });
}

template <class T, class Blas, class ParallelFor>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc, float* half_scratch, const Blas& blas, const ParallelFor& parallel_for);

// f16/bf16: op(A), op(B) and C as f32 in `scratch` (m*k + k*n + m*n floats), one f32 product.
template <class T, class Blas, class ParallelFor>
void gemm_half(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
               T* c, int64_t ldc, float* scratch, const Blas& blas, const ParallelFor& parallel_for) {
  float* af = scratch;
  float* bf = af + m * k;
  float* cf = bf + k * n;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) af[i * k + p] = scalar::convert<float>(ta ? a[p * lda + i] : a[i * lda + p]);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) bf[p * n + j] = scalar::convert<float>(tb ? b[j * ldb + p] : b[p * ldb + j]);
  gemm<float>(false, false, m, n, k, af, k, bf, n, cf, n, nullptr, blas, parallel_for);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = scalar::convert<T>(cf[i * n + j]);
}

template <class T, class Blas, class ParallelFor>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc, float* half_scratch, const Blas& blas, const ParallelFor& parallel_for) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = T(0);
    return;
  }
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    const gemm_split::Split sp = gemm_split::split(m, n, k);
    parallel_for(sp.units, sp.grain, [&](int64_t ub, int64_t ue) {
      int64_t lo, hi;
      gemm_split::block(sp, sp.rows ? m : n, ub, ue, lo, hi);
      const gemm_split::Offsets o = gemm_split::offsets(sp, ta, tb, lda, ldb, ldc, lo);
      blas(ta, tb, sp.rows ? hi - lo : m, sp.rows ? n : hi - lo, k, a + o.a, lda, b + o.b, ldb, c + o.c, ldc);
    });
  } else if constexpr (scalar::is_half_v<T>) {
    gemm_half(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, half_scratch, blas, parallel_for);
  } else if (!ta && !tb) {
    gemm_loop<false, false>(m, n, k, a, lda, b, ldb, c, ldc, parallel_for);
  } else if (ta && !tb) {
    gemm_loop<true, false>(m, n, k, a, lda, b, ldb, c, ldc, parallel_for);
  } else if (!ta) {
    gemm_loop<false, true>(m, n, k, a, lda, b, ldb, c, ldc, parallel_for);
  } else {
    gemm_loop<true, true>(m, n, k, a, lda, b, ldb, c, ldc, parallel_for);
  }
}

}  // namespace slope::kernels
