#include "slope/nn/activation.h"

#include <cmath>

#include "nn/repr.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"

namespace slope::nn {

Tensor ReLU::operator()(const Tensor& x) const { return relu(x); }
Tensor SiLU::operator()(const Tensor& x) const { return silu(x); }
Tensor Tanh::operator()(const Tensor& x) const { return tanh(x); }
Tensor Sigmoid::operator()(const Tensor& x) const { return sigmoid(x); }
Tensor Identity::operator()(const Tensor& x) const { return x; }

Tensor LeakyReLU::operator()(const Tensor& x) const { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::repr() const { return "LeakyReLU(negative_slope=" + detail::py_float(negative_slope) + ")"; }

Tensor ELU::operator()(const Tensor& x) const { return elu(x, alpha); }
std::string ELU::repr() const { return "ELU(alpha=" + detail::py_float(alpha) + ")"; }

Tensor GELU::operator()(const Tensor& x) const {
  check(approximate == "none" || approximate == "tanh", "GELU", "approximate must be 'none' or 'tanh', got '",
        approximate, "'");
  return gelu(x, approximate == "tanh");
}
std::string GELU::repr() const { return "GELU(approximate='" + approximate + "')"; }

Tensor Softplus::operator()(const Tensor& x) const { return softplus(x, beta, threshold); }
std::string Softplus::repr() const {
  // torch's defaults are the ints 1 and 20, printed without a decimal point.
  auto num = [](double v) { return v == std::floor(v) && std::abs(v) < 1e15 ? std::to_string(static_cast<int64_t>(v)) : detail::py_float(v); };
  return "Softplus(beta=" + num(beta) + ", threshold=" + num(threshold) + ")";
}

Tensor Softmax::operator()(const Tensor& x) const { return softmax(x, dim); }
std::string Softmax::repr() const { return "Softmax(dim=" + std::to_string(dim) + ")"; }

Tensor LogSoftmax::operator()(const Tensor& x) const { return log_softmax(x, dim); }
std::string LogSoftmax::repr() const { return "LogSoftmax(dim=" + std::to_string(dim) + ")"; }

Tensor Flatten::operator()(const Tensor& x) const {
  // A 0-d input flattens to [1], like torch.
  return x.ndim() == 0 ? x.reshape({1}) : flatten(x, start_dim, end_dim);
}
std::string Flatten::repr() const {
  return "Flatten(start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim) + ")";
}

}  // namespace slope::nn
