#include "slope/optim/sgd.h"

#include "slope/ops.h"

namespace slope::optim {

SGD::SGD(SGDOptions o) : options_(std::move(o)) {
  check(options_.lr >= 0, "SGD", "lr must be >= 0, got ", options_.lr);
  check(options_.momentum >= 0, "SGD", "momentum must be >= 0, got ", options_.momentum);
  check(options_.weight_decay >= 0, "SGD", "weight_decay must be >= 0, got ", options_.weight_decay);
  check(!options_.nesterov || (options_.momentum > 0 && options_.dampening == 0), "SGD",
        "Nesterov momentum requires a momentum and zero dampening, got momentum ", options_.momentum, ", dampening ",
        options_.dampening);
}

SGDState SGD::init_slots(const detail::Slots& s) const {
  SGDState st{full({}, int64_t{0}, i64), {}};
  detail::check_unique_names("SGD", s);
  if (options_.momentum != 0) st.momentum_buffer = detail::zeros_for("SGD", s);
  return st;
}

Tensor SGD::lr(const SGDState& state) const {
  return detail::learning_rate(options_.lr, options_.schedule, detail::check_step("SGD", state.step));
}

SGDState SGD::update_slots(detail::Slots& s, const SGDState& state) const {
  const SGDOptions& o = options_;
  Tensor step = detail::check_step("SGD", state.step);
  detail::check_grads("SGD", s);
  if (o.momentum != 0) detail::check_state("SGD", "momentum_buffer", state.momentum_buffer, s);
  Tensor lr = this->lr(state);
  Tensor first = step == int64_t{0};
  SGDState next{step + int64_t{1}, {}};
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (!s.trainable[i]) continue;
    const Tensor& p = s.params[i];
    Tensor g = o.maximize ? -s.grads[i] : s.grads[i];
    if (o.weight_decay != 0) g = g + p * o.weight_decay;
    if (o.momentum != 0) {
      // The first update starts the buffer at g itself (torch clones it), undamped.
      const Tensor& b = state.momentum_buffer.at(s.names[i]);
      Tensor buf = where(first, g, b * o.momentum + g * (1.0 - o.dampening));
      next.momentum_buffer.emplace(s.names[i], buf);
      g = o.nesterov ? g + buf * o.momentum : buf;
    }
    s.params[i] = p - g * lr.cast(p.dtype());
  }
  return next;
}

}  // namespace slope::optim
