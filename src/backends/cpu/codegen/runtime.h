#pragma once
// What generated programs need beyond the shared kernels (../kernels/): the thread pool they run
// on, constants, error reporting, the BLAS declarations, and thin entry points that bind the
// kernels to this pool and check what eager mode checks in the interpreter (indices, scratch).
// The preamble of every program the code generator writes is include/slope/scalar.h, the
// kernels and this file, embedded into the library as a string at build time with their
// include lines stripped (CMakeLists.txt), so generated code needs no slope headers: exported
// programs build anywhere. Compile time of every jitted program pays for this text, so it stays
// small: C headers only, templates instantiated only for the dtypes a program uses.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backends/cpu/kernels/accumulators.h"
#include "backends/cpu/kernels/arange.h"
#include "backends/cpu/kernels/conv.h"
#include "backends/cpu/kernels/gemm.h"
#include "backends/cpu/kernels/indexing.h"
#include "backends/cpu/kernels/sort_rows.h"
#include "backends/cpu/kernels/threefry.h"
#include "slope/scalar.h"

#ifdef _OPENMP
#include <omp.h>
#endif

// OpenBLAS's CBLAS entry points, declared here instead of including cblas.h: its include
// directory differs between distributions, and the enums are passed as ints by the C ABI.
extern "C" {
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc);
void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc);
}

namespace slope::jit {

// ---- threads: every parallel loop of a generated program goes through parallel_for. Inside
// slope the host hands in its own pool (through the program's slope_<name>_set_threads, called
// when the program is loaded), so the process has one pool; an exported build uses OpenMP when
// compiled with it ----
using RangeTask = void (*)(void* ctx, int64_t begin, int64_t end);
using HostParallelFor = void (*)(int64_t n, int64_t grain, RangeTask task, void* ctx);
namespace {
HostParallelFor host_parallel_for = nullptr;
int host_threads = 0;
}  // namespace

inline void set_host_threads(HostParallelFor parallel_for, int threads) {
  host_parallel_for = parallel_for;
  host_threads = threads;
}

inline int max_threads() {
  if (host_parallel_for) return host_threads;
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Where share t of nt (t in [0, nt]) of a loop of n iterations begins: n * t / nt, computed
// without overflow (n * t exceeds 64 bits for n past 2^63 / nt).
inline int64_t share(int64_t n, int64_t t, int64_t nt) {
  return static_cast<int64_t>(static_cast<__int128>(n) * t / nt);
}

// fn(begin, end) on disjoint ranges covering [0, n), each (but a lone one) of >= grain items.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (host_parallel_for) {
    host_parallel_for(
        n, grain, [](void* f, int64_t b, int64_t e) { (*static_cast<const F*>(f))(b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
    return;
  }
#ifdef _OPENMP
  const int64_t most = n / grain < omp_get_max_threads() ? n / grain : omp_get_max_threads();
  if (most > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(static_cast<int>(most)) schedule(static, 1)
    for (int64_t c = 0; c < most; ++c) fn(n * c / most, n * (c + 1) / most);
    return;
  }
#endif
  fn(0, n);
}

// parallel_for as the value the shared kernels take for their pool.
struct PoolFor {
  template <class F>
  void operator()(int64_t n, int64_t grain, const F& fn) const {
    parallel_for(n, grain, fn);
  }
};

// ---- constants: written as bit patterns so every value (NaN payloads, -0, subnormals) survives ----
inline float f32_bits(uint32_t b) { return std::bit_cast<float>(b); }
inline double f64_bits(uint64_t b) { return std::bit_cast<double>(b); }
inline half f16_bits(uint16_t b) {
  half h;
  h.bits = b;
  return h;
}
inline bfloat16 bf16_bits(uint16_t b) {
  bfloat16 h;
  h.bits = b;
  return h;
}

// ---- errors: the entry point returns 1 with a message in err ("[op] ...") ----
inline int error(char* err, size_t n, const char* msg) {
  if (n > 0) std::snprintf(err, n, "%s", msg);
  return 1;
}

// Replaces the "[op]" that err starts with by "[name]": kernels name their primitive, errors name
// the public op the user called (slope's OpScope). Returns 1, the entry point's error code.
inline int rename_error(char* err, size_t n, const char* name) {
  const char* close = n > 0 && err[0] == '[' ? std::strchr(err, ']') : nullptr;
  if (!close) return 1;
  char tail[512];
  std::snprintf(tail, sizeof tail, "%s", close + 1);
  std::snprintf(err, n, "[%s]%s", name, tail);
  return 1;
}

// ---- reductions: the eager kernels' accumulators (accumulators.h) ----
template <class T>
using SumAcc = kernels::Sum<T>;
template <class T>
using MaxAcc = kernels::Max<T>;
// The argmax primitive: the eager kernel (accumulators.h) on this program's threads.
template <class T>
void argmax(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t* out) {
  kernels::argmax(x, outer, n, inner, out, PoolFor{});
}

// ---- products (kernels/gemm.h): `scratch` holds m*k + k*n + m*n floats for f16/bf16 ----
struct Blas {
  void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float* c, int64_t ldc) const {
    cblas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), 0.0f, c,
                int(ldc));  // 101 CblasRowMajor, 112 CblasTrans, 111 CblasNoTrans
  }
  void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b,
                  int64_t ldb, double* c, int64_t ldc) const {
    cblas_dgemm(101, ta ? 112 : 111, tb ? 112 : 111, int(m), int(n), int(k), 1.0, a, int(lda), b, int(ldb), 0.0, c,
                int(ldc));
  }
};
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc, float* scratch) {
  kernels::gemm<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, scratch, Blas{}, PoolFor{});
}

// ---- conv (kernels/conv.h): the batch items one after another, `col` one slab, `scratch` the
// f32 space of one slab's product for f16/bf16 ----
using ConvGeometry = kernels::ConvGeometry;
template <class T>
void conv(const ConvGeometry& g, int64_t batch, int64_t groups, const T* x, const T* w, T* out, T* col,
          float* scratch) {
  auto product = [scratch](int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
                           int64_t ldc) { gemm<T>(false, false, m, n, k, a, lda, b, ldb, c, ldc, scratch); };
  for (int64_t item = 0; item < batch * groups; ++item)
    kernels::conv_item(g, groups, x, w, out, item, col, product, PoolFor{});
}

// ---- gather / scatter_add (kernels/indexing.h). Every index is checked before any element
// moves: out-of-range indices are an error, never an out-of-bounds access (same message as eager
// mode's check) ----
template <class I>
int check_indices(const char* op, const I* idx, int64_t j_n, int64_t x_n, char* err, size_t errlen) {
  for (int64_t j = 0; j < j_n; ++j) {
    const int64_t v = static_cast<int64_t>(idx[j]);
    if (v < 0 || v >= x_n) {
      if (errlen > 0)
        std::snprintf(err, errlen, "[%s] index %lld is out of bounds for an axis of size %lld", op,
                      static_cast<long long>(v), static_cast<long long>(x_n));
      return 1;
    }
  }
  return 0;
}

template <class T, class I>
int gather(const T* x, const I* idx, T* out, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n, char* err,
           size_t errlen) {
  if (check_indices("gather", idx, j_n, x_n, err, errlen)) return 1;
  kernels::gather(reinterpret_cast<const char*>(x), idx, reinterpret_cast<char*>(out), a_n, x_n, b_n, j_n, sizeof(T),
                  PoolFor{});
  return 0;
}

// out = x, then out[a, idx[j], b] += upd[a, j, b].
template <class T, class I>
int scatter_add(const T* x, const I* idx, const T* upd, T* out, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n,
                char* err, size_t errlen) {
  if (check_indices("scatter_add", idx, j_n, x_n, err, errlen)) return 1;
  if (out != x) std::memcpy(out, x, static_cast<size_t>(a_n * x_n * b_n) * sizeof(T));
  kernels::scatter_add(out, idx, upd, a_n, x_n, b_n, j_n, PoolFor{});
  return 0;
}

// ---- argsort: the eager kernel's driver (sort_rows.h) ----
template <class T>
int argsort(const T* x, int64_t* out, int64_t a_n, int64_t n, int64_t b_n, bool descending, char* err,
            size_t errlen) {
  if (!kernels::argsort(x, out, a_n, n, b_n, descending, PoolFor{}))
    return error(err, errlen, "[argsort] out of memory for the sort's scratch space");
  return 0;
}

// ---- generators (kernels/threefry.h, kernels/arange.h) ----
inline void threefry(const uint32_t* key, const uint32_t* c, uint32_t* o, int64_t n) {
  kernels::threefry(key[0], key[1], c, o, n, PoolFor{});
}
template <class T>
void arange_int(T* o, int64_t n, int64_t start, int64_t step) {
  kernels::arange_int(o, n, start, step, PoolFor{});
}
template <class T>
void arange_float(T* o, int64_t n, double start, double step) {
  kernels::arange_float(o, n, start, step, PoolFor{});
}

}  // namespace slope::jit
