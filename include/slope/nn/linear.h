#pragma once
// nn::Linear: y = x W^T + b, with torch.nn.Linear's parameters, names and initialisation.
#include <optional>
#include <string>

#include "slope/nn/module.h"

namespace slope::nn {

struct LinearOptions {
  bool bias = true;
  DType dtype = kDefaultFloat;
};

struct Linear {
  Tensor weight;               // [out_features, in_features]
  std::optional<Tensor> bias;  // [out_features]

  Linear() = default;
  // weight ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)), bias the same bound.
  Linear(int64_t in_features, int64_t out_features, const Tensor& key, const LinearOptions& o = {});
  Tensor operator()(const Tensor& x) const;  // x [..., in_features] -> [..., out_features]
  int64_t in_features() const { return weight.shape(1); }
  int64_t out_features() const { return weight.shape(0); }
  std::string repr() const;  // "Linear(in_features=4, out_features=2, bias=True)"
};

}  // namespace slope::nn

SLOPE_PYTREE(slope::nn::Linear, weight, bias)
