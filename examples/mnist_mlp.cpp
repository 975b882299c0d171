// A 784-100-10 MLP trained on Fashion-MNIST, the seed project's MNIST configuration: batch 200,
// SGD (lr 1e-3, momentum 0.9, weight decay 1e-4) on the SUMMED cross-entropy, 3 epochs.
// One jitted training step, a jitted evaluation, a checkpoint that is reloaded and checked, the
// trained predictor exported as a standalone C++ folder, and the curves as an SVG picture.
// docs/training.md walks through it.
//
//   build/examples/mnist_mlp [--epochs 3] [--batch-size 200] [--lr 1e-3] [--seed 0]
//                            [--out mnist_mlp_out] [--limit N] [--resume FILE] [--eager]
#include <slope/slope.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <tuple>

#include "save_and_export.h"
#include "training_flags.h"
#include "training_loop.h"

namespace nn = slope::nn;
namespace optim = slope::optim;
namespace data = slope::data;
using slope::Tensor;

// [snippet:model]
struct Mlp {
  nn::Linear fc1, fc2;
  Tensor operator()(const Tensor& images) const { return fc2(nn::relu(fc1(images.flatten(1)))); }
};
SLOPE_MODULE(Mlp, fc1, fc2)

Mlp make_mlp(const Tensor& key) {
  auto keys = slope::random::split(key);
  return Mlp{nn::Linear(28 * 28, 100, keys[0]), nn::Linear(100, 10, keys[1])};
}
// [/snippet:model]

int run(int argc, char** argv) {
  TrainingFlags defaults;  // 3 epochs, batch 200, lr 1e-3, seed 0
  defaults.out = "mnist_mlp_out";
  auto [flags, exit_code] = parse_training_flags(argc, argv, "Train a 784-100-10 MLP on Fashion-MNIST", defaults);
  if (exit_code) return *exit_code;
  const std::filesystem::path out = flags.out;
  std::filesystem::create_directories(out);

  // [snippet:data]
  data::Dataset train = data::fashion_mnist("train"), test = data::fashion_mnist("test");
  if (flags.limit > 0 && flags.limit < train.size())
    train = {train.images.slice(0, 0, flags.limit), train.labels.slice(0, 0, flags.limit)};
  // [/snippet:data]

  // [snippet:train_step]
  const Tensor key = slope::random::key(flags.seed);
  Mlp model = make_mlp(slope::random::fold_in(key, 0));
  optim::SGD opt({.lr = flags.lr, .momentum = 0.9, .weight_decay = 1e-4});
  optim::SGDState opt_state = opt.init(model);

  auto loss_fn = [](const Mlp& m, const Tensor& x, const Tensor& y) {
    return nn::cross_entropy(m(x), y, nn::Reduction::sum);
  };
  auto step = [&](const Mlp& m, const optim::SGDState& s, const Tensor& x, const Tensor& y) {
    auto [loss, grads] = slope::value_and_grad(loss_fn)(m, x, y);
    auto [m2, s2] = opt.update(m, grads, s);
    return std::tuple{loss, m2, s2};
  };
  auto train_step = slope::jit(step, "train_step");  // one compiled program: forward, backward, update
  // [/snippet:train_step]

  // [snippet:run]
  TrainingLoop loop{.flags = flags, .train = train, .test = test, .key = key, .loss_reduction = nn::Reduction::sum};
  loop.run(model, opt_state, step, train_step);
  const std::optional<Mlp> restored = save_and_reload(model, opt_state, make_mlp(slope::random::key(12345)), loop);
  if (!restored) return 1;
  export_predictor(*restored, test, out);
  // [/snippet:run]

  loop.log.write(out, "784-100-10 MLP, Fashion-MNIST", "summed cross-entropy / batch size");
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a missing dataset, a checkpoint that does not fit, ...
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
