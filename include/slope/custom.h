#pragma once
// Functions with their own derivative rules, and rematerialisation.
//   custom_jvp(f, rule): f's forward-mode derivative is rule(primals, tangents) -> (outputs, tangents);
//                        reverse mode transposes the rule's (linear) tangent computation.
//   custom_vjp(f, fwd, bwd): fwd(primals) -> (outputs, residuals); bwd(residuals, cotangents) ->
//                        input cotangents. Reverse mode only (like JAX).
//   checkpoint(f): derivatives recompute f's internals instead of storing them.
// The flat forms take and return lists of tensors; the Tensor -> Tensor forms are shorthands.
#include <functional>
#include <utility>
#include <vector>

#include "slope/tensor.h"

namespace slope {

using Tensors = std::vector<Tensor>;
using TensorsFn = std::function<Tensors(const Tensors&)>;
using JvpRuleFn = std::function<std::pair<Tensors, Tensors>(const Tensors& primals, const Tensors& tangents)>;
using FwdFn = std::function<std::pair<Tensors, Tensors>(const Tensors& primals)>;  // (outputs, residuals)
using BwdFn = std::function<Tensors(const Tensors& residuals, const Tensors& cotangents)>;

TensorsFn custom_jvp(TensorsFn f, JvpRuleFn rule, std::string name = "custom_jvp");
TensorsFn custom_vjp(TensorsFn f, FwdFn fwd, BwdFn bwd, std::string name = "custom_vjp");
TensorsFn checkpoint(TensorsFn f, std::string name = "checkpoint");

// Tensor -> Tensor shorthands.
std::function<Tensor(const Tensor&)> custom_jvp(std::function<Tensor(const Tensor&)> f,
                                                std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&)> rule);
std::function<Tensor(const Tensor&)> custom_vjp(std::function<Tensor(const Tensor&)> f,
                                                std::function<std::pair<Tensor, Tensors>(const Tensor&)> fwd,
                                                std::function<Tensor(const Tensors&, const Tensor&)> bwd);
std::function<Tensor(const Tensor&)> checkpoint(std::function<Tensor(const Tensor&)> f);

namespace detail {
// custom_jvp applied at once, for callers that know f's output types (the library's own
// procedures: no trace of f to find them). With no transformation active, f just runs.
Tensors call_custom_jvp(const TensorsFn& f, const JvpRuleFn& rule, const std::string& name, std::vector<AVal> out,
                        const Tensors& in);
}  // namespace detail

}  // namespace slope
