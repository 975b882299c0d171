#pragma once
// Normalisation layers: BatchNorm1d/2d/3d and LayerNorm, with torch.nn's parameters, buffers,
// names and defaults.
//
// BatchNorm is stateful: its running statistics are buffers, updated functionally. The training
// call returns the output and the layer with its new statistics; nothing is mutated.
//
//   slope::nn::BatchNorm2d bn(16);
//   auto [y, bn2] = bn(x, /*train=*/true);   // batch statistics; bn2 has the updated running ones
//   Tensor z = bn2(x);                       // evaluation: the running statistics
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slope/nn/module.h"

namespace slope::nn {

struct BatchNormConfig {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;  // nullopt: a cumulative average (1 / num_batches_tracked)
  bool affine = true;
  bool track_running_stats = true;
  DType dtype = kDefaultFloat;
};

// D is the layer's dimensionality: BatchNorm1d takes [N, C] or [N, C, L], BatchNorm2d [N, C, H, W],
// BatchNorm3d [N, C, D, H, W].
template <size_t D> struct BatchNorm {
  std::optional<Tensor> weight, bias;                          // [C]: ones, zeros
  std::optional<Buffer> running_mean, running_var;             // [C]: zeros, ones
  std::optional<Buffer> num_batches_tracked;                   // i64 scalar
  int64_t num_features = 0;
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;

  BatchNorm() = default;
  explicit BatchNorm(int64_t num_features, const BatchNormConfig& c = {});
  // Evaluation: normalises with the running statistics (batch statistics when they are not tracked).
  Tensor operator()(const Tensor& x) const;
  // train: batch statistics, and the layer with running_mean/var updated as torch does (momentum,
  // unbiased batch variance) and num_batches_tracked + 1. !train: the evaluation call, layer unchanged.
  std::pair<Tensor, BatchNorm> operator()(const Tensor& x, bool train) const;
  std::string repr() const;  // "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
};
using BatchNorm1d = BatchNorm<1>;
using BatchNorm2d = BatchNorm<2>;
using BatchNorm3d = BatchNorm<3>;

struct LayerNormConfig {
  double eps = 1e-5;
  bool elementwise_affine = true;
  DType dtype = kDefaultFloat;
};

// Normalises over the trailing dims `normalized_shape`.
struct LayerNorm {
  std::optional<Tensor> weight, bias;  // normalized_shape: ones, zeros
  std::vector<int64_t> normalized_shape;
  double eps = 1e-5;

  LayerNorm() = default;
  explicit LayerNorm(std::vector<int64_t> normalized_shape, const LayerNormConfig& c = {});
  explicit LayerNorm(int64_t normalized_size, const LayerNormConfig& c = {})
      : LayerNorm(std::vector<int64_t>{normalized_size}, c) {}
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "LayerNorm((8,), eps=1e-05, elementwise_affine=True)"
};

namespace detail {
const char* batch_norm_name(size_t d);
}

}  // namespace slope::nn

namespace slope {
template <size_t D> struct PyTreeFields<nn::BatchNorm<D>> {
  static auto tie(nn::BatchNorm<D>& b) {
    return std::tie(b.weight, b.bias, b.running_mean, b.running_var, b.num_batches_tracked, b.num_features, b.eps,
                    b.momentum);
  }
  static const char* name() { return nn::detail::batch_norm_name(D); }
  static const char* field_names() {
    return "weight, bias, running_mean, running_var, num_batches_tracked, num_features, eps, momentum";
  }
};
}  // namespace slope

SLOPE_PYTREE(slope::nn::LayerNorm, weight, bias, normalized_shape, eps)
