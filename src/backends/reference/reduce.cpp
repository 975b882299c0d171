// Reference kernels of the reductions sum and max over a sorted list of axes, which are removed from
// the output shape (no keepdim at the primitive level); argmax is in general.cpp. Both are one fold
// over x: a view of the output with stride 0 on the reduced axes takes each element of x to the
// output element it folds into. Numerics: floating sums accumulate in double (kernels.h, accum_t),
// integer and bool sums in int64, the rule's output dtype, wrapping; sum over an empty axis is 0;
// max propagates NaN (scalar::maximum). Max over an empty axis is rejected by the shape rule, so max
// can start from the lowest value of T (-inf for floats), which the first element always replaces.
#include <limits>
#include <vector>

#include "kernels.h"

namespace slope::reference {

namespace {

// acc[to.at(i)] = f(acc[to.at(i)], x[i]) for every element i of x, from `init`; then out = acc as Out.
template <class Out, class T, class Acc, class F>
void fold(const Tensor& x, const View& to, Acc init, F f, Tensor& out) {
  std::vector<Acc> acc(static_cast<size_t>(out.numel()), init);
  const T* a = ptr<T>(x);
  for_each(x.shape(), [&](const Shape&, int64_t i, int64_t j) { acc[j] = f(acc[j], a[i]); },
           View{contiguous_strides(x.shape())}, to);
  for (size_t j = 0; j < acc.size(); ++j) mut<Out>(out)[j] = scalar::convert<Out, Acc>(acc[j]);
}

template <class T>
T lowest() {
  if constexpr (scalar::is_float_v<T>) return T(-std::numeric_limits<float>::infinity());
  else return std::numeric_limits<T>::lowest();
}

}  // namespace

void reduce(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  const Axes& axes = std::get<AxesParams>(params).axes;
  const Shape& s = in[0].shape();
  const Shape ostride = contiguous_strides(out.shape());
  View to{Shape(s.size(), 0)};  // the output's strides on the kept axes, 0 on the reduced ones
  for (size_t d = 0, k = 0, kept = 0; d < s.size(); ++d) {
    if (k < axes.size() && axes[k] == static_cast<int64_t>(d)) ++k;
    else to.strides[d] = ostride[kept++];
  }
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Out = std::conditional_t<scalar::is_float_v<T>, T, int64_t>;  // sum's output dtype
    using Acc = accum_t<Out>;                                           // double or int64
    switch (p) {
      case Prim::sum:
        return fold<Out, T>(in[0], to, Acc(0), [](Acc a, T v) { return scalar::add<Acc>(a, scalar::convert<Acc>(v)); }, out);
      case Prim::max: return fold<T, T>(in[0], to, lowest<T>(), scalar::maximum<T>, out);
      default: fail(name(p), "reference backend: not a reduction");
    }
  });
}

}  // namespace slope::reference
