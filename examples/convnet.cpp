// A small convolutional network on Fashion-MNIST: (conv 3x3, BatchNorm, ReLU, max-pool 2) twice,
// 1 -> 32 -> 64 channels, then a linear layer; Adam (lr 1e-3) on the mean cross-entropy, batch 128,
// 5 epochs. BatchNorm's running statistics are part of the model: the jitted training step
// returns the model with its new statistics, so nothing is mutated inside the compiled program.
// The rest is mnist_mlp.cpp's, shared through training_flags.h, training_loop.h (resume, epochs,
// progress bar, log) and save_and_export.h (checkpoint reload check, export).
//
//   build/examples/convnet [--epochs 5] [--batch-size 128] [--lr 1e-3] [--seed 0]
//                          [--out convnet_out] [--limit N] [--resume FILE] [--eager]
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
// The layers in a Sequential: state_dict names are torch.nn.Sequential's ("0.weight",
// "1.running_mean", ...), and seq(x, train) returns the output and the Sequential with every
// BatchNorm's new running statistics.
using Features = nn::Sequential<nn::Conv2d, nn::BatchNorm2d, nn::ReLU, nn::MaxPool2d,   //
                                nn::Conv2d, nn::BatchNorm2d, nn::ReLU, nn::MaxPool2d, nn::Flatten, nn::Linear>;
struct ConvNet {
  Features layers;
  // Evaluation: BatchNorm normalises with its running statistics.
  Tensor operator()(const Tensor& images) const { return layers(images.unsqueeze(1)); }
  // Training: batch statistics; the model with the updated running statistics comes back too.
  std::pair<Tensor, ConvNet> train(const Tensor& images) const {
    auto [logits, layers2] = layers(images.unsqueeze(1), /*train=*/true);
    return {logits, ConvNet{layers2}};
  }
};
SLOPE_MODULE(ConvNet, layers)

ConvNet make_convnet(const Tensor& key) {
  auto keys = slope::random::split(key, 3);
  return ConvNet{Features(nn::Conv2d(1, 32, 3, keys[0], {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(32, 64, 3, keys[1], {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(64 * 7 * 7, 10, keys[2]))};
}
// [/snippet:model]

int run(int argc, char** argv) {
  TrainingFlags defaults;  // lr 1e-3, seed 0
  defaults.epochs = 5;
  defaults.batch_size = 128;
  defaults.out = "convnet_out";
  auto [flags, exit_code] = parse_training_flags(argc, argv, "Train a small convnet (with BatchNorm) on Fashion-MNIST", defaults);
  if (exit_code) return *exit_code;
  const std::filesystem::path out = flags.out;
  std::filesystem::create_directories(out);

  data::Dataset train = data::fashion_mnist("train"), test = data::fashion_mnist("test");
  if (flags.limit > 0 && flags.limit < train.size())
    train = {train.images.slice(0, 0, flags.limit), train.labels.slice(0, 0, flags.limit)};

  // [snippet:train_step]
  const Tensor key = slope::random::key(flags.seed);
  ConvNet model = make_convnet(slope::random::fold_in(key, 0));
  optim::Adam opt({.lr = flags.lr});
  optim::AdamState opt_state = opt.init(model);

  // The loss has an auxiliary output: the model with its new BatchNorm statistics.
  auto loss_fn = [](const ConvNet& m, const Tensor& x, const Tensor& y) {
    auto [logits, m2] = m.train(x);
    return std::pair{nn::cross_entropy(logits, y), m2};
  };
  auto step = [&](const ConvNet& m, const optim::AdamState& s, const Tensor& x, const Tensor& y) {
    auto [value, grads] = slope::value_and_grad(loss_fn)(m, x, y);
    auto [loss, m_new_stats] = value;
    auto [m2, s2] = opt.update(m_new_stats, grads, s);  // buffers pass through the optimizer unchanged
    return std::tuple{loss, m2, s2};
  };
  auto train_step = slope::jit(step, "train_step");  // one compiled program: forward, backward, update
  // [/snippet:train_step]

  TrainingLoop loop{.flags = flags, .train = train, .test = test, .key = key, .loss_reduction = nn::Reduction::mean};
  loop.run(model, opt_state, step, train_step);
  const std::optional<ConvNet> restored = save_and_reload(model, opt_state, make_convnet(slope::random::key(12345)), loop);
  if (!restored) return 1;
  export_predictor(*restored, test, out);

  loop.log.write(out, "convnet, Fashion-MNIST", "mean cross-entropy");
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
