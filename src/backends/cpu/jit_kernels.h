#pragma once
// The preamble of every program the cpu backend's code generator writes (codegen*.cpp): small
// kernels the generated loops call for what is not a fused elementwise/reduction loop (BLAS
// products, conv, gather/scatter_add, argsort, threefry, arange) plus helpers for constants and errors.
// It is embedded into the library as a string at build time, right after slope/scalar.h (whose
// include line below is stripped then), so generated code needs no slope headers: exported
// programs build anywhere. Compile time of every jitted program pays for this file, so it stays
// small: C headers only, templates instantiated only for the dtypes a program uses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "accumulators.h"
#include "gemm_split.h"
#include "slope/scalar.h"
#include "sort_rows.h"

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

// ---- constants: written as bit patterns so every value (NaN payloads, -0, subnormals) survives ----
inline float f32_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline double f64_bits(uint64_t b) {
  double f;
  std::memcpy(&f, &b, 8);
  return f;
}
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
using SumAcc = accumulate::Sum<T>;
template <class T>
using MaxAcc = accumulate::Max<T>;
// The argmax primitive: the eager kernel (accumulators.h) on this program's threads.
template <class T>
void argmax(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t* out) {
  accumulate::argmax(x, outer, n, inner, out, [](int64_t count, int64_t grain, auto fn) { parallel_for(count, grain, fn); });
}

// ---- products: C[m, n] = op(A) @ op(B), op = transpose when ta/tb (then A is stored [k, m]) ----
// f32/f64 call BLAS; f16/bf16 convert to f32 around sgemm (`scratch`: m*k + k*n + m*n floats),
// as the eager kernels do; integers run a wrapping loop through scalar::add/mul (exact).
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc, float* scratch) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = T(0);
    return;
  }
  const int TA = ta ? 112 : 111, TB = tb ? 112 : 111;  // CblasTrans / CblasNoTrans
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    // Blocks of rows or columns of C, one single-threaded BLAS call each (gemm_split.h).
    const gemm_split::Split sp = gemm_split::split(m, n, k);
    parallel_for(sp.units, sp.grain, [&](int64_t ub, int64_t ue) {
      int64_t lo, hi;
      gemm_split::block(sp, sp.rows ? m : n, ub, ue, lo, hi);
      const gemm_split::Offsets o = gemm_split::offsets(sp, ta, tb, lda, ldb, ldc, lo);
      const T *ab = a + o.a, *bb = b + o.b;
      T* cb = c + o.c;
      const int M = int(sp.rows ? hi - lo : m), N = int(sp.rows ? n : hi - lo);
      if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(101, TA, TB, M, N, int(k), 1.0f, ab, int(lda), bb, int(ldb), 0.0f, cb, int(ldc));
      else
        cblas_dgemm(101, TA, TB, M, N, int(k), 1.0, ab, int(lda), bb, int(ldb), 0.0, cb, int(ldc));
    });
  } else if constexpr (scalar::is_half_v<T>) {
    float* af = scratch;
    float* bf = af + m * k;
    float* cf = bf + k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) af[i * k + p] = scalar::convert<float>(ta ? a[p * lda + i] : a[i * lda + p]);
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) bf[p * n + j] = scalar::convert<float>(tb ? b[j * ldb + p] : b[p * ldb + j]);
    cblas_sgemm(101, 111, 111, int(m), int(n), int(k), 1.0f, af, int(k), bf, int(n), 0.0f, cf, int(n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = scalar::convert<T>(cf[i * n + j]);
  } else {
    const int64_t as_i = ta ? 1 : lda, as_p = ta ? lda : 1, bs_p = tb ? 1 : ldb, bs_j = tb ? ldb : 1;
    parallel_for(m, 65536 / (n * k) + 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T* ci = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) ci[j] = T(0);
        for (int64_t p = 0; p < k; ++p) {
          const T av = a[i * as_i + p * as_p];
          for (int64_t j = 0; j < n; ++j) ci[j] = scalar::add<T>(ci[j], scalar::mul<T>(av, b[p * bs_p + j * bs_j]));
        }
      }
    });
  }
}

// ---- conv (x [N, C, *S], w [O, C/groups, *K], 1-3 spatial dims padded to 3 with leading
// size-1 dims): im2col of a slab of output rows into `col`, then one gemm per (item, group, slab),
// exactly as the eager kernel (src/backends/cpu/conv.cpp) ----
struct ConvGeometry {
  int64_t s[3], k[3], o[3], st[3], dil[3], lo[3];
  int64_t cg, og, kdim, p, slab;  // channels per group (in, out), patch length, output positions, p0 rows per slab
};

inline int64_t ceil_div_signed(int64_t x, int64_t y) { return x >= 0 ? x / y + (x % y != 0) : -((-x) / y); }
inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

template <class T>
void im2col(const ConvGeometry& g, const T* x, int64_t p0a, int64_t p0b, T* col) {
  const int64_t pb = (p0b - p0a) * g.o[1] * g.o[2];
  const int64_t kk = g.k[0] * g.k[1] * g.k[2];
  parallel_for(g.kdim, 32768 / (pb > 0 ? pb : 1) + 1, [&](int64_t row_lo, int64_t row_hi) {
  for (int64_t row = row_lo; row < row_hi; ++row) {
    const int64_t c = row / kk, k0 = row / (g.k[1] * g.k[2]) % g.k[0], k1 = row / g.k[2] % g.k[1], k2 = row % g.k[2];
    const T* xc = x + c * g.s[0] * g.s[1] * g.s[2];
    T* dst = col + row * pb;
    const int64_t off2 = k2 * g.dil[2] - g.lo[2];
    const int64_t a2 = clamp64(ceil_div_signed(-off2, g.st[2]), 0, g.o[2]);
    const int64_t b2 = clamp64(ceil_div_signed(g.s[2] - off2, g.st[2]), a2, g.o[2]);
    for (int64_t p0 = p0a; p0 < p0b; ++p0) {
      const int64_t i0 = p0 * g.st[0] - g.lo[0] + k0 * g.dil[0];
      for (int64_t p1 = 0; p1 < g.o[1]; ++p1) {
        const int64_t i1 = p1 * g.st[1] - g.lo[1] + k1 * g.dil[1];
        T* d = dst + ((p0 - p0a) * g.o[1] + p1) * g.o[2];
        if (i0 < 0 || i0 >= g.s[0] || i1 < 0 || i1 >= g.s[1]) {
          for (int64_t q = 0; q < g.o[2]; ++q) d[q] = T(0);
          continue;
        }
        const T* xr = xc + (i0 * g.s[1] + i1) * g.s[2];
        for (int64_t q = 0; q < a2; ++q) d[q] = T(0);
        for (int64_t q = a2; q < b2; ++q) d[q] = xr[q * g.st[2] + off2];
        for (int64_t q = b2; q < g.o[2]; ++q) d[q] = T(0);
      }
    }
  }
  });
}

template <class T>
void conv(const ConvGeometry& g, int64_t batch, int64_t groups, const T* x, const T* w, T* out, T* col,
          float* scratch) {
  const int64_t x_item = groups * g.cg * g.s[0] * g.s[1] * g.s[2];
  const int64_t row_len = g.o[1] * g.o[2];
  for (int64_t item = 0; item < batch * groups; ++item) {
    const int64_t n = item / groups, grp = item % groups;
    const T* xg = x + n * x_item + grp * g.cg * g.s[0] * g.s[1] * g.s[2];
    T* og = out + (n * groups + grp) * g.og * g.p;
    for (int64_t p0a = 0; p0a < g.o[0]; p0a += g.slab) {
      const int64_t p0b = p0a + g.slab < g.o[0] ? p0a + g.slab : g.o[0], pb = (p0b - p0a) * row_len;
      im2col(g, xg, p0a, p0b, col);
      gemm<T>(false, false, g.og, pb, g.kdim, w + grp * g.og * g.kdim, g.kdim, col, pb, og + p0a * row_len, g.p,
              scratch);
    }
  }
}

// ---- gather / scatter_add along one axis: x viewed as [A, X, B], indices flattened to J.
// Every index is checked before any element moves: out-of-range indices are an error, never an
// out-of-bounds access (same message as eager mode's check) ----
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
  parallel_for(a_n * j_n, 65536 / (b_n > 0 ? b_n : 1) + 1, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t a = r / j_n, j = r % j_n;
      std::memcpy(out + r * b_n, x + (a * x_n + static_cast<int64_t>(idx[j])) * b_n,
                  static_cast<size_t>(b_n) * sizeof(T));
    }
  });
  return 0;
}

// out = x, then out[a, idx[j], b] += upd[a, j, b], each element receiving its updates in j order
// (threads split a or b, never j), like the eager kernel.
template <class T, class I>
int scatter_add(const T* x, const I* idx, const T* upd, T* out, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n,
                char* err, size_t errlen) {
  if (check_indices("scatter_add", idx, j_n, x_n, err, errlen)) return 1;
  if (out != x) std::memcpy(out, x, static_cast<size_t>(a_n * x_n * b_n) * sizeof(T));
  auto run = [&](int64_t a_lo, int64_t a_hi, int64_t b_lo, int64_t b_hi) {
    for (int64_t a = a_lo; a < a_hi; ++a)
      for (int64_t b = b_lo; b < b_hi; ++b)
        for (int64_t j = 0; j < j_n; ++j) {
          T& dst = out[(a * x_n + static_cast<int64_t>(idx[j])) * b_n + b];
          dst = scalar::add<T>(dst, upd[(a * j_n + j) * b_n + b]);
        }
  };
  const int64_t per = j_n * b_n > 0 ? j_n * b_n : 1;
  if (a_n > 1)
    parallel_for(a_n, 65536 / per + 1, [&](int64_t lo, int64_t hi) { run(lo, hi, 0, b_n); });
  else
    parallel_for(b_n, 65536 / (j_n > 0 ? j_n : 1) + 1, [&](int64_t lo, int64_t hi) { run(0, a_n, lo, hi); });
  return 0;
}

// ---- argsort: the rows of x viewed as [A, n, B] sorted by the eager kernel's row sort
// (sort_rows.h), rows split between threads, each share with its own scratch ----
template <class T>
int argsort(const T* x, int64_t* out, int64_t a_n, int64_t n, int64_t b_n, bool descending, char* err,
            size_t errlen) {
  using K = sorting::key_t<T>;
  if (a_n == 0 || n == 0 || b_n == 0) return 0;
  int64_t log_n = 1;
  while ((int64_t{1} << log_n) < n) ++log_n;
  int failed = 0;
  parallel_for(a_n * b_n, 32768 / (n * log_n) + 1, [&](int64_t lo, int64_t hi) {
    int64_t* idx = static_cast<int64_t*>(std::malloc(static_cast<size_t>(n) * (2 * sizeof(int64_t) + sizeof(K))));
    if (!idx) {
      __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
      return;
    }
    sorting::argsort_rows(x, out, n, b_n, descending, lo, hi, reinterpret_cast<K*>(idx + 2 * n), idx, idx + n);
    std::free(idx);
  });
  if (failed) return error(err, errlen, "[argsort] out of memory for the sort's scratch space");
  return 0;
}

// ---- generators ----
// JAX's threefry_2x32 over flat counts (see src/backends/cpu/generate.cpp).
inline void threefry(const uint32_t* key, const uint32_t* c, uint32_t* o, int64_t n) {
  const uint32_t k0 = key[0], k1 = key[1];
  const int64_t h = (n + 1) / 2;
  parallel_for(h, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      uint32_t x0 = c[i], x1 = h + i < n ? c[h + i] : 0u;
      scalar::threefry2x32(k0, k1, x0, x1);
      o[i] = x0;
      if (h + i < n) o[h + i] = x1;
    }
  });
}

// out[i] = start + i * step: wrapping int64 when everything is integral, else double rounded once.
template <class T>
void arange_int(T* o, int64_t n, int64_t start, int64_t step) {
  const uint64_t s = static_cast<uint64_t>(start), d = static_cast<uint64_t>(step);
  for (int64_t i = 0; i < n; ++i) o[i] = scalar::convert<T>(static_cast<int64_t>(s + static_cast<uint64_t>(i) * d));
}
template <class T>
void arange_float(T* o, int64_t n, double start, double step) {
  for (int64_t i = 0; i < n; ++i) o[i] = scalar::convert<T>(start + static_cast<double>(i) * step);
}

}  // namespace slope::jit
