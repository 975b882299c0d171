#pragma once
// Index arithmetic shared by the reference kernels.
//
// Every tensor is contiguous and row-major: element (i0, i1, ..., i{r-1}) of a tensor with shape
// (d0, ..., d{r-1}) lives at flat position i0*s0 + i1*s1 + ... with strides s_k = d{k+1} * ... * d{r-1}
// (see contiguous_strides()). The kernels walk an output tensor one multi-index at a time with
// next_index() (an odometer), map it to the multi-index of the input element it reads, and turn that
// into a flat position with offset(). Nothing here divides, so zero-size dims need no special case:
// a loop `for (int64_t i = 0; i < numel(shape); ++i)` simply runs zero times.
#include <cstdint>
#include <type_traits>

#include "slope/scalar.h"
#include "slope/shape.h"

namespace slope::reference {

// Advances `idx` to the next multi-index of `shape` in row-major order (last axis fastest).
// After the last index it wraps around to all zeros; callers loop a known number of times.
inline void next_index(Shape& idx, const Shape& shape) {
  for (size_t d = shape.size(); d-- > 0;) {
    if (++idx[d] < shape[d]) return;
    idx[d] = 0;
  }
}

// Flat position of multi-index `idx` given per-axis `strides` (in elements).
inline int64_t offset(const Shape& idx, const Shape& strides) {
  int64_t o = 0;
  for (size_t d = 0; d < idx.size(); ++d) o += idx[d] * strides[d];
  return o;
}

// Product of shape[begin:end]: the number of elements in a block of axes.
inline int64_t numel_range(const Shape& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t d = begin; d < end; ++d) n *= shape[d];
  return n;
}

// The accumulator of a sum or dot product: double for every floating type, converted back with
// scalar::convert at the end (so an f32 or f16 sum is close to the exact one, and far less sensitive
// to the order of the additions than a float accumulator, which other backends may reorder); the type itself
// for integers (arithmetic wraps through scalar::add / scalar::mul) and for bool (sum = logical or).
template <class T>
using accum_t = std::conditional_t<scalar::is_float_v<T>, double, T>;

}  // namespace slope::reference
