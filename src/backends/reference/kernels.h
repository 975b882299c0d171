#pragma once
// The reference backend's kernels: naive, obviously-right loops over row-major data for every
// primitive and dtype, the oracle every other backend is tested against; every value from scalar.h.
// Index arithmetic is written once: element (i0, i1, ...) of a contiguous tensor is at i0*s0 + i1*s1
// + ... (s = contiguous_strides(shape)), and a View generalises those strides (tinygrad's idea): stride
// 0 repeats an element, a negative one walks backwards, a start offsets. So one loop, for_each() over
// a shape's multi-indices, runs every movement, reduction and product (zero times for a size-0 dim).
#include "slope/backend.h"
#include "slope/tensor.h"
#include "slope/scalar.h"
#include "slope/shape.h"

namespace slope::reference {

// Each fills `out`, already allocated with the type the shape rule computed.
void elementwise(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);  // unary, binary, where, init
void shape(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);  // and reduce

// Raw element pointers of a concrete tensor.
template <class T> const T* ptr(const Tensor& t) { return static_cast<const T*>(t.data()); }
template <class T> T* mut(Tensor& t) { return static_cast<T*>(t.impl()->buffer->data()); }

// Multi-index i of a view is at flat position start + i[0]*strides[0] + i[1]*strides[1] + ...
struct View {
  Shape strides;
  int64_t start = 0;
  int64_t at(const Shape& i) const {
    int64_t o = start;
    for (size_t d = 0; d < i.size(); ++d) o += i[d] * strides[d];
    return o;
  }
};

// Calls f(i, v.at(i)...) for every multi-index i of `shape` in row-major order (last axis fastest).
template <class F, class... V>
void for_each(const Shape& shape, F f, const V&... views) {
  Shape i(shape.size(), 0);
  for (int64_t k = 0, n = numel(shape); k < n; ++k) {
    f(i, views.at(i)...);
    for (size_t d = shape.size(); d-- > 0 && ++i[d] == shape[d];) i[d] = 0;  // the next index, like an odometer
  }
}

// The accumulator of a sum or dot product: double for every floating type, rounded once at the end
// (close to the exact sum, and far less sensitive to the order of the additions than a float, which
// other backends may reorder); the type itself for integers (wrapping) and for bool (or).
template <class T>
using accum_t = std::conditional_t<scalar::is_float_v<T>, double, T>;

}  // namespace slope::reference
