// Reference kernels of the elementwise unary primitives.
// One loop over the flat elements: shapes are equal and both tensors are contiguous, so element i of
// the output depends only on element i of the input. The value itself comes from slope/scalar.h, the
// single definition every backend shares (so all backends agree bit for bit).
#include "kernels.h"

namespace slope::reference {

namespace {

// out[i] = f(in[i]) for every element, with f taking and returning the same type T.
template <class T, class F>
void map(const Tensor& x, Tensor& out, F f) {
  const T* a = ptr<T>(x);
  T* o = mut<T>(out);
  for (int64_t i = 0, n = x.numel(); i < n; ++i) o[i] = f(a[i]);
}

// The transcendental functions exist for floating types only; the shape rule has already rejected
// the others, so the integer branch is unreachable and only has to compile.
template <class T>
void float_fn(Prim p, const Tensor& x, Tensor& out) {
  if constexpr (scalar::is_float_v<T>) {
    switch (p) {
      case Prim::exp: return map<T>(x, out, scalar::exp<T>);
      case Prim::log: return map<T>(x, out, scalar::log<T>);
      case Prim::sin: return map<T>(x, out, scalar::sin<T>);
      case Prim::sqrt: return map<T>(x, out, scalar::sqrt<T>);
      case Prim::tanh: return map<T>(x, out, scalar::tanh<T>);
      case Prim::erf: return map<T>(x, out, scalar::erf<T>);
      default: break;
    }
  }
  fail(name(p), "reference backend: no kernel for dtype ", name(x.dtype()));
}

// cast: every dtype to every dtype. scalar::convert gives every input a defined result
// (float -> int saturates and maps NaN to 0, anything -> bool is "!= 0").
void cast(const Tensor& x, Tensor& out) {
  visit_dtype(x.dtype(), [&](auto from_tag) {
    using From = decltype(from_tag);
    visit_dtype(out.dtype(), [&](auto to_tag) {
      using To = decltype(to_tag);
      const From* a = ptr<From>(x);
      To* o = mut<To>(out);
      for (int64_t i = 0, n = x.numel(); i < n; ++i) o[i] = scalar::convert<To>(a[i]);
    });
  });
}

}  // namespace

void unary(Prim p, const Params&, std::span<const Tensor> in, Tensor& out) {
  const Tensor& x = in[0];
  if (p == Prim::cast) return cast(x, out);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::neg:
        if constexpr (!std::is_same_v<T, bool>) return map<T>(x, out, scalar::neg<T>);
        break;  // neg of bool: rejected by the shape rule
      case Prim::floor: return map<T>(x, out, scalar::floor<T>);  // identity on integers and bool
      case Prim::logical_not:
        if constexpr (std::is_same_v<T, bool>) return map<T>(x, out, scalar::logical_not);
        break;  // bool only: rejected by the shape rule
      case Prim::stop_gradient: return map<T>(x, out, [](T v) { return v; });  // a plain copy
      case Prim::exp:
      case Prim::log:
      case Prim::sin:
      case Prim::sqrt:
      case Prim::tanh:
      case Prim::erf: return float_fn<T>(p, x, out);
      default: break;
    }
    fail(name(p), "reference backend: no unary kernel for ", to_string(x.aval()));
  });
}

}  // namespace slope::reference
