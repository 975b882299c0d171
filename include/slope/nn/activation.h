#pragma once
// Activation layers and the other parameter-free layers (torch.nn.ReLU, GELU, ..., Identity,
// Flatten): modules with static configuration only, so they sit in a Sequential.
#include <string>

#include "slope/nn/module.h"

namespace slope::nn {

namespace detail {
// Layers with neither tensors nor configuration are pytrees with no leaves (SLOPE_PYTREE needs a
// field); the name keeps them apart in tree_structure, and so in jit's cache key.
template <class T> concept Stateless = requires { { T::type_name } -> std::convertible_to<const char*>; };
}  // namespace detail

#define SLOPE_NN_STATELESS(Name)                                          \
  struct Name {                                                         \
    static constexpr const char* type_name = #Name;                     \
    Tensor operator()(const Tensor& x) const;                           \
    std::string repr() const { return std::string(#Name) + "()"; }      \
  };
SLOPE_NN_STATELESS(ReLU)
SLOPE_NN_STATELESS(SiLU)
SLOPE_NN_STATELESS(Tanh)
SLOPE_NN_STATELESS(Sigmoid)
SLOPE_NN_STATELESS(Identity)
#undef SLOPE_NN_STATELESS

struct LeakyReLU {
  double negative_slope = 0.01;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "LeakyReLU(negative_slope=0.01)"
};
struct ELU {
  double alpha = 1.0;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;
};
struct GELU {
  std::string approximate = "none";  // or "tanh"
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "GELU(approximate='none')"
};
struct Softplus {
  double beta = 1.0, threshold = 20.0;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;
};
struct Softmax {
  int64_t dim = -1;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "Softmax(dim=-1)"
};
struct LogSoftmax {
  int64_t dim = -1;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;
};
// Flattens dims start_dim..end_dim into one (torch.nn.Flatten keeps the batch dim by default).
struct Flatten {
  int64_t start_dim = 1, end_dim = -1;
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "Flatten(start_dim=1, end_dim=-1)"
};

}  // namespace slope::nn

namespace slope {
template <nn::detail::Stateless T> struct PyTree<T> {
  static void flatten(const T&, std::vector<Tensor>&) {}
  static T unflatten(const T& proto, const Tensor*&) { return proto; }
  static void structure(const T&, std::string& s) { s += T::type_name; }
  static void paths(const T&, const std::string&, std::vector<std::string>&) {}
};
}  // namespace slope

SLOPE_PYTREE(slope::nn::LeakyReLU, negative_slope)
SLOPE_PYTREE(slope::nn::ELU, alpha)
SLOPE_PYTREE(slope::nn::GELU, approximate)
SLOPE_PYTREE(slope::nn::Softplus, beta, threshold)
SLOPE_PYTREE(slope::nn::Softmax, dim)
SLOPE_PYTREE(slope::nn::LogSoftmax, dim)
SLOPE_PYTREE(slope::nn::Flatten, start_dim, end_dim)
