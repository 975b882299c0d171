#pragma once
// nn::Dropout: zeroes elements with probability p and scales the rest by 1/(1-p) when training,
// with an explicit key; the identity in evaluation (no key needed).
//
//   slope::nn::Dropout drop(0.1);
//   Tensor y = drop(x, key);      // training
//   Tensor z = drop(x);           // evaluation: z is x
#include <string>

#include "slope/nn/module.h"

namespace slope::nn {

struct Dropout {
  double p = 0.5;

  explicit Dropout(double p = 0.5);
  Tensor operator()(const Tensor& x) const { return x; }
  Tensor operator()(const Tensor& x, const Tensor& key, bool train = true) const;
  std::string repr() const;  // "Dropout(p=0.5)"
};

}  // namespace slope::nn

SLOPE_PYTREE(slope::nn::Dropout, p)
