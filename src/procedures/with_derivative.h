#pragma once
// Elementwise procedures whose derivative is a formula of their own rather than the derivative of
// how they are computed (cos, tan, log1p, atan2, ...): differentiating the computation would meet
// 0/0 in an untaken branch or lose accuracy. Each is a custom_jvp (custom.h).
#include <functional>
#include <utility>

#include "slope/tensor.h"

namespace slope::detail {

// y = f(x) (of x's type) whose derivative is t * derivative(x, y). `derivative` must be written
// with differentiable ops so higher derivatives work (the rule computes y with this op again, so
// they use the rule too). With no transformation active, f just runs.
Tensor unary_with_derivative(const char* name, const Tensor& x, std::function<Tensor(const Tensor&)> f,
                             std::function<Tensor(const Tensor& x, const Tensor& y)> derivative);

// The binary form: z = f(a, b) (a and b of one shape and dtype) whose tangent is
// ta * da + tb * db with (da, db) = partials(a, b, z).
using BinaryPartials = std::function<std::pair<Tensor, Tensor>(const Tensor& a, const Tensor& b, const Tensor& z)>;
Tensor binary_with_derivative(const char* name, const Tensor& a, const Tensor& b,
                              std::function<Tensor(const Tensor&, const Tensor&)> f, BinaryPartials partials);

}  // namespace slope::detail
