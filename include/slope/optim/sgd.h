#pragma once
// optim::SGD: torch.optim.SGD's update (momentum with dampening, Nesterov, L2 weight decay,
// maximize), functional.
//
//   slope::optim::SGD opt({.lr = 0.01, .momentum = 0.9, .weight_decay = 1e-4});
//   auto state = opt.init(model);
//   auto [model2, state2] = opt.update(model, grads, state);
//
// Per trainable parameter p with gradient g, at update t (0-based):
//   g <- -g if maximize;  g <- g + weight_decay * p
//   b <- g if t == 0, else momentum * b + (1 - dampening) * g     (when momentum != 0)
//   g <- g + momentum * b if nesterov, else b
//   p <- p - lr_t * g
#include <map>
#include <string>
#include <utility>

#include "slope/optim/optimizer.h"

namespace slope::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  Schedule schedule = {};  // lr_t = schedule(lr, t); none: lr
  nn::Filter frozen = {};  // parameters to leave unchanged
};

struct SGDState {
  Tensor step;                                     // i64 0-d: updates done
  std::map<std::string, Tensor> momentum_buffer;   // by parameter name; empty without momentum
};

class SGD {
 public:
  explicit SGD(SGDOptions options = {});

  template <class P> SGDState init(const P& params) const { return init_slots(detail::slots(params, options_.frozen)); }

  template <class P> std::pair<P, SGDState> update(const P& params, const P& grads, const SGDState& state) const {
    detail::Slots s = detail::slots(params, grads, options_.frozen, "SGD");
    SGDState next = update_slots(s, state);
    return {tree_unflatten(params, s.params), std::move(next)};
  }

  // The learning rate the next update will use.
  Tensor lr(const SGDState& state) const;
  const SGDOptions& options() const { return options_; }

 private:
  SGDState init_slots(const detail::Slots& s) const;
  SGDState update_slots(detail::Slots& s, const SGDState& state) const;  // updates s.params
  SGDOptions options_;
};

}  // namespace slope::optim

SLOPE_PYTREE(slope::optim::SGDState, step, momentum_buffer)
