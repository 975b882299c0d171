#include "slope/nn/norm.h"

#include "nn/repr.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"

namespace slope::nn {

namespace detail {
const char* batch_norm_name(size_t d) {
  static const char* names[3] = {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d"};
  return d >= 1 && d <= 3 ? names[d - 1] : "BatchNorm";
}
}  // namespace detail

template <size_t D> BatchNorm<D>::BatchNorm(int64_t n, const BatchNormConfig& c)
    : num_features(n), eps(c.eps), momentum(c.momentum) {
  const char* op = detail::batch_norm_name(D);
  check(n > 0, op, "num_features must be positive, got ", n);
  check(c.eps >= 0, op, "eps must be >= 0, got ", c.eps);
  check(!c.momentum || (*c.momentum >= 0 && *c.momentum <= 1), op, "momentum must be in [0, 1], got ", c.momentum.value_or(0));
  check(is_floating(c.dtype), op, "needs a floating-point dtype, got ", name(c.dtype));
  if (c.affine) {
    weight = ones({n}, c.dtype);
    bias = zeros({n}, c.dtype);
  }
  if (c.track_running_stats) {
    running_mean = Buffer(zeros({n}, c.dtype));
    running_var = Buffer(ones({n}, c.dtype));
    num_batches_tracked = Buffer(full({}, int64_t{0}, i64));
  }
}

namespace {

template <size_t D> void check_input(const Tensor& x, int64_t c) {
  const char* op = detail::batch_norm_name(D);
  bool rank_ok = D == 1 ? (x.ndim() == 2 || x.ndim() == 3) : x.ndim() == static_cast<int64_t>(D) + 2;
  check(rank_ok && x.shape(1) == c, op, "expected input ", D == 1 ? "[N, C] or [N, C, L]" : "[N, C, *spatial]",
        " with ", D == 1 ? "" : std::to_string(D) + " spatial dims and ", "C = ", c, ", got ", to_string(x.aval()));
  check(is_floating(x.dtype()), op, "needs a floating-point input, got ", to_string(x.aval()));
}

Axes stat_axes(const Tensor& x) {
  Axes axes;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != 1) axes.push_back(i);
  return axes;
}

}  // namespace

template <size_t D> Tensor BatchNorm<D>::operator()(const Tensor& x) const {
  check_input<D>(x, num_features);
  if (!running_mean) return (*this)(x, true).first;  // no running statistics: batch statistics, as torch
  return batch_norm(x, *running_mean, *running_var, weight, bias, /*training=*/false, eps);
}

template <size_t D> std::pair<Tensor, BatchNorm<D>> BatchNorm<D>::operator()(const Tensor& x, bool train) const {
  if (!train) return {(*this)(x), *this};
  check_input<D>(x, num_features);
  const char* op = detail::batch_norm_name(D);
  int64_t per_channel = x.numel() / num_features;
  check(per_channel > 1, op, "expected more than 1 value per channel when training, got input ", to_string(x.aval()));
  // The batch statistics are differentiable functions of x; normalising with them through the
  // inference form gives batch norm's training gradient.
  Axes axes = stat_axes(x);
  Tensor mu_k = mean(x, axes, /*keepdim=*/true);
  Tensor mu = mu_k.reshape({num_features});
  Tensor var = mean(square(x - mu_k), axes).reshape({num_features});  // biased, as torch normalises with
  Tensor y = batch_norm(x, mu, var, weight, bias, /*training=*/false, eps);
  BatchNorm next = *this;
  if (running_mean) {
    Tensor count = *num_batches_tracked + int64_t{1};
    next.num_batches_tracked = Buffer(count);
    DType dt = running_mean->dtype();
    Tensor f = momentum ? full({}, *momentum, dt) : (1.0 / count.cast(f64)).cast(dt);
    Tensor m = stop_gradient(mu).cast(dt), v = stop_gradient(var).cast(dt);
    double unbias = static_cast<double>(per_channel) / static_cast<double>(per_channel - 1);
    next.running_mean = Buffer((1.0 - f) * *running_mean + f * m);
    next.running_var = Buffer((1.0 - f) * *running_var + f * (v * unbias));
  }
  return {y, next};
}

template <size_t D> std::string BatchNorm<D>::repr() const {
  return std::string(detail::batch_norm_name(D)) + "(" + std::to_string(num_features) + ", eps=" + detail::py_float(eps) +
         ", momentum=" + (momentum ? detail::py_float(*momentum) : "None") + ", affine=" + detail::py_bool(weight.has_value()) +
         ", track_running_stats=" + detail::py_bool(running_mean.has_value()) + ")";
}

template struct BatchNorm<1>;
template struct BatchNorm<2>;
template struct BatchNorm<3>;

LayerNorm::LayerNorm(std::vector<int64_t> shape, const LayerNormConfig& c) : normalized_shape(std::move(shape)), eps(c.eps) {
  check(!normalized_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
  for (int64_t d : normalized_shape)
    check(d > 0, "LayerNorm", "normalized_shape must be positive, got ", detail::py_tuple(normalized_shape));
  check(is_floating(c.dtype), "LayerNorm", "needs a floating-point dtype, got ", name(c.dtype));
  if (c.elementwise_affine) {
    Shape s(normalized_shape.begin(), normalized_shape.end());
    weight = ones(s, c.dtype);
    bias = zeros(s, c.dtype);
  }
}

Tensor LayerNorm::operator()(const Tensor& x) const {
  Shape s(normalized_shape.begin(), normalized_shape.end());
  int64_t k = static_cast<int64_t>(s.size());
  bool ok = x.ndim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.shape(x.ndim() - k + i) == s[i];
  check(ok, "LayerNorm", "expected input [..., ", to_string(s).substr(1), ", got ", to_string(x.aval()));
  return layer_norm(x, s, weight, bias, eps);
}

std::string LayerNorm::repr() const {
  return "LayerNorm(" + detail::py_tuple(normalized_shape) + ", eps=" + detail::py_float(eps) +
         ", elementwise_affine=" + detail::py_bool(weight.has_value()) + ")";
}

}  // namespace slope::nn
