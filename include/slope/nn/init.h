#pragma once
// Initialisers (torch.nn.init), functional: each returns a new tensor drawn from an explicit key,
// with PyTorch's distributions, fan computations and gains.
//
//   auto w = slope::nn::init::kaiming_uniform(key, {100, 784}, {.a = std::sqrt(5.0)});  // Linear's default
#include <cstdint>
#include <optional>
#include <string>

#include "slope/tensor.h"

namespace slope::nn::init {

// torch's _calculate_fan_in_and_fan_out: dim 1 is fan in, dim 0 fan out, both times the product of
// the remaining (receptive field) dims. At least 2 dims.
struct Fans {
  int64_t fan_in, fan_out;
};
Fans calculate_fans(const Shape& shape);
// torch.nn.init.calculate_gain: linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid -> 1;
// tanh -> 5/3; relu -> sqrt(2); leaky_relu -> sqrt(2 / (1 + slope^2)) (slope 0.01 by default);
// selu -> 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

Tensor uniform(const Tensor& key, const Shape& shape, double a = 0.0, double b = 1.0, DType dtype = kDefaultFloat);
Tensor normal(const Tensor& key, const Shape& shape, double mean = 0.0, double std = 1.0, DType dtype = kDefaultFloat);
Tensor constant(const Shape& shape, double value, DType dtype = kDefaultFloat);
Tensor zeros(const Shape& shape, DType dtype = kDefaultFloat);
Tensor ones(const Shape& shape, DType dtype = kDefaultFloat);

// Glorot: bound gain * sqrt(6 / (fan_in + fan_out)), std gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_uniform(const Tensor& key, const Shape& shape, double gain = 1.0, DType dtype = kDefaultFloat);
Tensor xavier_normal(const Tensor& key, const Shape& shape, double gain = 1.0, DType dtype = kDefaultFloat);

// He: std = gain(nonlinearity, a) / sqrt(fan), fan chosen by mode; uniform bound sqrt(3) * std.
enum class FanMode { fan_in, fan_out };
struct KaimingOptions {
  double a = 0.0;  // the negative slope of leaky_relu
  FanMode mode = FanMode::fan_in;
  std::string nonlinearity = "leaky_relu";
  DType dtype = kDefaultFloat;
};
Tensor kaiming_uniform(const Tensor& key, const Shape& shape, const KaimingOptions& o = {});
Tensor kaiming_normal(const Tensor& key, const Shape& shape, const KaimingOptions& o = {});

// The bias bound PyTorch's layers use: 1 / sqrt(fan_in), 0 when fan_in is 0.
double bias_bound(int64_t fan_in);

}  // namespace slope::nn::init
