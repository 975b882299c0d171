// Tensor member functions: each forwards to the free function of the same name (ops.h,
// nn_functional.h), where the operation is written once.
#include "slope/nn_functional.h"
#include "slope/ops.h"

namespace slope {

Tensor Tensor::operator[](int64_t i) const { return slope::index(*this, {Index(i)}); }
Tensor Tensor::operator[](const Index& i) const { return slope::index(*this, {i}); }
Tensor Tensor::index(std::initializer_list<Index> idx) const { return slope::index(*this, std::vector<Index>(idx)); }
Tensor Tensor::index(const std::vector<Index>& idx) const { return slope::index(*this, idx); }

Tensor Tensor::cast(DType d) const { return slope::cast(*this, d); }

// ---- unary math ----
#define SLOPE_FORWARD0(name) \
  Tensor Tensor::name() const { return slope::name(*this); }
SLOPE_FORWARD0(neg)
SLOPE_FORWARD0(exp)
SLOPE_FORWARD0(log)
SLOPE_FORWARD0(sin)
SLOPE_FORWARD0(cos)
SLOPE_FORWARD0(tan)
SLOPE_FORWARD0(sqrt)
SLOPE_FORWARD0(rsqrt)
SLOPE_FORWARD0(tanh)
SLOPE_FORWARD0(sigmoid)
SLOPE_FORWARD0(erf)
SLOPE_FORWARD0(reciprocal)
SLOPE_FORWARD0(log2)
SLOPE_FORWARD0(exp2)
SLOPE_FORWARD0(log1p)
SLOPE_FORWARD0(expm1)
SLOPE_FORWARD0(abs)
SLOPE_FORWARD0(sign)
SLOPE_FORWARD0(floor)
SLOPE_FORWARD0(ceil)
SLOPE_FORWARD0(trunc)
SLOPE_FORWARD0(round)
SLOPE_FORWARD0(square)
SLOPE_FORWARD0(stop_gradient)
SLOPE_FORWARD0(isnan)
SLOPE_FORWARD0(isinf)
SLOPE_FORWARD0(logical_not)
#undef SLOPE_FORWARD0
Tensor Tensor::clip(std::optional<Scalar> lo, std::optional<Scalar> hi) const { return slope::clip(*this, lo, hi); }

// ---- binary ----
#define SLOPE_FORWARD1(name) \
  Tensor Tensor::name(const Tensor& o) const { return slope::name(*this, o); }
SLOPE_FORWARD1(add)
SLOPE_FORWARD1(sub)
SLOPE_FORWARD1(mul)
SLOPE_FORWARD1(div)
SLOPE_FORWARD1(pow)
SLOPE_FORWARD1(maximum)
SLOPE_FORWARD1(minimum)
SLOPE_FORWARD1(eq)
SLOPE_FORWARD1(ne)
SLOPE_FORWARD1(lt)
SLOPE_FORWARD1(le)
SLOPE_FORWARD1(gt)
SLOPE_FORWARD1(ge)
SLOPE_FORWARD1(logical_and)
SLOPE_FORWARD1(logical_or)
SLOPE_FORWARD1(logical_xor)
SLOPE_FORWARD1(matmul)
#undef SLOPE_FORWARD1
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return slope::where(condition, *this, other);
}

// ---- reductions ----
#define SLOPE_FORWARD_REDUCE(name) \
  Tensor Tensor::name(Axes axes, bool keepdim) const { return slope::name(*this, std::move(axes), keepdim); }
SLOPE_FORWARD_REDUCE(sum)
SLOPE_FORWARD_REDUCE(mean)
SLOPE_FORWARD_REDUCE(max)
SLOPE_FORWARD_REDUCE(min)
SLOPE_FORWARD_REDUCE(prod)
SLOPE_FORWARD_REDUCE(logsumexp)
SLOPE_FORWARD_REDUCE(any)
SLOPE_FORWARD_REDUCE(all)
#undef SLOPE_FORWARD_REDUCE
Tensor Tensor::var(Axes axes, double correction, bool keepdim) const {
  return slope::var(*this, std::move(axes), correction, keepdim);
}
Tensor Tensor::std(Axes axes, double correction, bool keepdim) const {
  return slope::std(*this, std::move(axes), correction, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> axis, bool keepdim) const { return slope::argmax(*this, axis, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> axis, bool keepdim) const { return slope::argmin(*this, axis, keepdim); }
Tensor Tensor::cumsum(int64_t axis) const { return slope::cumsum(*this, axis); }

// ---- shape ----
Tensor Tensor::reshape(const Shape& s) const { return slope::reshape(*this, s); }
Tensor Tensor::flatten(int64_t start, int64_t end) const { return slope::flatten(*this, start, end); }
Tensor Tensor::squeeze(Axes axes) const { return slope::squeeze(*this, std::move(axes)); }
Tensor Tensor::unsqueeze(int64_t axis) const { return slope::unsqueeze(*this, axis); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return slope::transpose(*this, a, b); }
Tensor Tensor::T() const {
  OpScope scope("T");
  Axes perm;
  for (int64_t i = ndim() - 1; i >= 0; --i) perm.push_back(i);
  return slope::permute(*this, perm);
}
Tensor Tensor::permute(const Axes& perm) const { return slope::permute(*this, perm); }
Tensor Tensor::expand(const Shape& s) const { return slope::expand(*this, s); }
Tensor Tensor::broadcast_to(const Shape& s) const { return slope::broadcast_to(*this, s); }
Tensor Tensor::repeat(const Shape& repeats) const { return slope::repeat(*this, repeats); }
Tensor Tensor::tile(const Shape& reps) const { return slope::tile(*this, reps); }
Tensor Tensor::flip(Axes axes) const { return slope::flip(*this, std::move(axes)); }
Tensor Tensor::roll(const Shape& shifts, Axes axes) const { return slope::roll(*this, shifts, std::move(axes)); }
Tensor Tensor::pad(const std::vector<std::pair<int64_t, int64_t>>& pads, Scalar value) const {
  return slope::pad(*this, pads, value);
}
Tensor Tensor::tril(int64_t k) const { return slope::tril(*this, k); }
Tensor Tensor::triu(int64_t k) const { return slope::triu(*this, k); }
std::vector<Tensor> Tensor::split(int64_t size, int64_t axis) const { return slope::split(*this, size, axis); }
std::vector<Tensor> Tensor::split(const std::vector<int64_t>& sizes, int64_t axis) const {
  return slope::split(*this, sizes, axis);
}
std::vector<Tensor> Tensor::chunk(int64_t n, int64_t axis) const { return slope::chunk(*this, n, axis); }
Tensor Tensor::slice(int64_t axis, int64_t start, int64_t stop, int64_t step) const {
  return slope::slice(*this, axis, start, stop, step);
}
Tensor Tensor::gather(int64_t axis, const Tensor& index) const { return slope::gather(*this, axis, index); }
Tensor Tensor::take_along_dim(const Tensor& index, int64_t axis) const {
  return slope::take_along_dim(*this, index, axis);
}
Tensor Tensor::index_select(int64_t axis, const Tensor& index) const { return slope::index_select(*this, axis, index); }
Tensor Tensor::scatter_add(int64_t axis, const Tensor& index, const Tensor& src) const {
  return slope::scatter_add(*this, axis, index, src);
}
Tensor Tensor::one_hot(int64_t num_classes, DType d) const { return slope::one_hot(*this, num_classes, d); }

// ---- sorting ----
SortResult Tensor::sort(int64_t axis, bool descending, bool stable) const {
  return slope::sort(*this, axis, descending, stable);
}
Tensor Tensor::argsort(int64_t axis, bool descending, bool stable) const {
  return slope::argsort(*this, axis, descending, stable);
}
SortResult Tensor::topk(int64_t k, int64_t axis, bool largest, bool sorted) const {
  return slope::topk(*this, k, axis, largest, sorted);
}

// ---- nn ----
Tensor Tensor::relu() const { return nn::relu(*this); }
Tensor Tensor::leaky_relu(double slope) const { return nn::leaky_relu(*this, slope); }
Tensor Tensor::elu(double alpha) const { return nn::elu(*this, alpha); }
Tensor Tensor::gelu(bool tanh_approx) const { return nn::gelu(*this, tanh_approx); }
Tensor Tensor::silu() const { return nn::silu(*this); }
Tensor Tensor::softplus(double beta, double threshold) const { return nn::softplus(*this, beta, threshold); }
Tensor Tensor::softmax(int64_t axis) const { return nn::softmax(*this, axis); }
Tensor Tensor::log_softmax(int64_t axis) const { return nn::log_softmax(*this, axis); }

// ---- trigonometric / hyperbolic / log-space math, norms, diagonals ----
#define SLOPE_FORWARD0(name) \
  Tensor Tensor::name() const { return slope::name(*this); }
SLOPE_FORWARD0(sinh)
SLOPE_FORWARD0(cosh)
SLOPE_FORWARD0(asin)
SLOPE_FORWARD0(acos)
SLOPE_FORWARD0(atan)
SLOPE_FORWARD0(asinh)
SLOPE_FORWARD0(acosh)
SLOPE_FORWARD0(atanh)
SLOPE_FORWARD0(log_sigmoid)
SLOPE_FORWARD0(mish)
SLOPE_FORWARD0(trace)
#undef SLOPE_FORWARD0
Tensor Tensor::atan2(const Tensor& x) const { return slope::atan2(*this, x); }
Tensor Tensor::hypot(const Tensor& o) const { return slope::hypot(*this, o); }
Tensor Tensor::logaddexp(const Tensor& o) const { return slope::logaddexp(*this, o); }
Tensor Tensor::outer(const Tensor& o) const { return slope::outer(*this, o); }
Tensor Tensor::hardtanh(double min_val, double max_val) const { return slope::hardtanh(*this, min_val, max_val); }
Tensor Tensor::cumprod(int64_t axis) const { return slope::cumprod(*this, axis); }
Tensor Tensor::norm(double p, Axes axes, bool keepdim) const { return slope::norm(*this, p, std::move(axes), keepdim); }
Tensor Tensor::diag(int64_t k) const { return slope::diag(*this, k); }

}  // namespace slope
