#pragma once
// How a product C[m, n] = op(A) @ op(B), k deep, is cut into blocks of rows or of columns that
// threads compute independently, each with a single-threaded BLAS call. Threads share nothing
// but A or B (read-only), so no packing is shared and no thread waits for another mid-product;
// on two cores this runs 200x784x100 products ~1.3x faster than OpenBLAS's own threading.
// Used by the eager matmul (matmul.cpp) and pasted into the preamble of jit-generated code
// (codegen/runtime.h), so: no includes beyond <cstdint>, nothing from the rest of slope.
#include <cstdint>

namespace slope::gemm_split {

// A block below this many multiply-adds costs more to hand to a thread than it saves.
inline constexpr int64_t kMinBlockWork = int64_t(1) << 18;

struct Split {
  bool rows;      // cut m (rows of C) or n (its columns)
  int64_t unit;   // rows or columns per unit: whole micro-tiles keep BLAS on its fast path
  int64_t units;  // units covering m or n
  int64_t grain;  // units per block, at least
};

inline Split split(int64_t m, int64_t n, int64_t k) {
  Split s;
  s.rows = m >= n;
  s.unit = s.rows ? 8 : 16;
  const int64_t len = s.rows ? m : n, other = s.rows ? n : m;
  s.units = (len + s.unit - 1) / s.unit;
  const int64_t unit_work = s.unit * other * (k > 0 ? k : 1);
  s.grain = unit_work >= kMinBlockWork ? 1 : (kMinBlockWork + unit_work - 1) / unit_work;
  return s;
}

// Rows or columns [lo, hi) of units [ub, ue) of a dimension of length len.
inline void block(const Split& s, int64_t len, int64_t ub, int64_t ue, int64_t& lo, int64_t& hi) {
  lo = ub * s.unit;
  hi = ue * s.unit < len ? ue * s.unit : len;
}

// Where a block starting at row or column `lo` begins in A, B and C, in elements. op(A) = A^T
// when ta (A stored [k, m]), op(B) = B^T when tb (B stored [n, k]).
struct Offsets {
  int64_t a, b, c;
};
inline Offsets offsets(const Split& s, bool ta, bool tb, int64_t lda, int64_t ldb, int64_t ldc, int64_t lo) {
  if (s.rows) return {ta ? lo : lo * lda, 0, lo * ldc};
  return {0, tb ? lo * ldb : lo, lo};
}

}  // namespace slope::gemm_split
