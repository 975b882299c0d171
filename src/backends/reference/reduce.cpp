// Reference kernels of the reductions sum and max over a sorted list of axes, which are removed
// from the output shape (no keepdim at the primitive level).
//
// One pass over the input: each element's multi-index, with the reduced axes dropped, is the
// multi-index of the output element it contributes to. Giving the reduced axes stride 0 in the
// output does exactly that.
//
// Numerics:
// - floating sums accumulate in double and round once at the end (the exact result is what a
//   reference should approximate; other backends are compared against it with a tolerance);
// - integer sums wrap (scalar::add), like PyTorch's for the same type;
// - the rule keeps bool as bool, and scalar::add on bool is logical or, so sum of bool = any;
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
  using Acc = accum_t<T>;
  // One accumulator per output element. (For bool this is a packed std::vector<bool>, which is why
  // the loop writes acc[j] = ... instead of holding a reference.)
  std::vector<Acc> acc(static_cast<size_t>(out.numel()), Acc(0));
  const Shape& s = x.shape();
  const T* a = ptr<T>(x);
  Shape idx(s.size(), 0);
  for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, s)) {
    const auto j = static_cast<size_t>(offset(idx, stride));
    acc[j] = scalar::add<Acc>(acc[j], scalar::convert<Acc>(a[i]));
  }
  T* o = mut<T>(out);
  for (size_t i = 0; i < acc.size(); ++i) o[i] = scalar::convert<T, Acc>(acc[i]);
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

}  // namespace

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
