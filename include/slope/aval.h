#pragma once
// The type of a value without its data (an "abstract value"): what a Tensor, a traced value and
// a shape rule all know of it.
#include <string>

#include "slope/dtype.h"
#include "slope/shape.h"

namespace slope {

struct AVal {
  Shape shape;
  DType dtype;
  friend bool operator==(const AVal&, const AVal&) = default;
};

inline std::string to_string(const AVal& a) { return to_string(a.shape) + " " + name(a.dtype); }  // "[2, 3] f32"

}  // namespace slope
