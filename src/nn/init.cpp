// Initialisers with torch.nn.init's distributions. Empty shapes give empty tensors (torch returns
// them untouched) so layers with a zero-sized dim still build.
#include "slope/nn/init.h"

#include <cmath>

#include "slope/ops.h"
#include "slope/random.h"

namespace slope::nn::init {

namespace {
// `op` is the function the user called (calculate_fans, xavier_uniform, ...).
Fans fans_for(const char* op, const Shape& shape) {
  check(shape.size() >= 2, op, "fan in and fan out need a tensor of at least 2 dims, got shape ", to_string(shape));
  int64_t receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}
}  // namespace

Fans calculate_fans(const Shape& shape) { return fans_for("calculate_fans", shape); }

double calculate_gain(const std::string& nl, std::optional<double> param) {
  if (nl == "linear" || nl == "conv1d" || nl == "conv2d" || nl == "conv3d" || nl == "conv_transpose1d" ||
      nl == "conv_transpose2d" || nl == "conv_transpose3d" || nl == "sigmoid")
    return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nl == "selu") return 3.0 / 4.0;
  fail("calculate_gain", "unsupported nonlinearity '", nl,
       "' (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
}

namespace {
void check_float(const char* op, DType dtype) {
  check(is_floating(dtype), op, "initialises floating-point tensors, got dtype ", name(dtype));
}
}  // namespace

Tensor uniform(const Tensor& key, const Shape& shape, double a, double b, DType dtype) {
  check_float("init::uniform", dtype);
  check(a <= b, "init::uniform", "needs a <= b, got a=", a, ", b=", b);
  return random::uniform(key, shape, dtype, a, b);
}

Tensor normal(const Tensor& key, const Shape& shape, double mean, double std, DType dtype) {
  check_float("init::normal", dtype);
  check(std >= 0, "init::normal", "needs std >= 0, got ", std);
  // Drawn in f32 or f64 and rounded once, so f16/bf16 get the same numbers as f32 rounded.
  DType draw = dtype == f64 ? f64 : f32;
  return (random::normal(key, shape, draw) * std + mean).cast(dtype);
}

Tensor constant(const Shape& shape, double value, DType dtype) { return full(shape, value, dtype); }
Tensor zeros(const Shape& shape, DType dtype) { return slope::zeros(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return slope::ones(shape, dtype); }

Tensor xavier_uniform(const Tensor& key, const Shape& shape, double gain, DType dtype) {
  Fans f = fans_for("init::xavier_uniform", shape);
  if (numel(shape) == 0) return slope::zeros(shape, dtype);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  return uniform(key, shape, -bound, bound, dtype);
}

Tensor xavier_normal(const Tensor& key, const Shape& shape, double gain, DType dtype) {
  Fans f = fans_for("init::xavier_normal", shape);
  if (numel(shape) == 0) return slope::zeros(shape, dtype);
  return normal(key, shape, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), dtype);
}

namespace {
double kaiming_std(const char* op, const Shape& shape, const KaimingOptions& o) {
  Fans f = fans_for(op, shape);
  int64_t fan = o.mode == FanMode::fan_in ? f.fan_in : f.fan_out;
  check(fan > 0, op, "fan is 0 for shape ", to_string(shape));
  return calculate_gain(o.nonlinearity, o.a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor kaiming_uniform(const Tensor& key, const Shape& shape, const KaimingOptions& o) {
  fans_for("init::kaiming_uniform", shape);
  if (numel(shape) == 0) return slope::zeros(shape, o.dtype);
  double bound = std::sqrt(3.0) * kaiming_std("init::kaiming_uniform", shape, o);
  return uniform(key, shape, -bound, bound, o.dtype);
}

Tensor kaiming_normal(const Tensor& key, const Shape& shape, const KaimingOptions& o) {
  fans_for("init::kaiming_normal", shape);
  if (numel(shape) == 0) return slope::zeros(shape, o.dtype);
  return normal(key, shape, 0.0, kaiming_std("init::kaiming_normal", shape, o), o.dtype);
}

double bias_bound(int64_t fan_in) { return fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0; }

}  // namespace slope::nn::init
