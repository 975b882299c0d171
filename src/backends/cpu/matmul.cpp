// The eager matmul, batched by looping over the batch, and gemm(), the shared GEMM dispatch
// (kernels/gemm.h) on slope's pool, which also serves conv. Batches of small products run one
// product per thread; a large product is cut into blocks of rows or columns (kernels/gemm_split.h)
// that the pool's threads compute with single-threaded BLAS calls: BLAS never starts threads of
// its own (parallel.h).
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "backends/cpu/eager.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernels/gemm.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

void check_blas_size(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  int64_t biggest = std::max({m, n, k, lda, ldb, ldc});
  check(biggest <= INT_MAX, "matmul", "dimension ", biggest, " exceeds what the BLAS library can index (", INT_MAX,
        ")");
}

// One block of a product: single-threaded BLAS (the pool's threads split the product).
struct Blas {
  void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float* c, int64_t ldc) const {
    BlasSerialScope serial;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, blasint(m), blasint(n),
                blasint(k), 1.0f, a, blasint(lda), b, blasint(ldb), 0.0f, c, blasint(ldc));
  }
  void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b,
                  int64_t ldb, double* c, int64_t ldc) const {
    BlasSerialScope serial;
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, blasint(m), blasint(n),
                blasint(k), 1.0, a, blasint(lda), b, blasint(ldb), 0.0, c, blasint(ldc));
  }
};

}  // namespace

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  std::unique_ptr<float[]> half_scratch;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (m != 0 && n != 0 && k != 0) check_blas_size(m, n, k, lda, ldb, ldc);
  } else if constexpr (scalar::is_half_v<T>) {
    if (m != 0 && n != 0 && k != 0) {
      check_blas_size(m, n, k, k, n, n);  // the f32 product it becomes
      half_scratch.reset(new float[static_cast<size_t>(m * k + k * n + m * n)]);
    }
  }
  kernels::gemm<T>(false, false, m, n, k, a, lda, b, ldb, c, ldc, half_scratch.get(), Blas{}, PoolFor{});
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
