// The eager conv: im2col + GEMM per batch item and group (kernels/conv.h, shared with generated
// code). Every non-bool dtype takes this path (gemm() picks BLAS for f32/f64, f32 BLAS for
// f16/bf16, exact wrapping loops for integers). Many or small products run whole (item, group)s
// per thread; a few large ones thread the im2col and the product blocks instead.
#include <algorithm>
#include <memory>

#include "backends/cpu/eager.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernels/conv.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

template <class T>
void conv_typed(const kernels::ConvGeometry& g, int64_t batch, int64_t groups, const T* x, const T* w, T* out) {
  const int64_t items = batch * groups;
  auto run_item = [&](int64_t item, T* col) {
    kernels::conv_item(
        g, groups, x, w, out, item, col,
        [](int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
          gemm<T>(m, n, k, a, lda, b, ldb, c, ldc);
        },
        PoolFor{});
  };
  const int64_t col_size = std::max<int64_t>(g.kdim * g.slab * g.o[1] * g.o[2], 1);
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
  kernels::ConvGeometry g{};
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
  g.slab = kernels::conv_slab(g.kdim, g.o[1] * g.o[2], g.o[0]);
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
