#pragma once
// The preamble of every program the cpu backend's code generator writes (codegen*.cpp): small
// kernels the generated loops call for what is not a fused elementwise/reduction loop (BLAS
// products, conv, gather/scatter_add, threefry, arange) plus helpers for constants and errors.
// It is embedded into the library as a string at build time, right after slope/scalar.h (whose
// include line below is stripped then), so generated code needs no slope headers: exported
// programs build anywhere. Compile time of every jitted program pays for this file, so it stays
// small: C headers only, templates instantiated only for the dtypes a program uses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

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

// ---- threads: generated loops use OpenMP only above a size threshold ----
inline int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
inline int num_threads() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}
inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
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

// ---- reductions (the eager cpu kernels' definitions: floating sums in double, rounded once;
// integer sums wrap; bool sum is or; max propagates NaN) ----
template <class T>
struct SumAcc {
  using A = std::conditional_t<scalar::is_float_v<T>, double, T>;
  static A identity() { return A(0); }
  static A load(T x) {
    if constexpr (scalar::is_float_v<T>) return static_cast<double>(static_cast<scalar::compute_t<T>>(x));
    else return x;
  }
  static A combine(A a, A b) {
    if constexpr (scalar::is_float_v<T>) return a + b;
    else return scalar::add<T>(a, b);
  }
  static T store(A a) { return scalar::convert<T>(a); }
};
template <class T>
struct MaxAcc {
  using A = T;
  static A identity() {
    if constexpr (scalar::is_float_v<T>) return T(-std::numeric_limits<float>::infinity());
    else if constexpr (std::is_same_v<T, bool>) return false;
    else return std::numeric_limits<T>::lowest();
  }
  static A load(T x) { return x; }
  static A combine(A a, A b) { return scalar::maximum<T>(a, b); }
  static T store(A a) { return a; }
};

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
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(101, TA, TB, int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), 0.0f, c, int(ldc));
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(101, TA, TB, int(m), int(n), int(k), 1.0, a, int(lda), b, int(ldb), 0.0, c, int(ldc));
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
#pragma omp parallel for if (m * n * k > 65536)
    for (int64_t i = 0; i < m; ++i) {
      T* ci = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) ci[j] = T(0);
      for (int64_t p = 0; p < k; ++p) {
        const T av = a[i * as_i + p * as_p];
        for (int64_t j = 0; j < n; ++j) ci[j] = scalar::add<T>(ci[j], scalar::mul<T>(av, b[p * bs_p + j * bs_j]));
      }
    }
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
#pragma omp parallel for if (g.kdim * pb > 32768)
  for (int64_t row = 0; row < g.kdim; ++row) {
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
#pragma omp parallel for if (a_n * j_n * b_n > 65536)
  for (int64_t r = 0; r < a_n * j_n; ++r) {
    const int64_t a = r / j_n, j = r % j_n;
    std::memcpy(out + r * b_n, x + (a * x_n + static_cast<int64_t>(idx[j])) * b_n, static_cast<size_t>(b_n) * sizeof(T));
  }
  return 0;
}

// out = x, then out[a, idx[j], b] += upd[a, j, b], each element receiving its updates in j order
// (threads split a or b, never j), like the eager kernel.
template <class T, class I>
int scatter_add(const T* x, const I* idx, const T* upd, T* out, int64_t a_n, int64_t x_n, int64_t b_n, int64_t j_n,
                char* err, size_t errlen) {
  if (check_indices("scatter_add", idx, j_n, x_n, err, errlen)) return 1;
  if (out != x) std::memcpy(out, x, static_cast<size_t>(a_n * x_n * b_n) * sizeof(T));
#pragma omp parallel for if (a_n > 1 && a_n * j_n * b_n > 65536)
  for (int64_t a = 0; a < a_n; ++a) {
#pragma omp parallel for if (a_n == 1 && j_n * b_n > 65536)
    for (int64_t b = 0; b < b_n; ++b)
      for (int64_t j = 0; j < j_n; ++j) {
        T& dst = out[(a * x_n + static_cast<int64_t>(idx[j])) * b_n + b];
        dst = scalar::add<T>(dst, upd[(a * j_n + j) * b_n + b]);
      }
  }
  return 0;
}

// ---- generators ----
// JAX's threefry_2x32 over flat counts (see src/backends/cpu/generate.cpp).
inline void threefry(const uint32_t* key, const uint32_t* c, uint32_t* o, int64_t n) {
  const uint32_t k0 = key[0], k1 = key[1];
  const int64_t h = (n + 1) / 2;
#pragma omp parallel for if (h > 4096)
  for (int64_t i = 0; i < h; ++i) {
    uint32_t x0 = c[i], x1 = h + i < n ? c[h + i] : 0u;
    scalar::threefry2x32(k0, k1, x0, x1);
    o[i] = x0;
    if (h + i < n) o[h + i] = x1;
  }
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
