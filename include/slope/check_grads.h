#pragma once
// check_grads: numerical verification of a function's derivatives, like jax.test_util.check_grads.
// Forward mode: the JVP along a random direction is compared with central differences in f64.
// Reverse mode: the VJP is checked through <c, J t> = <J^T c, t>. order = 2 repeats both checks
// on the derivative functions themselves. Throws slope::Error describing the first mismatch.
#include <functional>
#include <vector>

#include "slope/tensor.h"

namespace slope {

enum class GradModes { forward, reverse, both };

struct CheckGradsOptions {
  int order = 2;
  GradModes modes = GradModes::both;
  double eps = 1e-4;   // finite-difference step (in f64)
  double atol = 1e-5;  // tolerances of the comparisons
  double rtol = 1e-4;
  uint64_t seed = 0;   // of the random directions
};

using TensorFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
void check_grads(const TensorFn& f, const std::vector<Tensor>& args, const CheckGradsOptions& options = {});

// Convenience for f(Tensor, ...) -> Tensor with 1-3 arguments.
template <class F>
void check_grads(F f, const std::vector<Tensor>& args, int order, GradModes modes = GradModes::both) {
  CheckGradsOptions o;
  o.order = order;
  o.modes = modes;
  TensorFn flat = [f](const std::vector<Tensor>& a) -> std::vector<Tensor> {
    if constexpr (std::is_invocable_v<F, Tensor>) return {Tensor(f(a.at(0)))};
    else if constexpr (std::is_invocable_v<F, Tensor, Tensor>) return {Tensor(f(a.at(0), a.at(1)))};
    else return {Tensor(f(a.at(0), a.at(1), a.at(2)))};
  };
  check_grads(flat, args, o);
}

}  // namespace slope
