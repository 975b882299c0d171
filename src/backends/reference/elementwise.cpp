// Reference kernels of the elementwise primitives (unary, binary, where, cast) and of full and arange.
// Operands have the output's shape (broadcasting and promotion happen before a primitive is bound), so
// each is one loop, out[i] = f(a[i], ...), with f from slope/scalar.h: the one definition of every op,
// shared by all backends so that they agree bit for bit (integer arithmetic wraps, casts saturate, ...).
#include "kernels.h"

namespace slope::reference {

namespace {
// out[i] = f(a[i], ...) for every element, a... the operands' elements; the output has f's result type.
template <class F, class... P>
void map(Tensor& out, F f, const P*... a) {
  auto* o = mut<std::invoke_result_t<F, P...>>(out);
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = f(a[i]...);
}

// out[i] = start + i * step. For an integer output with integer start and step the arithmetic is
// exact int64 (wrapping on overflow, done in uint64 so there is no signed-overflow UB); otherwise
// it is done in double and converted once, so f32 ranges accumulate no rounding error.
template <class T>
void arange(const ArangeParams& p, Tensor& out) {
  const bool integer = scalar::is_int_v<T> && !p.start.is_float() && !p.step.is_float();
  T* o = mut<T>(out);
  for (int64_t i = 0; i < p.n; ++i) {
    const uint64_t v = static_cast<uint64_t>(p.start.i) + static_cast<uint64_t>(i) * static_cast<uint64_t>(p.step.i);
    o[i] = integer ? scalar::convert<T>(static_cast<int64_t>(v))  // two's complement wrap, defined since C++20
                   : scalar::convert<T>(p.start.as_double() + static_cast<double>(i) * p.step.as_double());
  }
}

}  // namespace

void elementwise(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  // T: the operands' dtype (where's branches'; the output's for full and arange, which have none).
  visit_dtype(in.empty() || p == Prim::where ? out.dtype() : in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto un = [&](auto f) { map(out, f, ptr<T>(in[0])); };
    auto bin = [&](auto f) { map(out, f, ptr<T>(in[0]), ptr<T>(in[1])); };
    // An op a dtype does not have (transcendentals are float-only, neg is not for bool, logical_not
    // only for bool) was rejected by the shape rule: that branch only has to compile.
    constexpr bool is_float = scalar::is_float_v<T>, is_bool = std::is_same_v<T, bool>;
    switch (p) {
      case Prim::cast: return visit_dtype(out.dtype(), [&](auto to) { un(scalar::convert<decltype(to), T>); });
      case Prim::where: return map(out, scalar::select<T>, ptr<bool>(in[0]), ptr<T>(in[1]), ptr<T>(in[2]));
      case Prim::full: return map(out, [v = std::get<FullParams>(params).value.to<T>()] { return v; });
      case Prim::arange: return arange<T>(std::get<ArangeParams>(params), out);
      case Prim::stop_gradient: return un([](T v) { return v; });  // a plain copy
      case Prim::floor: return un(scalar::floor<T>);               // identity on integers and bool
      case Prim::neg: if constexpr (!is_bool) return un(scalar::neg<T>); break;
      case Prim::logical_not: if constexpr (is_bool) return un(scalar::logical_not); break;
#define SLOPE_FLOAT_UNARY(op) case Prim::op: if constexpr (is_float) return un(scalar::op<T>); break;
      SLOPE_FLOAT_UNARY_FUNCTIONS(SLOPE_FLOAT_UNARY)  // exp, log, sin, ... (scalar.h)
#undef SLOPE_FLOAT_UNARY
      case Prim::atan2: if constexpr (is_float) return bin(scalar::atan2<T>); break;
      case Prim::add: return bin(scalar::add<T>);
      case Prim::sub: return bin(scalar::sub<T>);
      case Prim::mul: return bin(scalar::mul<T>);
      case Prim::div: return bin(scalar::div<T>);
      case Prim::pow: return bin(scalar::pow<T>);
      case Prim::maximum: return bin(scalar::maximum<T>);
      case Prim::equal: return bin(scalar::equal<T>);
      case Prim::less: return bin(scalar::less<T>);
      case Prim::greater: return bin(scalar::greater<T>);
      default: break;
    }
    fail(name(p), "reference backend: no kernel for ", name(dtype_of<T>::value));
  });
}

}  // namespace slope::reference
