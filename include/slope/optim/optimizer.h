#pragma once
// What every optimizer shares (optax's gradient transformations, with PyTorch's update formulas):
// init(params) -> state, a pytree of tensors; update(params, grads, state) -> (new params, new
// state), pure, so one jitted training step holds forward, backward and update. Everything that
// changes per step (the step count, so the scheduled learning rate) is a tensor in the state: a
// jitted step never retraces. State entries are keyed by parameter name ("fc1.weight").
//
// An optimizer updates the floating-point parameters of the tree: buffers (BatchNorm statistics),
// integer leaves and the leaves its `frozen` filter selects are returned unchanged and get no state.
#include <map>
#include <string>
#include <vector>

#include "slope/nn/module.h"
#include "slope/optim/schedule.h"
#include "slope/pytree.h"

namespace slope::optim {

namespace detail {

// The flat view of a parameter tree an optimizer works on.
struct Slots {
  std::vector<std::string> names;
  std::vector<Tensor> params, grads;
  std::vector<bool> trainable;
};

template <class P> Slots slots(const P& params, const nn::Filter& frozen) {
  return Slots{tree_paths(params), tree_leaves(params), {}, nn::trainable_mask(params, frozen)};
}
template <class P> Slots slots(const P& params, const P& grads, const nn::Filter& frozen, const char* op) {
  std::string ps = tree_structure(params), gs = tree_structure(grads);
  if (ps != gs) fail(op, "the gradients must have the parameters' structure: ", ps, " vs ", gs);
  Slots s = slots(params, frozen);
  s.grads = tree_leaves(grads);
  return s;
}

using NamedState = std::map<std::string, Tensor>;
// State is kept by name, so trainable names must be unique.
void check_unique_names(const char* op, const Slots& s);
// zeros_like every trainable parameter, keyed by name.
NamedState zeros_for(const char* op, const Slots& s);
// The state must hold exactly the trainable parameters' names (it was made by init on this tree).
void check_state(const char* op, const char* what, const NamedState& m, const Slots& s);
// Checks each trainable gradient against its parameter (shape, dtype).
void check_grads(const char* op, const Slots& s);
// The learning rate of update number `step` (f64, 0-d): the schedule's or the constant.
Tensor learning_rate(double lr, const Schedule& schedule, const Tensor& step);
Tensor check_step(const char* op, const Tensor& step);

}  // namespace detail

}  // namespace slope::optim
