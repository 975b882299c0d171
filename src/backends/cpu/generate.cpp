// Kernels that make values from parameters: full, arange, and the threefry hash behind slope::random.
#include <algorithm>

#include "kernels.h"
#include "parallel.h"

namespace slope::cpu {

namespace {

template <class T>
void full_typed(const FullParams& p, Tensor& out) {
  const T v = p.value.to<T>();  // converted like cast(): saturating, NaN -> 0 for ints
  T* o = mut<T>(out);
  parallel_for(out.numel(), kParallelGrain, [&](int64_t b, int64_t e) { std::fill(o + b, o + e, v); });
}

// out[i] = start + i * step: exact wrapping int64 when the output and both parameters are integral,
// otherwise double arithmetic rounded once (the reference backend's definition).
template <class T>
void arange_typed(const ArangeParams& p, Tensor& out) {
  T* o = mut<T>(out);
  if (scalar::is_int_v<T> && !p.start.is_float() && !p.step.is_float()) {
    const uint64_t start = static_cast<uint64_t>(p.start.i), step = static_cast<uint64_t>(p.step.i);
    parallel_for(p.n, kParallelGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] = scalar::convert<T>(static_cast<int64_t>(start + static_cast<uint64_t>(i) * step));
    });
  } else {
    const double start = p.start.as_double(), step = p.step.as_double();
    parallel_for(p.n, kParallelGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = scalar::convert<T>(start + static_cast<double>(i) * step);
    });
  }
}

// JAX's threefry_2x32: the flat counts, padded with one 0 to even length, are split in halves
// x0 = c[0:h], x1 = c[h:2h]; pair i is hashed and the output is concat(x0', x1')[:n].
void threefry(const Tensor& key, const Tensor& counts, Tensor& out) {
  const uint32_t* k = ptr<uint32_t>(key);
  const uint32_t k0 = k[0], k1 = k[1];
  const uint32_t* c = ptr<uint32_t>(counts);
  uint32_t* o = mut<uint32_t>(out);
  const int64_t n = counts.numel(), h = (n + 1) / 2;
  parallel_for(h, 2048, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      uint32_t x0 = c[i], x1 = h + i < n ? c[h + i] : 0u;
      scalar::threefry2x32(k0, k1, x0, x1);
      o[i] = x0;
      if (h + i < n) o[h + i] = x1;
    }
  });
}

}  // namespace

void generate(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  switch (p) {
    case Prim::full:
      return visit_dtype(out.dtype(), [&](auto tag) { full_typed<decltype(tag)>(std::get<FullParams>(params), out); });
    case Prim::arange:
      return visit_dtype(out.dtype(),
                         [&](auto tag) { arange_typed<decltype(tag)>(std::get<ArangeParams>(params), out); });
    case Prim::threefry: return threefry(in[0], in[1], out);
    default: fail(name(p), "cpu backend: not a generating primitive");
  }
}

}  // namespace slope::cpu
