// Prelude of README.md's "jit" snippet: a model, optimizer state, batch and train_step(model, opt,
// batch) -> (loss, model, opt). After the snippet, the step's inputs and its jitted outputs are
// written for check_readme.py, which builds the exported folder and runs its CLI on them.
#include <slope/slope.h>

#include <iostream>
#include <tuple>
#include <utility>

#include "readme_check.h"

struct Mlp {
  slope::nn::Linear fc1, fc2;
  slope::Tensor operator()(const slope::Tensor& x) const { return fc2(slope::nn::relu(fc1(x))); }
};
SLOPE_MODULE(Mlp, fc1, fc2)
using Batch = std::pair<slope::Tensor, slope::Tensor>;  // inputs, class labels

int main() {
  const slope::optim::SGD sgd({.lr = 0.1, .momentum = 0.9});
  auto train_step = [sgd](const Mlp& m, const slope::optim::SGDState& s, const Batch& xy) {
    auto loss = [&](const Mlp& p) { return slope::nn::cross_entropy(p(xy.first), xy.second); };
    auto [l, g] = slope::value_and_grad(loss)(m);
    auto [m2, s2] = sgd.update(m, g, s);
    return std::tuple{l, m2, s2};
  };
  Mlp model{slope::nn::Linear(8, 16, slope::random::key(1)), slope::nn::Linear(16, 3, slope::random::key(2))};
  slope::optim::SGDState opt = sgd.init(model);
  Batch batch{slope::random::normal(slope::random::key(3), {5, 8}), slope::tensor(std::vector<int64_t>{0, 2, 1, 1, 0}, {5}, slope::i64)};

  //@README jit@

  readme_write_leaves("readme_in", std::tuple{model, opt, batch});
  readme_write_leaves("readme_want", std::tuple{loss, model2, opt2});
  return 0;
}
