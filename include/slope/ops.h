#pragma once
// Free-function operations: creation, and every composite op ("procedure") as a function.
// The Tensor methods in tensor.h call these. Each procedure is written once, in terms of
// primitives (primitive_ops.h) and other procedures, so every backend and transform gets it free.
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slope/tensor.h"

namespace slope {

// ---- creation ----
// tensor(3.f), tensor({1.f, 2.f}), tensor({{1, 2}, {3, 4}}), tensor(values, shape[, dtype]).
Tensor tensor(Scalar v, std::optional<DType> dtype = std::nullopt);
template <class T>
Tensor tensor(const std::vector<T>& values, const Shape& shape, std::optional<DType> dtype = std::nullopt);
template <class T>
Tensor tensor(std::initializer_list<T> v, std::optional<DType> dtype = std::nullopt);
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> v, std::optional<DType> dtype = std::nullopt);
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v,
              std::optional<DType> dtype = std::nullopt);
// From raw row-major bytes (copied).
Tensor from_bytes(const void* data, const Shape& shape, DType dtype);

Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype = std::nullopt);
Tensor zeros(const Shape& shape, DType dtype = kDefaultFloat);
Tensor ones(const Shape& shape, DType dtype = kDefaultFloat);
Tensor full_like(const Tensor& t, Scalar value, std::optional<DType> dtype = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
// arange(5) = [0..4] (i64); arange(0., 1., 0.25) (f32). dtype follows the arguments like PyTorch.
Tensor arange(Scalar stop, std::optional<DType> dtype = std::nullopt);
Tensor arange(Scalar start, Scalar stop, Scalar step = 1, std::optional<DType> dtype = std::nullopt);
Tensor linspace(double start, double stop, int64_t steps, DType dtype = kDefaultFloat);
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, DType dtype = kDefaultFloat);
// PyTorch spellings with the sizes as separate integers: ones(2, 5), zeros(3) (default dtype f32).
template <Integer... I> requires(sizeof...(I) > 0) Tensor zeros(I... s) { return zeros(Shape{int64_t(s)...}); }
template <Integer... I> requires(sizeof...(I) > 0) Tensor ones(I... s) { return ones(Shape{int64_t(s)...}); }

// ---- elementwise math ----
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor exp2(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor trunc(const Tensor& x);
Tensor round(const Tensor& x);  // half to even, like PyTorch
Tensor square(const Tensor& x);
Tensor clip(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi);
Tensor cast(const Tensor& x, DType d);
Tensor stop_gradient(const Tensor& x);
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);

// ---- binary (broadcasting, promotion) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);          // true division: ints become float
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, const Tensor& b);    // sign of the divisor, like PyTorch
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);  // 1-D cases and batch broadcasting like torch.matmul

// ---- reductions ----
Tensor sum(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor prod(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor var(const Tensor& x, Axes axes = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, Axes axes = {}, double correction = 1, bool keepdim = false);
Tensor logsumexp(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor any(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor all(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t axis);
// torch.max(x, dim) / torch.min(x, dim): values and indices (ValuesIndices, tensor.h);
// max_with_indices / min_with_indices are the same without the template.
template <Integer I> ValuesIndices max(const Tensor& x, I dim, bool keepdim = false) {
  return max_with_indices(x, static_cast<int64_t>(dim), keepdim);
}
template <Integer I> ValuesIndices min(const Tensor& x, I dim, bool keepdim = false) {
  return min_with_indices(x, static_cast<int64_t>(dim), keepdim);
}

// ---- comparing tensors (torch.isclose / torch.allclose) ----
// |a - b| <= atol + rtol * |b| elementwise (broadcasting; a and b of one dtype, like PyTorch),
// equal values (infinities included) always close, NaN close to NaN only with equal_nan.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);

// ---- shape ----
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, int64_t start = 0, int64_t end = -1);
Tensor squeeze(const Tensor& x, Axes axes = {});
Tensor unsqueeze(const Tensor& x, int64_t axis);
Tensor transpose(const Tensor& x, int64_t a = -2, int64_t b = -1);
Tensor permute(const Tensor& x, const Axes& perm);
Tensor expand(const Tensor& x, const Shape& shape);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& xs);
Tensor stack(const std::vector<Tensor>& xs, int64_t axis = 0);
Tensor cat(const std::vector<Tensor>& xs, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t n, int64_t axis = 0);
Tensor repeat(const Tensor& x, const Shape& repeats);
Tensor tile(const Tensor& x, const Shape& reps);
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, Scalar value = 0.0);
Tensor flip(const Tensor& x, Axes axes);
Tensor roll(const Tensor& x, const Shape& shifts, Axes axes);
Tensor tril(const Tensor& x, int64_t k = 0);
Tensor triu(const Tensor& x, int64_t k = 0);
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);  // Python rules, step may be < 0

// ---- indexing ----
Tensor index(const Tensor& x, const std::vector<Index>& idx);  // x[...] with ints, slices, newaxis, ellipsis, int tensors
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);  // torch.gather
Tensor take_along_dim(const Tensor& x, const Tensor& index, int64_t axis);
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src);  // torch.scatter_add
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype = kDefaultInt);

// ---- trigonometric, hyperbolic and log-space math (PyTorch's names, values and derivatives) ----
// Integers and bool compute in the default float. Accurate to a few ulps for every input, near 0 and
// for large |x| included; outside the domain the result is NaN (asin(2), acosh(0.5)), at the poles
// +-inf (atanh(+-1)). Each has PyTorch's derivative (e.g. 1 / sqrt(1 - x^2) for asin, inf at +-1).
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor asinh(const Tensor& x);
Tensor acosh(const Tensor& x);
Tensor atanh(const Tensor& x);
// Binary, broadcasting and promoting like add (integers become the default float).
Tensor atan2(const Tensor& y, const Tensor& x);      // angle of the point (x, y), in [-pi, pi]
Tensor hypot(const Tensor& a, const Tensor& b);      // sqrt(a^2 + b^2) without overflow or underflow
Tensor logaddexp(const Tensor& a, const Tensor& b);  // log(exp(a) + exp(b)) without overflow
// Activations, also in nn_functional.h (nn::log_sigmoid, nn::hardtanh, nn::mish); floating input only
// (hardtanh also takes integers, like torch).
Tensor log_sigmoid(const Tensor& x);                                      // -softplus(-x)
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);  // derivative 0 at the bounds
Tensor mish(const Tensor& x);                                             // x tanh(softplus(x))

// ---- more reductions and linear algebra ----
// Cumulative product along axis (integers accumulate in int64). Its gradient is exact with zeros in x
// (no division by x).
Tensor cumprod(const Tensor& x, int64_t axis);
// torch.linalg.vector_norm: ord 2, 1, inf, -inf, 0 (count of nonzeros) or any p, over `axes` (empty =
// all). Floating input only. The gradient at a zero norm is 0 (PyTorch's subgradient).
Tensor vector_norm(const Tensor& x, double ord = 2, Axes axes = {}, bool keepdim = false);
// torch.norm with a numeric p: the same vector norm (of the flattened axes when axes is empty).
Tensor norm(const Tensor& x, double p = 2, Axes axes = {}, bool keepdim = false);
// torch.diag: a 1-D x becomes the k-th diagonal of a square matrix; a 2-D x gives its k-th diagonal.
Tensor diag(const Tensor& x, int64_t k = 0);
Tensor trace(const Tensor& x);                   // sum of the diagonal of a 2-D tensor
Tensor outer(const Tensor& a, const Tensor& b);  // a[i] * b[j] of two 1-D tensors
// ---- sorting (src/procedures/sort.cpp) ----
// Always stable: equal elements keep their order (what torch gives with stable=true; the flag is
// accepted for PyTorch's spelling). NaN sorts as the largest value. Gradients flow through values.
SortResult sort(const Tensor& x, int64_t axis = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& x, int64_t axis = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) along axis, in sorted order (also for sorted = false); ties in the
// stable sort's order.
SortResult topk(const Tensor& x, int64_t k, int64_t axis = -1, bool largest = true, bool sorted = true);

// ---- einsum (src/procedures/einsum.cpp) ----
// torch.einsum: "ij,jk->ik", implicit output ("ij,jk"), "..." broadcasting, repeated indices within
// an operand (diagonals: "ii->i"), size-1 dims broadcast. Pairs of operands contract left to right
// through one matmul each; operands of different dtypes are promoted (torch requires one dtype).
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

}  // namespace slope
