#pragma once
// conv as im2col + GEMM, in one place for the eager kernel (conv.cpp) and jit-generated code
// (pasted into its preamble). Per batch item and group, the patches of x form a
// [C/g * prod(K), P] matrix (P = output positions) and out[n, group] = w[group] @ col.
// 1-2 spatial dims are treated as 3 with size-1 leading dims (the last real one stays innermost:
// the contiguous runs). The col matrix is built in slabs of output rows so it stays a few MiB
// (in cache for the GEMM).
#include <cstdint>
#include <cstring>

#include "grain.h"

namespace slope::kernels {

// Elements of one col slab, at most.
inline constexpr int64_t kColLimit = int64_t(1) << 20;

struct ConvGeometry {
  int64_t s[3], k[3], o[3], st[3], dil[3], lo[3];
  int64_t cg, og, kdim, p, slab;  // channels per group (in, out), patch length, output positions, p0 rows per slab
};

// Rows of output positions per slab: as many as fit kColLimit, at least one.
inline int64_t conv_slab(int64_t kdim, int64_t row_len, int64_t o0) {
  const int64_t per = kdim * row_len > 1 ? kdim * row_len : 1;
  const int64_t slab = kColLimit / per;
  return slab < 1 ? 1 : slab > o0 ? o0 : slab;
}

// First p >= 0 with p*st + off >= 0, and first p with p*st + off >= size (valid p in [a, b)).
inline void conv_valid_range(int64_t off, int64_t st, int64_t size, int64_t n, int64_t& a, int64_t& b) {
  // written without x + y - 1, which overflows for huge strides
  auto ceil_div = [](int64_t x, int64_t y) { return x >= 0 ? x / y + (x % y != 0) : -((-x) / y); };
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; };
  a = clamp(ceil_div(-off, st), 0, n);
  b = clamp(ceil_div(size - off, st), a, n);
}

// col[row, q] for rows (c, k0, k1, k2) and output positions q of rows p0 in [p0a, p0b).
template <class T, class ParallelFor>
void im2col(const ConvGeometry& g, const T* x, int64_t p0a, int64_t p0b, T* col, const ParallelFor& parallel_for) {
  const int64_t pb = (p0b - p0a) * g.o[1] * g.o[2];
  const int64_t kk = g.k[0] * g.k[1] * g.k[2];
  parallel_for(g.kdim, rows_grain(pb), [&](int64_t rb, int64_t re) {
    for (int64_t row = rb; row < re; ++row) {
      const int64_t c = row / kk, k0 = row / (g.k[1] * g.k[2]) % g.k[0], k1 = row / g.k[2] % g.k[1], k2 = row % g.k[2];
      const T* xc = x + c * g.s[0] * g.s[1] * g.s[2];
      T* dst = col + row * pb;
      const int64_t off2 = k2 * g.dil[2] - g.lo[2];
      int64_t a2, b2;
      conv_valid_range(off2, g.st[2], g.s[2], g.o[2], a2, b2);
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
          if (g.st[2] == 1) {
            if (b2 > a2) std::memcpy(d + a2, xr + a2 + off2, static_cast<size_t>(b2 - a2) * sizeof(T));
          } else {
            for (int64_t q = a2; q < b2; ++q) d[q] = xr[q * g.st[2] + off2];
          }
          for (int64_t q = b2; q < g.o[2]; ++q) d[q] = T(0);
        }
      }
    }
  });
}

// out[n, group] for batch item `item` = n * groups + group, slab by slab: im2col into `col`
// (kdim * slab * o[1] * o[2] elements), then `gemm(m, n, k, a, lda, b, ldb, c, ldc)`.
template <class T, class Gemm, class ParallelFor>
void conv_item(const ConvGeometry& g, int64_t groups, const T* x, const T* w, T* out, int64_t item, T* col,
               const Gemm& gemm, const ParallelFor& parallel_for) {
  const int64_t x_item = groups * g.cg * g.s[0] * g.s[1] * g.s[2];
  const int64_t row_len = g.o[1] * g.o[2];
  const int64_t n = item / groups, grp = item % groups;
  const T* xg = x + n * x_item + grp * g.cg * g.s[0] * g.s[1] * g.s[2];
  T* og = out + (n * groups + grp) * g.og * g.p;
  for (int64_t p0a = 0; p0a < g.o[0]; p0a += g.slab) {
    const int64_t p0b = p0a + g.slab < g.o[0] ? p0a + g.slab : g.o[0], pb = (p0b - p0a) * row_len;
    im2col(g, xg, p0a, p0b, col, parallel_for);
    gemm(g.og, pb, g.kdim, w + grp * g.og * g.kdim, g.kdim, col, pb, og + p0a * row_len, g.p);
  }
}

}  // namespace slope::kernels
