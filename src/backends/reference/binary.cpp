// Reference kernels of the elementwise binary primitives and of `where`.
// The shape rules guarantee both operands have one shape and one dtype (broadcasting and promotion
// happen before a primitive is bound), so element i of the output reads element i of each operand.
// Every value comes from slope/scalar.h: integer arithmetic wraps, integer division by zero gives 0
// (eager mode reports it before the kernel runs), maximum propagates NaN, bool add/mul are or/and.
#include "kernels.h"

namespace slope::reference {

namespace {

// out[i] = f(a[i], b[i]); R is the output type (T for arithmetic, bool for comparisons).
template <class T, class R, class F>
void zip(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const T* x = ptr<T>(a);
  const T* y = ptr<T>(b);
  R* o = mut<R>(out);
  for (int64_t i = 0, n = a.numel(); i < n; ++i) o[i] = f(x[i], y[i]);
}

template <class T>
void binary_typed(Prim p, const Tensor& a, const Tensor& b, Tensor& out) {
  switch (p) {
    case Prim::add: return zip<T, T>(a, b, out, scalar::add<T>);
    case Prim::sub: return zip<T, T>(a, b, out, scalar::sub<T>);
    case Prim::mul: return zip<T, T>(a, b, out, scalar::mul<T>);
    case Prim::div: return zip<T, T>(a, b, out, scalar::div<T>);
    case Prim::pow: return zip<T, T>(a, b, out, scalar::pow<T>);
    case Prim::maximum: return zip<T, T>(a, b, out, scalar::maximum<T>);
    case Prim::equal: return zip<T, bool>(a, b, out, scalar::equal<T>);
    case Prim::less: return zip<T, bool>(a, b, out, scalar::less<T>);
    case Prim::greater: return zip<T, bool>(a, b, out, scalar::greater<T>);
    case Prim::atan2:
      if constexpr (scalar::is_float_v<T>) return zip<T, T>(a, b, out, scalar::atan2<T>);
      fail(name(p), "reference backend: float types only (the shape rule rejects the rest)");
    default: fail(name(p), "reference backend: not a binary primitive");
  }
}

// where(c, a, b)[i] = c[i] ? a[i] : b[i]
template <class T>
void where_typed(const Tensor& c, const Tensor& a, const Tensor& b, Tensor& out) {
  const bool* cond = ptr<bool>(c);
  const T* x = ptr<T>(a);
  const T* y = ptr<T>(b);
  T* o = mut<T>(out);
  for (int64_t i = 0, n = a.numel(); i < n; ++i) o[i] = scalar::select<T>(cond[i], x[i], y[i]);
}

}  // namespace

void binary(Prim p, const Params&, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::where) {
    // The condition is bool; the branches (and so the output) have their own dtype.
    return visit_dtype(in[1].dtype(), [&](auto tag) { where_typed<decltype(tag)>(in[0], in[1], in[2], out); });
  }
  visit_dtype(in[0].dtype(), [&](auto tag) { binary_typed<decltype(tag)>(p, in[0], in[1], out); });
}

}  // namespace slope::reference
