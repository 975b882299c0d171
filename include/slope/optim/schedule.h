#pragma once
// Learning-rate schedules (torch.optim.lr_scheduler) as functions of the step count: the learning
// rate of update number `step` (0 for the first update) given the optimizer's base rate. The step
// is a tensor held in the optimizer's state, so a jitted training step computes its rate inside
// the program and never retraces. Each equals torch's scheduler stepped once per update.
//
//   slope::optim::SGD opt({.lr = 0.1, .schedule = slope::optim::CosineAnnealingLR{.T_max = 1000}});
#include <cstdint>
#include <functional>
#include <vector>

#include "slope/tensor.h"

namespace slope::optim {

// Any callable (base_lr, step) -> learning rate (a 0-d floating tensor, computed from the step).
using Schedule = std::function<Tensor(double base_lr, const Tensor& step)>;

// base_lr * gamma ^ floor(step / step_size)
struct StepLR {
  int64_t step_size;
  double gamma = 0.1;
  Tensor operator()(double base_lr, const Tensor& step) const;
};
// base_lr * gamma ^ (number of milestones <= step)
struct MultiStepLR {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  Tensor operator()(double base_lr, const Tensor& step) const;
};
// base_lr * gamma ^ step
struct ExponentialLR {
  double gamma;
  Tensor operator()(double base_lr, const Tensor& step) const;
};
// eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2 (periodic past T_max, like torch's)
struct CosineAnnealingLR {
  int64_t T_max;
  double eta_min = 0.0;
  Tensor operator()(double base_lr, const Tensor& step) const;
};
// base_lr * (start_factor + (end_factor - start_factor) * min(step, total_iters) / total_iters)
struct LinearLR {
  double start_factor = 1.0 / 3.0;
  double end_factor = 1.0;
  int64_t total_iters = 5;
  Tensor operator()(double base_lr, const Tensor& step) const;
};
// LinearLR from start_factor up to base_lr over warmup_steps, then CosineAnnealingLR down to eta_min
// over the remaining total_steps - warmup_steps: torch's
// SequentialLR([LinearLR(start_factor, total_iters=warmup_steps), CosineAnnealingLR(T_max=total_steps - warmup_steps, eta_min)],
//              milestones=[warmup_steps]).
struct WarmupCosineLR {
  int64_t warmup_steps;
  int64_t total_steps;
  double start_factor = 1.0 / 3.0;
  double eta_min = 0.0;
  Tensor operator()(double base_lr, const Tensor& step) const;
};

}  // namespace slope::optim
