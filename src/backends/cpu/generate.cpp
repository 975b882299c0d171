// Kernels that make values from parameters: full, arange, and the threefry hash behind slope::random.
#include <algorithm>

#include "backends/cpu/eager.h"
#include "backends/cpu/kernels/arange.h"
#include "backends/cpu/kernels/threefry.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

template <class T>
void full_typed(const FullParams& p, Tensor& out) {
  const T v = p.value.to<T>();  // converted like cast(): saturating, NaN -> 0 for ints
  T* o = mut<T>(out);
  parallel_for(out.numel(), kParallelGrain, [&](int64_t b, int64_t e) { std::fill(o + b, o + e, v); });
}

// out[i] = start + i * step (kernels/arange.h): exact wrapping int64 when the output and both
// parameters are integral, otherwise double arithmetic rounded once.
template <class T>
void arange_typed(const ArangeParams& p, Tensor& out) {
  if (scalar::is_int_v<T> && !p.start.is_float() && !p.step.is_float())
    kernels::arange_int(mut<T>(out), p.n, p.start.i, p.step.i, PoolFor{});
  else
    kernels::arange_float(mut<T>(out), p.n, p.start.as_double(), p.step.as_double(), PoolFor{});
}

// JAX's threefry_2x32 (kernels/threefry.h, shared with generated code: the same bits either way).
void threefry(const Tensor& key, const Tensor& counts, Tensor& out) {
  const uint32_t* k = ptr<uint32_t>(key);
  kernels::threefry(k[0], k[1], ptr<uint32_t>(counts), mut<uint32_t>(out), counts.numel(), PoolFor{});
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
