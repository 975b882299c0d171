// A small convolutional network on Fashion-MNIST: (conv 3x3, BatchNorm, ReLU, max-pool 2) twice,
// 1 -> 32 -> 64 channels, then a linear layer; Adam (lr 1e-3) on the mean cross-entropy, batch 128,
// 5 epochs. BatchNorm's running statistics are part of the model: the jitted training step
// returns the model with its new statistics, so nothing is mutated inside the compiled program.
// The rest (flags, progress bar, checkpoint reload check, export, curves) is mnist_mlp.cpp's.
//
//   build/examples/convnet [--epochs 5] [--batch-size 128] [--lr 1e-3] [--seed 0]
//                          [--out convnet_out] [--limit N] [--resume FILE] [--eager]
#include <slope/slope.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "progress_bar.h"
#include "raw_file.h"
#include "training_flags.h"
#include "training_log.h"

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

  auto correct = slope::jit([](const ConvNet& m, const Tensor& x, const Tensor& y) {
    return (m(x).argmax(-1) == y).sum();
  }, "correct");
  auto accuracy = [&](const ConvNet& m) {
    int64_t right = 0;
    for (auto [x, y] : data::batches(test, 1000, key, {.shuffle = false})) right += correct(m, x, y).item<int64_t>();
    return static_cast<double>(right) / static_cast<double>(test.size());
  };

  const int64_t steps_per_epoch = (train.size() + flags.batch_size - 1) / flags.batch_size;
  int first_epoch = 1;
  if (!flags.resume.empty()) {
    std::tie(model, opt_state) = slope::load(std::tuple{model, opt_state}, flags.resume);
    first_epoch = static_cast<int>(opt_state.step.item<int64_t>() / steps_per_epoch) + 1;
    std::printf("resumed from %s after epoch %d\n", flags.resume.c_str(), first_epoch - 1);
  }

  TrainingLog log;
  log.accuracy.emplace_back(first_epoch - 1, accuracy(model));
  std::printf("Fashion-MNIST: %lld training, %lld test examples; %s step, batch %lld, %lld steps per epoch\n",
              static_cast<long long>(train.size()), static_cast<long long>(test.size()),
              flags.eager ? "eager" : "jitted", static_cast<long long>(flags.batch_size),
              static_cast<long long>(steps_per_epoch));
  for (int epoch = first_epoch; epoch <= flags.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar("Train epoch " + std::to_string(epoch) + "/" + std::to_string(flags.epochs), steps_per_epoch);
    double loss_sum = 0;
    int64_t i = 0;
    for (auto [x, y] : data::batches(train, flags.batch_size, slope::random::fold_in(key, epoch))) {
      Tensor loss;
      std::tie(loss, model, opt_state) = flags.eager ? step(model, opt_state, x, y) : train_step(model, opt_state, x, y);
      const double mean_loss = loss.item<double>();
      log.step_loss.emplace_back(epoch - 1 + static_cast<double>(++i) / static_cast<double>(steps_per_epoch), mean_loss);
      loss_sum += mean_loss;
      bar.step(mean_loss);
    }
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double acc = accuracy(model);
    log.accuracy.emplace_back(epoch, acc);
    log.epochs.push_back({epoch, seconds, loss_sum / static_cast<double>(i), acc});
    std::printf("Epoch %d in %.2f s: mean loss %.4f, test accuracy %.4f\n", epoch, seconds,
                loss_sum / static_cast<double>(i), acc);
  }

  slope::save(model, out / "model.safetensors", {{"epochs", std::to_string(flags.epochs)}});
  slope::save(std::tuple{model, opt_state}, out / "checkpoint.safetensors");  // for --resume
  const ConvNet restored = slope::load(make_convnet(slope::random::key(12345)), out / "model.safetensors");
  const double before = accuracy(model), after = accuracy(restored);
  std::printf("Test set accuracy %.4f; reloaded from %s: %.4f (%s)\n", before, (out / "model.safetensors").c_str(),
              after, before == after ? "identical" : "DIFFERENT");
  if (before != after) return 1;

  // The trained predictor as a standalone program: its weights are closed over, so they become
  // the program's constants, and the only input is a batch of 100 images.
  auto predict = slope::jit([&restored](const Tensor& images) { return restored(images); }, "predict");
  const Tensor sample = test.images.slice(0, 0, 100).cast(slope::f32) / 255.0f;
  const std::filesystem::path exported = out / "predict_export";
  predict.lower(sample).export_to(exported.string(), "predict");
  write_raw(sample, exported / "sample_images.bin");  // what the folder's CLI can be checked with
  write_raw(predict(sample), exported / "sample_logits.bin");
  std::printf("exported the predictor to %s/ (a CMake project without slope: see its README.md)\n", exported.c_str());

  log.write_csv(out / "history.csv");
  log.write_svg(out / "curves.svg", "convnet, Fashion-MNIST", "mean cross-entropy");
  std::printf("wrote %s, %s\n", (out / "history.csv").c_str(), (out / "curves.svg").c_str());
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
