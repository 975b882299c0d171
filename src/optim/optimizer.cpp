#include "slope/optim/optimizer.h"

#include <set>

#include "slope/ops.h"

namespace slope::optim::detail {

void check_unique_names(const char* op, const Slots& s) {
  std::set<std::string> seen;
  for (size_t i = 0; i < s.params.size(); ++i)
    if (s.trainable[i] && !seen.insert(s.names[i]).second)
      fail(op, "two parameters are named '", s.names[i], "': state is kept by name, so names must be unique");
}

NamedState zeros_for(const char* op, const Slots& s) {
  check_unique_names(op, s);
  NamedState m;
  for (size_t i = 0; i < s.params.size(); ++i)
    if (s.trainable[i]) m.emplace(s.names[i], zeros_like(s.params[i]));
  return m;
}

void check_state(const char* op, const char* what, const NamedState& m, const Slots& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (!s.trainable[i]) continue;
    ++n;
    auto it = m.find(s.names[i]);
    if (it == m.end())
      fail(op, "the state's ", what, " has no entry for '", s.names[i],
           "': the state was made for other parameters (call init on these)");
    check(it->second.defined() && it->second.shape() == s.params[i].shape(), op, "the state's ", what, " for '",
          s.names[i], "' has shape ", it->second.defined() ? to_string(it->second.shape()) : std::string("(empty)"),
          ", the parameter ", to_string(s.params[i].shape()));
  }
  check(m.size() == n, op, "the state's ", what, " has ", m.size(), " entries for ", n,
        " trainable parameters: it was made for other parameters (or another frozen filter)");
}

void check_grads(const char* op, const Slots& s) {
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (!s.trainable[i]) continue;
    const Tensor& g = s.grads[i];
    check(g.defined() && g.shape() == s.params[i].shape() && g.dtype() == s.params[i].dtype(), op, "the gradient of '",
          s.names[i], "' is ", g.defined() ? to_string(g.aval()) : std::string("an empty handle"), ", the parameter ",
          to_string(s.params[i].aval()));
  }
}

Tensor check_step(const char* op, const Tensor& step) {
  check(step.defined() && step.ndim() == 0 && step.dtype() == i64, op,
        "the state's step must be a 0-d i64 tensor (made by init), got ",
        step.defined() ? to_string(step.aval()) : std::string("an empty handle"));
  return step;
}

Tensor learning_rate(double lr, const Schedule& schedule, const Tensor& step) {
  if (!schedule) return full({}, lr, f64);
  Tensor r = schedule(lr, step);
  check(r.defined() && r.ndim() == 0 && is_floating(r.dtype()), "schedule",
        "a learning-rate schedule must return a 0-d floating tensor, got ",
        r.defined() ? to_string(r.aval()) : std::string("an empty handle"));
  return r.cast(f64);
}

}  // namespace slope::optim::detail
