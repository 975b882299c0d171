#pragma once
// Internal: cos written directly with primitives. There is no cos primitive; the sin jvp rule needs
// cos, and a primitive's rule must not call a procedure that re-enters custom_jvp (layers point
// down), so this plain core serves both the rule and the cos/tan procedures.
#include "slope/tensor.h"

namespace slope::rules {

// cos of a floating tensor; types up to f32 are evaluated in f64 and rounded once.
Tensor cos_of(const Tensor& x);
// The same for f64 (or any one float type) with no widening: tan evaluates it in its own precision.
Tensor cos_float(const Tensor& y);

}  // namespace slope::rules
