#include "slope/nn/linear.h"

#include "nn/repr.h"
#include "slope/nn/init.h"
#include "slope/nn_functional.h"
#include "slope/random.h"

namespace slope::nn {

Linear::Linear(int64_t in_features, int64_t out_features, const Tensor& key, const LinearOptions& o) {
  check(in_features >= 0 && out_features >= 0, "Linear", "in_features and out_features must be >= 0, got ", in_features,
        " and ", out_features);
  auto [kw, kb] = random::split(key);
  weight = init::kaiming_uniform(kw, {out_features, in_features}, {.a = std::sqrt(5.0), .dtype = o.dtype});
  if (o.bias) {
    double bound = init::bias_bound(in_features);
    bias = init::uniform(kb, {out_features}, -bound, bound, o.dtype);
  }
}

Tensor Linear::operator()(const Tensor& x) const {
  check(x.ndim() >= 1 && x.shape(-1) == in_features(), "Linear", "expected input [..., ", in_features(), "], got ",
        to_string(x.aval()));
  return linear(x, weight, bias);
}

std::string Linear::repr() const {
  return "Linear(in_features=" + std::to_string(in_features()) + ", out_features=" + std::to_string(out_features()) +
         ", bias=" + detail::py_bool(bias.has_value()) + ")";
}

}  // namespace slope::nn
