// A 784-100-10 MLP trained on Fashion-MNIST, the seed project's MNIST configuration: batch 200,
// SGD (lr 1e-3, momentum 0.9, weight decay 1e-4) on the SUMMED cross-entropy, 3 epochs.
// One jitted training step, a jitted evaluation, a checkpoint that is reloaded and checked, the
// trained predictor exported as a standalone C++ folder, and the curves as an SVG picture.
// docs/training.md walks through it.
//
//   build/examples/mnist_mlp [--epochs 3] [--batch-size 200] [--lr 1e-3] [--seed 0]
//                            [--out mnist_mlp_out] [--limit N] [--resume FILE] [--eager]
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

  // [snippet:evaluate]
  auto correct = slope::jit([](const Mlp& m, const Tensor& x, const Tensor& y) {
    return (m(x).argmax(-1) == y).sum();
  }, "correct");
  auto accuracy = [&](const Mlp& m) {
    int64_t right = 0;
    for (auto [x, y] : data::batches(test, 1000, key, {.shuffle = false})) right += correct(m, x, y).item<int64_t>();
    return static_cast<double>(right) / static_cast<double>(test.size());
  };
  // [/snippet:evaluate]

  // [snippet:resume]
  const int64_t steps_per_epoch = (train.size() + flags.batch_size - 1) / flags.batch_size;
  int first_epoch = 1;
  if (!flags.resume.empty()) {
    std::tie(model, opt_state) = slope::load(std::tuple{model, opt_state}, flags.resume);
    first_epoch = static_cast<int>(opt_state.step.item<int64_t>() / steps_per_epoch) + 1;
    std::printf("resumed from %s after epoch %d\n", flags.resume.c_str(), first_epoch - 1);
  }
  // [/snippet:resume]

  TrainingLog log;
  log.accuracy.emplace_back(first_epoch - 1, accuracy(model));
  std::printf("Fashion-MNIST: %lld training, %lld test examples; %s step, batch %lld, %lld steps per epoch\n",
              static_cast<long long>(train.size()), static_cast<long long>(test.size()),
              flags.eager ? "eager" : "jitted", static_cast<long long>(flags.batch_size),
              static_cast<long long>(steps_per_epoch));
  // [snippet:loop]
  for (int epoch = first_epoch; epoch <= flags.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar("Train epoch " + std::to_string(epoch) + "/" + std::to_string(flags.epochs), steps_per_epoch);
    double loss_sum = 0;
    int64_t i = 0;
    for (auto [x, y] : data::batches(train, flags.batch_size, slope::random::fold_in(key, epoch))) {
      Tensor loss;
      std::tie(loss, model, opt_state) = flags.eager ? step(model, opt_state, x, y) : train_step(model, opt_state, x, y);
      const double per_example = loss.item<double>() / static_cast<double>(x.shape(0));
      log.step_loss.emplace_back(epoch - 1 + static_cast<double>(++i) / static_cast<double>(steps_per_epoch), per_example);
      loss_sum += per_example;
      bar.step(loss.item<double>());
    }
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double acc = accuracy(model);
    log.accuracy.emplace_back(epoch, acc);
    log.epochs.push_back({epoch, seconds, loss_sum / static_cast<double>(i), acc});
    std::printf("Epoch %d in %.2f s: mean loss %.4f per example, test accuracy %.4f\n", epoch, seconds,
                loss_sum / static_cast<double>(i), acc);
  }
  // [/snippet:loop]

  // [snippet:checkpoint]
  slope::save(model, out / "model.safetensors", {{"epochs", std::to_string(flags.epochs)}});
  slope::save(std::tuple{model, opt_state}, out / "checkpoint.safetensors");  // for --resume
  const Mlp restored = slope::load(make_mlp(slope::random::key(12345)), out / "model.safetensors");
  const double before = accuracy(model), after = accuracy(restored);
  std::printf("Test set accuracy %.4f; reloaded from %s: %.4f (%s)\n", before, (out / "model.safetensors").c_str(),
              after, before == after ? "identical" : "DIFFERENT");
  if (before != after) return 1;
  // [/snippet:checkpoint]

  // [snippet:export]
  // The trained predictor as a standalone program: its weights are closed over, so they become
  // the program's constants, and the only input is a batch of 100 images.
  auto predict = slope::jit([&restored](const Tensor& images) { return restored(images); }, "predict");
  const Tensor sample = test.images.slice(0, 0, 100).cast(slope::f32) / 255.0f;
  const std::filesystem::path exported = out / "predict_export";
  predict.lower(sample).export_to(exported.string(), "predict");
  write_raw(sample, exported / "sample_images.bin");  // what the folder's CLI can be checked with
  write_raw(predict(sample), exported / "sample_logits.bin");
  std::printf("exported the predictor to %s/ (a CMake project without slope: see its README.md)\n", exported.c_str());
  // [/snippet:export]

  log.write_csv(out / "history.csv");
  log.write_svg(out / "curves.svg", "784-100-10 MLP, Fashion-MNIST", "summed cross-entropy / batch size");
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
