// Elementwise kernels: unary math, cast, binary arithmetic and comparisons, where.
// Operands have one shape and are contiguous, so each kernel is one flat loop over restrict
// pointers with the scalar function inlined: g++ -O3 vectorises the f32/f64/int paths. The dtype
// switch happens once per call, never per element. Values come only from slope/scalar.h, so
// results are bit-identical to the reference backend.
#include "backends/cpu/eager.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

// Transcendentals cost ~10-50x an add per element: split them across threads sooner.
constexpr int64_t kHeavyGrain = 4096;

template <class T, class R, class F>
inline void loop1(const T* __restrict x, R* __restrict o, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
}
template <class T, class R, class F>
inline void loop2(const T* __restrict a, const T* __restrict b, R* __restrict o, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
}

template <class T, class R, class F>
void map1(const Tensor& x, Tensor& out, F f, int64_t grain = kParallelGrain) {
  const T* xs = ptr<T>(x);
  R* os = mut<R>(out);
  parallel_for(x.numel(), grain, [&](int64_t b, int64_t e) { loop1<T, R>(xs + b, os + b, e - b, f); });
}
template <class T, class R, class F>
void map2(const Tensor& a, const Tensor& b, Tensor& out, F f, int64_t grain = kParallelGrain) {
  const T* as = ptr<T>(a);
  const T* bs = ptr<T>(b);
  R* os = mut<R>(out);
  parallel_for(a.numel(), grain, [&](int64_t lo, int64_t hi) { loop2<T, R>(as + lo, bs + lo, os + lo, hi - lo, f); });
}

[[noreturn]] void unsupported(Prim p, const Tensor& x) {
  fail(name(p), "cpu backend: no kernel for ", to_string(x.aval()), " (the shape rule should have rejected it)");
}

template <class T>
void unary_typed(Prim p, const Params& params, const Tensor& x, Tensor& out) {
  constexpr bool is_float = scalar::is_float_v<T>;
  switch (p) {
    case Prim::neg:
      if constexpr (!std::is_same_v<T, bool>) return map1<T, T>(x, out, [](T v) { return scalar::neg<T>(v); });
      break;
    case Prim::floor: return map1<T, T>(x, out, [](T v) { return scalar::floor<T>(v); });
    case Prim::logical_not:
      if constexpr (std::is_same_v<T, bool>) return map1<T, T>(x, out, [](bool v) { return scalar::logical_not(v); });
      break;
#define SLOPE_CPU_FLOAT_UNARY(op)                                                               \
  case Prim::op:                                                                                \
    if constexpr (is_float) return map1<T, T>(x, out, [](T v) { return scalar::op<T>(v); }, kHeavyGrain); \
    break;
      SLOPE_FLOAT_UNARY_FUNCTIONS(SLOPE_CPU_FLOAT_UNARY)  // exp, log, sin, ... (scalar.h)
#undef SLOPE_CPU_FLOAT_UNARY
    case Prim::cast:
      return visit_dtype(std::get<CastParams>(params).dtype, [&](auto to) {
        using R = decltype(to);
        map1<T, R>(x, out, [](T v) { return scalar::convert<R>(v); });
      });
    default: break;
  }
  unsupported(p, x);
}

template <class T>
void binary_typed(Prim p, const Tensor& a, const Tensor& b, Tensor& out) {
  switch (p) {
    case Prim::add: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::add<T>(x, y); });
    case Prim::sub: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::sub<T>(x, y); });
    case Prim::mul: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::mul<T>(x, y); });
    case Prim::div: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::div<T>(x, y); });
    case Prim::pow: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::pow<T>(x, y); }, kHeavyGrain);
    case Prim::maximum: return map2<T, T>(a, b, out, [](T x, T y) { return scalar::maximum<T>(x, y); });
    case Prim::equal: return map2<T, bool>(a, b, out, [](T x, T y) { return scalar::equal<T>(x, y); });
    case Prim::less: return map2<T, bool>(a, b, out, [](T x, T y) { return scalar::less<T>(x, y); });
    case Prim::greater: return map2<T, bool>(a, b, out, [](T x, T y) { return scalar::greater<T>(x, y); });
    case Prim::atan2:
      if constexpr (scalar::is_float_v<T>)
        return map2<T, T>(a, b, out, [](T y, T x) { return scalar::atan2<T>(y, x); }, kHeavyGrain);
      unsupported(p, a);
    default: unsupported(p, a);
  }
}

template <class T>
inline void select_loop(const bool* __restrict c, const T* __restrict a, const T* __restrict b, T* __restrict o,
                        int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = scalar::select<T>(c[i], a[i], b[i]);
}

}  // namespace

void unary(Prim p, const Params& params, const Tensor& x, Tensor& out) {
  visit_dtype(x.dtype(), [&](auto tag) { unary_typed<decltype(tag)>(p, params, x, out); });
}

void binary(Prim p, const Tensor& a, const Tensor& b, Tensor& out) {
  visit_dtype(a.dtype(), [&](auto tag) { binary_typed<decltype(tag)>(p, a, b, out); });
}

void where(const Tensor& c, const Tensor& a, const Tensor& b, Tensor& out) {
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* cs = ptr<bool>(c);
    const T* as = ptr<T>(a);
    const T* bs = ptr<T>(b);
    T* os = mut<T>(out);
    parallel_for(a.numel(), kParallelGrain,
                 [&](int64_t lo, int64_t hi) { select_loop<T>(cs + lo, as + lo, bs + lo, os + lo, hi - lo); });
  });
}

}  // namespace slope::cpu
