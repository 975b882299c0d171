// A model, an optimizer and a learning-rate schedule in one jitted training step
// (docs/nn.md walks through it). The task: three interleaved spirals in the plane.
#include <slope/slope.h>

#include <cmath>
#include <iostream>
#include <numbers>

namespace nn = slope::nn;
namespace optim = slope::optim;
using slope::Tensor;

// A model is a struct of layers, registered as a pytree: grad, jit and the optimizer take it whole.
struct Classifier {
  nn::Sequential<nn::Linear, nn::BatchNorm1d, nn::ReLU, nn::Dropout, nn::Linear> body;
  nn::Linear head;

  Tensor operator()(const Tensor& x) const { return head(nn::relu(body(x))); }  // evaluation
  // Training: Dropout draws from `key`; BatchNorm's new running statistics come back in the model.
  std::pair<Tensor, Classifier> operator()(const Tensor& x, const Tensor& key) const {
    auto [h, body2] = body(x, /*train=*/true, key);
    return {head(nn::relu(h)), Classifier{body2, head}};
  }
};
SLOPE_MODULE(Classifier, body, head)

// n points per class on three spiral arms, with a little noise.
std::pair<Tensor, Tensor> spirals(int64_t n, const Tensor& key) {
  Tensor t = slope::linspace(0.0, 1.0, n).reshape({1, n});                  // position along the arm
  Tensor arm = slope::arange(3).cast(slope::f32).reshape({3, 1});
  Tensor angle = arm * (2 * std::numbers::pi / 3) + t * 4.0 + slope::random::normal(key, {3, n}) * 0.15;
  Tensor x = slope::stack({t * slope::cos(angle), t * slope::sin(angle)}, -1).reshape({3 * n, 2});
  Tensor y = arm.cast(slope::i64).expand({3, n}).reshape({3 * n});
  return {x, y};
}

int main() {
  auto keys = slope::random::split(slope::random::key(0), 5);
  auto [x, y] = spirals(100, keys[0]);
  Classifier model{nn::Sequential(nn::Linear(2, 64, keys[1]), nn::BatchNorm1d(64), nn::ReLU(), nn::Dropout(0.1),
                                  nn::Linear(64, 64, keys[2])),
                   nn::Linear(64, 3, keys[3])};
  std::cout << model << "\n";

  const int steps = 300;
  optim::AdamW opt({.lr = 0.02, .weight_decay = 1e-4,
                    .schedule = optim::WarmupCosineLR{.warmup_steps = 20, .total_steps = steps}});
  optim::AdamState state = opt.init(model);

  // The loss returns the updated model as its auxiliary output (BatchNorm statistics).
  auto loss_fn = [](const Classifier& m, const Tensor& xb, const Tensor& yb, const Tensor& key) {
    auto [logits, m2] = m(xb, key);
    return std::pair{nn::cross_entropy(logits, yb), m2};
  };
  // One compiled program: forward, backward, clipping, AdamW with its scheduled learning rate.
  auto train_step = slope::jit([&](const Classifier& m, const optim::AdamState& s, const Tensor& xb,
                                   const Tensor& yb, const Tensor& key) {
    auto [value, grads] = slope::value_and_grad(loss_fn)(m, xb, yb, key);
    auto [clipped, norm] = optim::clip_grad_norm(grads, 1.0);
    auto [m2, s2] = opt.update(value.second, clipped, s);
    return std::tuple{value.first, m2, s2};
  });

  for (int i = 0; i < steps; ++i) {
    auto [loss, m2, s2] = train_step(model, state, x, y, slope::random::fold_in(keys[4], static_cast<uint32_t>(i)));
    model = m2;
    state = s2;
    if (i % 100 == 0 || i == steps - 1)
      std::printf("step %3d  loss %.4f  lr %.5f\n", i, loss.item<float>(), opt.lr(state).item<double>());
  }
  Tensor accuracy = (model(x).argmax(-1) == y).cast(slope::f32).mean();
  std::printf("traced %zu time(s); training accuracy (eval mode) %.3f\n", train_step.trace_count(),
              accuracy.item<float>());
  std::printf("running_mean[0:3] of the BatchNorm: %s\n",
              model.body.get<1>().running_mean->slice(0, 0, 3).str().c_str());
}
