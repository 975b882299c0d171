// Reference kernels of the primitives that make a tensor from parameters alone: full and arange.
#include "kernels.h"

namespace slope::reference {

namespace {

// Every element is the one value, converted like cast() would (saturating, NaN -> 0 for ints).
template <class T>
void full_typed(const FullParams& p, Tensor& out) {
  const T v = p.value.to<T>();
  T* o = mut<T>(out);
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = v;
}

// out[i] = start + i * step. When the output is an integer type and start and step are integers, the
// arithmetic is exact int64 (wrapping on overflow, done in uint64 so there is no signed-overflow UB);
// otherwise it is done in double and converted once, so f32 ranges do not accumulate rounding error.
template <class T>
void arange_typed(const ArangeParams& p, Tensor& out) {
  T* o = mut<T>(out);
  const bool integer = scalar::is_int_v<T> && !p.start.is_float() && !p.step.is_float();
  for (int64_t i = 0; i < p.n; ++i) {
    if (integer) {
      uint64_t v = static_cast<uint64_t>(p.start.i) + static_cast<uint64_t>(i) * static_cast<uint64_t>(p.step.i);
      o[i] = scalar::convert<T>(static_cast<int64_t>(v));  // two's complement wrap, well defined since C++20
    } else {
      o[i] = scalar::convert<T>(p.start.as_double() + static_cast<double>(i) * p.step.as_double());
    }
  }
}

}  // namespace

void init(Prim p, const Params& params, std::span<const Tensor>, Tensor& out) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::full: return full_typed<T>(std::get<FullParams>(params), out);
      case Prim::arange: return arange_typed<T>(std::get<ArangeParams>(params), out);
      default: fail(name(p), "reference backend: not an init primitive");
    }
  });
}

}  // namespace slope::reference
