// matmul through OpenBLAS (f32/f64), batched by looping over the batch; the gemm() helper also
// serves conv. Batches of small products run one product per thread; a large product is cut into
// blocks of rows or columns (gemm_split.h) that the pool's threads compute with single-threaded
// BLAS calls: BLAS never starts threads of its own (parallel.h).
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "gemm.h"
#include "gemm_split.h"
#include "kernels.h"
#include "parallel.h"

namespace slope::cpu {

namespace {

void check_blas_size(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  int64_t biggest = std::max({m, n, k, lda, ldb, ldc});
  check(biggest <= INT_MAX, "matmul", "dimension ", biggest, " exceeds what the BLAS library can index (", INT_MAX,
        ")");
}

void zero_rows(int64_t m, int64_t n, void* c, int64_t ldc, size_t elem) {
  for (int64_t i = 0; i < m; ++i) std::memset(static_cast<char*>(c) + i * ldc * elem, 0, n * elem);
}

template <class T>
void gemm_loop(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  parallel_for(m, rows_grain(n * k), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      T* __restrict ci = c + i * ldc;
      std::fill(ci, ci + n, T(0));
      for (int64_t p = 0; p < k; ++p) {
        const T av = a[i * lda + p];
        const T* __restrict bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) ci[j] = scalar::add<T>(ci[j], scalar::mul<T>(av, bp[j]));
      }
    }
  });
}

template <class T>
void gemm_half(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  std::unique_ptr<float[]> af(new float[std::max<int64_t>(m * k, 1)]), bf(new float[std::max<int64_t>(k * n, 1)]),
      cf(new float[std::max<int64_t>(m * n, 1)]);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) af[i * k + p] = scalar::convert<float>(a[i * lda + p]);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) bf[p * n + j] = scalar::convert<float>(b[p * ldb + j]);
  gemm<float>(m, n, k, af.get(), k, bf.get(), n, cf.get(), n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = scalar::convert<T>(cf[i * n + j]);
}

}  // namespace

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return zero_rows(m, n, c, ldc, sizeof(T));
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    check_blas_size(m, n, k, lda, ldb, ldc);
    const gemm_split::Split sp = gemm_split::split(m, n, k);
    parallel_for(sp.units, sp.grain, [&](int64_t ub, int64_t ue) {
      BlasSerialScope serial;
      int64_t lo, hi;
      gemm_split::block(sp, sp.rows ? m : n, ub, ue, lo, hi);
      const gemm_split::Offsets o = gemm_split::offsets(sp, false, false, lda, ldb, ldc, lo);
      const T *ab = a + o.a, *bb = b + o.b;
      T* cb = c + o.c;
      auto M = static_cast<blasint>(sp.rows ? hi - lo : m), N = static_cast<blasint>(sp.rows ? n : hi - lo),
           K = static_cast<blasint>(k);
      if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, ab, static_cast<blasint>(lda), bb,
                    static_cast<blasint>(ldb), 0.0f, cb, static_cast<blasint>(ldc));
      else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, ab, static_cast<blasint>(lda), bb,
                    static_cast<blasint>(ldb), 0.0, cb, static_cast<blasint>(ldc));
    });
  } else if constexpr (scalar::is_half_v<T>) {
    gemm_half(m, n, k, a, lda, b, ldb, c, ldc);
  } else {
    gemm_loop(m, n, k, a, lda, b, ldb, c, ldc);
  }
}

#define SLOPE_CPU_GEMM(T) \
  template void gemm<T>(int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*, int64_t);
SLOPE_CPU_GEMM(uint8_t)
SLOPE_CPU_GEMM(int8_t)
SLOPE_CPU_GEMM(int32_t)
SLOPE_CPU_GEMM(int64_t)
SLOPE_CPU_GEMM(uint32_t)
SLOPE_CPU_GEMM(half)
SLOPE_CPU_GEMM(bfloat16)
SLOPE_CPU_GEMM(float)
SLOPE_CPU_GEMM(double)
#undef SLOPE_CPU_GEMM

void matmul(const Tensor& a, const Tensor& b, Tensor& out) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const size_t r = as.size();
  const int64_t m = as[r - 2], k = as[r - 1], n = bs[r - 1];
  const int64_t batch = m * n == 0 ? 0 : out.numel() / (m * n);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      fail("matmul", "cpu backend: not defined for bool");
    } else {
      const T* ap = ptr<T>(a);
      const T* bp = ptr<T>(b);
      T* op = mut<T>(out);
      auto one = [&](int64_t i) { gemm<T>(m, n, k, ap + i * m * k, k, bp + i * k * n, n, op + i * m * n, n); };
      const int64_t work = m * n * std::max<int64_t>(k, 1);
      if (batch > 1 && work < (int64_t(1) << 21)) {
        parallel_for(batch, std::max<int64_t>(1, (int64_t(1) << 17) / work), [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) one(i);
        });
      } else {
        for (int64_t i = 0; i < batch; ++i) one(i);
      }
    }
  });
}

}  // namespace slope::cpu
