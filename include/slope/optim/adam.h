#pragma once
// optim::Adam and optim::AdamW: torch.optim.Adam / AdamW's updates (bias correction, eps outside the
// square root, amsgrad, maximize; Adam's weight decay is L2 on the gradient, AdamW's is decoupled),
// functional.
//
// Per trainable parameter p with gradient g, at update t = 1, 2, ...:
//   g <- -g if maximize
//   Adam:  g <- g + weight_decay * p          AdamW:  p <- p * (1 - lr_t * weight_decay)
//   m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
//   vmax <- max(vmax, v) if amsgrad (and used for v below)
//   p <- p - (lr_t / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <map>
#include <string>
#include <utility>

#include "slope/optim/optimizer.h"

namespace slope::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  Schedule schedule = {};
  nn::Filter frozen = {};
};
// AdamW's options: Adam's, with torch's AdamW default weight_decay.
struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
  Schedule schedule = {};
  nn::Filter frozen = {};
};

struct AdamState {
  Tensor step;                                    // i64 0-d: updates done
  std::map<std::string, Tensor> exp_avg;          // m, by parameter name
  std::map<std::string, Tensor> exp_avg_sq;       // v
  std::map<std::string, Tensor> max_exp_avg_sq;   // amsgrad only
};

class Adam {
 public:
  explicit Adam(AdamOptions options = {});

  template <class P> AdamState init(const P& params) const { return init_slots(detail::slots(params, options_.frozen)); }
  template <class P> std::pair<P, AdamState> update(const P& params, const P& grads, const AdamState& state) const {
    detail::Slots s = detail::slots(params, grads, options_.frozen, name());
    AdamState next = update_slots(s, state);
    return {tree_unflatten(params, s.params), std::move(next)};
  }
  Tensor lr(const AdamState& state) const;
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(AdamOptions options, bool decoupled);
  const char* name() const { return decoupled_ ? "AdamW" : "Adam"; }
  AdamState init_slots(const detail::Slots& s) const;
  AdamState update_slots(detail::Slots& s, const AdamState& state) const;  // updates s.params

 private:
  AdamOptions options_;
  bool decoupled_ = false;
};

class AdamW : public Adam {
 public:
  explicit AdamW(const AdamWOptions& o = {});
};

}  // namespace slope::optim

SLOPE_PYTREE(slope::optim::AdamState, step, exp_avg, exp_avg_sq, max_exp_avg_sq)
