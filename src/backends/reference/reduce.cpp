// Reference kernels of the reductions sum and max over a sorted list of axes, which are removed
// from the output shape (no keepdim at the primitive level), and of argmax along one axis.
//
// One pass over the input: each element's multi-index, with the reduced axes dropped, is the
// multi-index of the output element it contributes to. Giving the reduced axes stride 0 in the
// output does exactly that.
//
// Numerics:
// - floating sums accumulate in double and round once at the end (the exact result is what a
//   reference should approximate; other backends are compared against it with a tolerance);
// - integer and bool sums accumulate in int64, the rule's output dtype, wrapping (scalar::add);
// - sum over an empty axis is 0; max over an empty axis is rejected by the shape rule;
// - max propagates NaN (scalar::maximum).
#include <vector>

#include "kernels.h"
#include "loops.h"

namespace slope::reference {

namespace {

// Strides that map an input multi-index to the flat output position: the output's own strides on
// the kept axes, 0 on the reduced ones.
Shape reduced_strides(const Shape& in_shape, const Axes& axes, const Shape& out_shape) {
  Shape ostride = contiguous_strides(out_shape);
  Shape stride(in_shape.size(), 0);
  size_t k = 0, kept = 0;
  for (size_t d = 0; d < in_shape.size(); ++d) {
    if (k < axes.size() && axes[k] == static_cast<int64_t>(d)) {
      ++k;  // reduced: stride stays 0
    } else {
      stride[d] = ostride[kept++];
    }
  }
  return stride;
}

template <class T>
void sum(const Tensor& x, const Shape& stride, Tensor& out) {
  using Acc = std::conditional_t<scalar::is_float_v<T>, double, int64_t>;
  using Out = std::conditional_t<scalar::is_float_v<T>, T, int64_t>;
  // One accumulator per output element.
  std::vector<Acc> acc(static_cast<size_t>(out.numel()), Acc(0));
  const Shape& s = x.shape();
  const T* a = ptr<T>(x);
  Shape idx(s.size(), 0);
  for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, s)) {
    const auto j = static_cast<size_t>(offset(idx, stride));
    acc[j] = scalar::add<Acc>(acc[j], scalar::convert<Acc>(a[i]));
  }
  Out* o = mut<Out>(out);
  for (size_t i = 0; i < acc.size(); ++i) o[i] = scalar::convert<Out, Acc>(acc[i]);
}

template <class T>
void max(const Tensor& x, const Shape& stride, Tensor& out) {
  // The first element reaching an output position initialises it; later ones combine with maximum.
  std::vector<bool> seen(static_cast<size_t>(out.numel()), false);
  T* o = mut<T>(out);
  const Shape& s = x.shape();
  const T* a = ptr<T>(x);
  Shape idx(s.size(), 0);
  for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, s)) {
    int64_t j = offset(idx, stride);
    o[j] = seen[j] ? scalar::maximum<T>(o[j], a[i]) : a[i];
    seen[j] = true;
  }
}

// x viewed as [outer, n, inner]: out[o, j] = the first r with the largest x[o, r, j]; a NaN is
// larger than everything (the first NaN wins).
template <class T>
void argmax(const Tensor& x, int64_t axis, Tensor& out) {
  const Shape& s = x.shape();
  const int64_t outer = numel_range(s, 0, axis), n = s[axis], inner = numel_range(s, axis + 1, s.size());
  const T* a = ptr<T>(x);
  int64_t* o = mut<int64_t>(out);
  auto beats = [](T v, T best) {
    if constexpr (scalar::is_float_v<T>) {
      return scalar::greater<T>(v, best) || (!scalar::equal<T>(v, v) && scalar::equal<T>(best, best));
    } else {
      return v > best;
    }
  };
  for (int64_t i = 0; i < outer; ++i)
    for (int64_t j = 0; j < inner; ++j) {
      int64_t best = 0;
      for (int64_t r = 1; r < n; ++r)
        if (beats(a[(i * n + r) * inner + j], a[(i * n + best) * inner + j])) best = r;
      o[i * inner + j] = best;
    }
}

}  // namespace

void argmax(const Params& params, std::span<const Tensor> in, Tensor& out) {
  visit_dtype(in[0].dtype(), [&](auto tag) { argmax<decltype(tag)>(in[0], std::get<AxisParams>(params).axis, out); });
}

void reduce(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  const Tensor& x = in[0];
  Shape stride = reduced_strides(x.shape(), std::get<AxesParams>(params).axes, out.shape());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::sum: return sum<T>(x, stride, out);
      case Prim::max: return max<T>(x, stride, out);
      default: fail(name(p), "reference backend: not a reduction");
    }
  });
}

}  // namespace slope::reference
