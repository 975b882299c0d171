#include "slope/optim/adam.h"

#include "slope/ops.h"

namespace slope::optim {

Adam::Adam(AdamOptions o) : Adam(std::move(o), false) {}

Adam::Adam(AdamOptions o, bool decoupled) : options_(std::move(o)), decoupled_(decoupled) {
  const char* op = name();
  check(options_.lr >= 0, op, "lr must be >= 0, got ", options_.lr);
  check(options_.eps >= 0, op, "eps must be >= 0, got ", options_.eps);
  check(options_.betas.first >= 0 && options_.betas.first < 1 && options_.betas.second >= 0 && options_.betas.second < 1,
        op, "betas must be in [0, 1), got (", options_.betas.first, ", ", options_.betas.second, ")");
  check(options_.weight_decay >= 0, op, "weight_decay must be >= 0, got ", options_.weight_decay);
}

AdamW::AdamW(const AdamWOptions& o)
    : Adam(AdamOptions{o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad, o.maximize, o.schedule, o.frozen}, true) {}

AdamState Adam::init_slots(const detail::Slots& s) const {
  AdamState st{full({}, int64_t{0}, i64), detail::zeros_for(name(), s), detail::zeros_for(name(), s), {}};
  if (options_.amsgrad) st.max_exp_avg_sq = detail::zeros_for(name(), s);
  return st;
}

Tensor Adam::lr(const AdamState& state) const {
  return detail::learning_rate(options_.lr, options_.schedule, detail::check_step(name(), state.step));
}

AdamState Adam::update_slots(detail::Slots& s, const AdamState& state) const {
  const AdamOptions& o = options_;
  const char* op = name();
  Tensor step = detail::check_step(op, state.step);
  detail::check_grads(op, s);
  detail::check_state(op, "exp_avg", state.exp_avg, s);
  detail::check_state(op, "exp_avg_sq", state.exp_avg_sq, s);
  if (o.amsgrad) detail::check_state(op, "max_exp_avg_sq", state.max_exp_avg_sq, s);
  auto [beta1, beta2] = o.betas;
  Tensor lr = this->lr(state);
  // Scalars in f64 from the step tensor (torch computes them as Python floats), each cast once to
  // the parameter's dtype.
  Tensor t = (step + int64_t{1}).cast(f64);
  Tensor step_size = lr / (1.0 - pow(full({}, beta1, f64), t));
  Tensor bc2_sqrt = sqrt(1.0 - pow(full({}, beta2, f64), t));
  Tensor decay = 1.0 - lr * o.weight_decay;
  AdamState next{step + int64_t{1}, {}, {}, {}};
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (!s.trainable[i]) continue;
    const std::string& n = s.names[i];
    Tensor p = s.params[i];
    DType dt = p.dtype();
    Tensor g = o.maximize ? -s.grads[i] : s.grads[i];
    if (o.weight_decay != 0) {
      if (decoupled_) p = p * decay.cast(dt);
      else g = g + p * o.weight_decay;
    }
    Tensor m = state.exp_avg.at(n) * beta1 + g * (1.0 - beta1);
    Tensor v = state.exp_avg_sq.at(n) * beta2 + g * (1.0 - beta2) * g;
    next.exp_avg.emplace(n, m);
    next.exp_avg_sq.emplace(n, v);
    if (o.amsgrad) {
      v = maximum(state.max_exp_avg_sq.at(n), v);
      next.max_exp_avg_sq.emplace(n, v);
    }
    Tensor denom = sqrt(v) / bc2_sqrt.cast(dt) + o.eps;
    s.params[i] = p - m * step_size.cast(dt) / denom;
  }
  return next;
}

}  // namespace slope::optim
