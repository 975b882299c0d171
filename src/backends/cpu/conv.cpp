// conv as im2col + GEMM, per batch item and group: the patches of x form a [C/g * prod(K), P]
// matrix (P = output positions) and out[n, group] = w[group] @ col. 1-2 spatial dims are treated
// as 3 with size-1 leading dims. Every non-bool dtype takes this path (gemm() picks BLAS for
// f32/f64, f32 BLAS for f16/bf16, exact wrapping loops for integers).
// Many or small products run one (item, group) per thread; a few large ones use BLAS's threads.
// The col matrix is built in slabs of output rows so it stays a few MiB (in cache for the GEMM).
#include <algorithm>
#include <cstring>
#include <memory>

#include "gemm.h"
#include "kernels.h"
#include "parallel.h"

namespace slope::cpu {

namespace {

struct Geometry {
  int64_t s[3], k[3], o[3], st[3], dil[3], lo[3];
  int64_t cg, og, kdim, p;  // channels per group (in, out), patch length, output positions
};

// First p >= 0 with p*st + off >= 0, and first p with p*st + off >= size (valid p in [a, b)).
inline void valid_range(int64_t off, int64_t st, int64_t size, int64_t n, int64_t& a, int64_t& b) {
  // written without x + y - 1, which overflows for huge strides
  auto ceil_div = [](int64_t x, int64_t y) { return x >= 0 ? x / y + (x % y != 0) : -((-x) / y); };
  a = std::clamp<int64_t>(ceil_div(-off, st), 0, n);
  b = std::clamp<int64_t>(ceil_div(size - off, st), a, n);
}

// col[row, q] for rows (c, k0, k1, k2) and output positions q of rows p0 in [p0a, p0b).
template <class T>
void im2col(const Geometry& g, const T* x, int64_t p0a, int64_t p0b, T* col) {
  const int64_t pb = (p0b - p0a) * g.o[1] * g.o[2];
  const int64_t kk = g.k[0] * g.k[1] * g.k[2];
  parallel_for(g.kdim, rows_grain(pb), [&](int64_t rb, int64_t re) {
    for (int64_t row = rb; row < re; ++row) {
      const int64_t c = row / kk, k0 = row / (g.k[1] * g.k[2]) % g.k[0], k1 = row / g.k[2] % g.k[1], k2 = row % g.k[2];
      const T* xc = x + c * g.s[0] * g.s[1] * g.s[2];
      T* dst = col + row * pb;
      const int64_t off2 = k2 * g.dil[2] - g.lo[2];
      int64_t a2, b2;
      valid_range(off2, g.st[2], g.s[2], g.o[2], a2, b2);
      for (int64_t p0 = p0a; p0 < p0b; ++p0) {
        const int64_t i0 = p0 * g.st[0] - g.lo[0] + k0 * g.dil[0];
        for (int64_t p1 = 0; p1 < g.o[1]; ++p1) {
          const int64_t i1 = p1 * g.st[1] - g.lo[1] + k1 * g.dil[1];
          T* d = dst + ((p0 - p0a) * g.o[1] + p1) * g.o[2];
          if (i0 < 0 || i0 >= g.s[0] || i1 < 0 || i1 >= g.s[1]) {
            std::fill(d, d + g.o[2], T(0));
            continue;
          }
          const T* xr = xc + (i0 * g.s[1] + i1) * g.s[2];
          std::fill(d, d + a2, T(0));
          if (g.st[2] == 1) {
            if (b2 > a2) std::memcpy(d + a2, xr + a2 + off2, (b2 - a2) * sizeof(T));
          } else {
            for (int64_t p2 = a2; p2 < b2; ++p2) d[p2] = xr[p2 * g.st[2] + off2];
          }
          std::fill(d + b2, d + g.o[2], T(0));
        }
      }
    }
  });
}

constexpr int64_t kColLimit = int64_t(1) << 20;  // elements of one col slab

template <class T>
void conv_typed(const Geometry& g, int64_t batch, int64_t groups, const T* x, const T* w, T* out) {
  const int64_t x_item = groups * g.cg * g.s[0] * g.s[1] * g.s[2];
  const int64_t row_len = g.o[1] * g.o[2];
  const int64_t slab = std::clamp<int64_t>(kColLimit / std::max<int64_t>(g.kdim * row_len, 1), 1, g.o[0]);
  const int64_t items = batch * groups;
  // out[n, group] (rows p0 in [p0a, p0b)) = w[group] @ col
  auto run_item = [&](int64_t item, T* col) {
    const int64_t n = item / groups, grp = item % groups;
    const T* xg = x + n * x_item + grp * g.cg * g.s[0] * g.s[1] * g.s[2];
    T* og = out + (n * groups + grp) * g.og * g.p;
    for (int64_t p0a = 0; p0a < g.o[0]; p0a += slab) {
      const int64_t p0b = std::min(g.o[0], p0a + slab), pb = (p0b - p0a) * row_len;
      im2col(g, xg, p0a, p0b, col);
      gemm<T>(g.og, pb, g.kdim, w + grp * g.og * g.kdim, g.kdim, col, pb, og + p0a * row_len, g.p);
    }
  };
  const int64_t col_size = std::max<int64_t>(g.kdim * slab * row_len, 1);
  const int64_t work = g.og * g.p * std::max<int64_t>(g.kdim, 1);
  // Whole items per thread when there are enough of them (no fork/join per GEMM or im2col);
  // otherwise one item at a time with threaded im2col and BLAS.
  const int64_t threads = num_threads();
  int64_t chunks = (work < (int64_t(1) << 22) || items >= 2 * threads) ? std::min<int64_t>(threads, items) : 1;
  std::unique_ptr<T[]> cols(new T[static_cast<size_t>(col_size * std::max<int64_t>(chunks, 1))]);
  if (chunks <= 1) {
    for (int64_t i = 0; i < items; ++i) run_item(i, cols.get());
    return;
  }
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      for (int64_t i = items * c / chunks; i < items * (c + 1) / chunks; ++i) run_item(i, cols.get() + c * col_size);
  });
}

}  // namespace

void conv(const ConvParams& p, const Tensor& x, const Tensor& w, Tensor& out) {
  if (out.numel() == 0) return;
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  const Shape& os = out.shape();
  const size_t d = xs.size() - 2;
  Geometry g{};
  // Size-1 dims go in front: the last real spatial dim must stay innermost (the contiguous runs).
  for (size_t i = 0; i < 3; ++i) {
    const bool real = i >= 3 - d;
    const size_t j = real ? i - (3 - d) : 0;
    g.s[i] = real ? xs[2 + j] : 1;
    g.k[i] = real ? ws[2 + j] : 1;
    g.o[i] = real ? os[2 + j] : 1;
    g.st[i] = real ? p.stride[j] : 1;
    g.dil[i] = real ? p.dilation[j] : 1;
    g.lo[i] = real ? p.pad_lo[j] : 0;
  }
  g.cg = ws[1];
  g.og = ws[0] / p.groups;
  g.kdim = g.cg * g.k[0] * g.k[1] * g.k[2];
  g.p = g.o[0] * g.o[1] * g.o[2];
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      fail("conv", "cpu backend: not defined for bool");
    } else {
      conv_typed<T>(g, xs[0], p.groups, ptr<T>(x), ptr<T>(w), mut<T>(out));
    }
  });
}

}  // namespace slope::cpu
