#pragma once
// Shapes, axes and the small helpers every rule uses (normalising axes, broadcasting).
#include <concepts>
#include <cstdint>
#include <ostream>
#include <string>

#include "slope/small_vector.h"

namespace slope {

using Shape = SmallVector<int64_t, 6>;
using Axes = SmallVector<int64_t, 6>;

// An integer naming a dim or a size: int, int64_t, size_t, ... but not bool. The PyTorch-style
// overloads that take dims as separate integers (x.reshape(5, 2), x.sum(1), ones(2, 5)) are
// templates constrained to it, so a braced list always means a Shape or Axes: `x.sum({}, true)`
// against a plain int64_t overload would turn `{}` into the axis 0.
template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool>;

int64_t numel(const Shape& s);
std::string to_string(const Shape& s);  // "[2, 3]"
std::ostream& operator<<(std::ostream& os, const Shape& s);
Shape contiguous_strides(const Shape& s);  // in elements

// Python-style axis: -1 is the last. Throws "[op] axis 3 is out of range for a 2-d tensor".
int64_t normalize_axis(const char* op, int64_t axis, int64_t ndim);
// Sorted, unique, normalised. Empty input means "all axes" only when all_if_empty is set.
Axes normalize_axes(const char* op, const Axes& axes, int64_t ndim, bool all_if_empty);
// NumPy broadcasting of two shapes; throws "[op] shapes [2, 3] and [4] cannot be broadcast".
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

}  // namespace slope
