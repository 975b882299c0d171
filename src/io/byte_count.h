#pragma once
// Sizes computed from a file's numbers, checked so they can never wrap around: a wrapped size would
// allocate a small block for a tensor the file says is huge.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "slope/shape.h"

namespace slope::io {

// numel(shape) * item bytes, or nothing when that does not fit in int64 (the largest tensor slope
// can hold). A zero dimension makes any shape empty, as slope::numel counts.
inline std::optional<uint64_t> checked_byte_count(const Shape& shape, uint64_t item) {
  for (int64_t d : shape)
    if (d < 0) return std::nullopt;
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = static_cast<int64_t>(item);
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
  return static_cast<uint64_t>(n);
}

}  // namespace slope::io
