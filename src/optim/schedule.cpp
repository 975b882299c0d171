// Schedules computed in f64 from an integer step tensor: every operation is a tensor operation, so
// the same code runs eagerly and inside a jitted step.
#include "slope/optim/schedule.h"

#include <cmath>
#include <numbers>

#include "slope/ops.h"

namespace slope::optim {

namespace {

Tensor as_step(const char* op, const Tensor& step) {
  check(step.defined() && step.ndim() == 0 && (is_integral(step.dtype()) || is_floating(step.dtype())), op,
        "the step must be a 0-d number tensor, got ", step.defined() ? to_string(step.aval()) : std::string("an empty handle"));
  return step.cast(f64);
}

Tensor cosine(double base_lr, double eta_min, int64_t t_max, const Tensor& t) {
  Tensor c = cos(t * (std::numbers::pi / static_cast<double>(t_max)));
  return eta_min + (base_lr - eta_min) * (1.0 + c) * 0.5;
}

}  // namespace

Tensor StepLR::operator()(double base_lr, const Tensor& step) const {
  check(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
  Tensor t = as_step("StepLR", step);
  return base_lr * pow(full({}, gamma, f64), floor(t / static_cast<double>(step_size)));
}

Tensor MultiStepLR::operator()(double base_lr, const Tensor& step) const {
  for (size_t i = 1; i < milestones.size(); ++i)
    check(milestones[i - 1] <= milestones[i], "MultiStepLR", "milestones must be increasing");
  Tensor t = as_step("MultiStepLR", step);
  Tensor passed = zeros({}, f64);
  for (int64_t m : milestones) passed = passed + (t >= static_cast<double>(m)).cast(f64);
  return base_lr * pow(full({}, gamma, f64), passed);
}

Tensor ExponentialLR::operator()(double base_lr, const Tensor& step) const {
  return base_lr * pow(full({}, gamma, f64), as_step("ExponentialLR", step));
}

Tensor CosineAnnealingLR::operator()(double base_lr, const Tensor& step) const {
  check(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
  return cosine(base_lr, eta_min, T_max, as_step("CosineAnnealingLR", step));
}

Tensor LinearLR::operator()(double base_lr, const Tensor& step) const {
  check(total_iters > 0, "LinearLR", "total_iters must be positive, got ", total_iters);
  check(start_factor > 0 && start_factor <= 1 && end_factor >= 0 && end_factor <= 1, "LinearLR",
        "start_factor must be in (0, 1] and end_factor in [0, 1], got ", start_factor, " and ", end_factor);
  Tensor t = minimum(as_step("LinearLR", step), full({}, static_cast<double>(total_iters), f64));
  return base_lr * (start_factor + (end_factor - start_factor) * t / static_cast<double>(total_iters));
}

Tensor WarmupCosineLR::operator()(double base_lr, const Tensor& step) const {
  check(warmup_steps > 0 && total_steps > warmup_steps, "WarmupCosineLR",
        "needs 0 < warmup_steps < total_steps, got warmup_steps ", warmup_steps, ", total_steps ", total_steps);
  Tensor t = as_step("WarmupCosineLR", step);
  Tensor warm = LinearLR{.start_factor = start_factor, .end_factor = 1.0, .total_iters = warmup_steps}(base_lr, step);
  Tensor cool = cosine(base_lr, eta_min, total_steps - warmup_steps, t - static_cast<double>(warmup_steps));
  return where(t < static_cast<double>(warmup_steps), warm, cool);
}

}  // namespace slope::optim
