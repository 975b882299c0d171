#pragma once
// The training loop of the examples (mnist_mlp.cpp, convnet.cpp). Each brings its model, optimizer
// state and training step (eager, and jitted); the loop continues from a checkpoint when asked
// (--resume), trains epoch by epoch with a progress bar, evaluates on the test set, prints a line
// per epoch, and records the loss of every step and the test accuracy of every epoch in `log`.
#include <slope/slope.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>

#include "progress_bar.h"
#include "training_flags.h"
#include "training_log.h"

// [snippet:evaluate]
// The number of right predictions of a model (its call returns the logits) on a batch.
struct CountCorrect {
  template <class Model>
  slope::Tensor operator()(const Model& m, const slope::Tensor& x, const slope::Tensor& y) const {
    return (m(x).argmax(-1) == y).sum();
  }
};
// [/snippet:evaluate]

struct TrainingLoop {
  TrainingFlags flags;
  slope::data::Dataset train, test;
  slope::Tensor key;                     // epoch e trains on batches shuffled with fold_in(key, e)
  slope::nn::Reduction loss_reduction;   // the step's loss over a batch: sum, or mean (already per example)
  TrainingLog log{};

  // [snippet:accuracy]
  slope::Jit<CountCorrect> correct{CountCorrect{}, "correct"};  // traced once per model type and batch shape

  template <class Model>
  double accuracy(const Model& model) const {
    int64_t right = 0;
    for (auto [x, y] : slope::data::batches(test, 1000, key, {.shuffle = false}))
      right += correct(model, x, y).template item<int64_t>();
    return static_cast<double>(right) / static_cast<double>(test.size());
  }
  // [/snippet:accuracy]

  int64_t steps_per_epoch() const { return (train.size() + flags.batch_size - 1) / flags.batch_size; }

  // [snippet:resume]
  // The first epoch to train: 1, or the one after those the checkpoint has seen (the optimizer
  // state counts its steps), with the model and the optimizer state loaded from it.
  template <class Model, class OptState>
  int resume(Model& model, OptState& opt_state) const {
    if (flags.resume.empty()) return 1;
    std::tie(model, opt_state) = slope::load(std::tuple{model, opt_state}, flags.resume);
    const int done = static_cast<int>(opt_state.step.template item<int64_t>() / steps_per_epoch());
    std::printf("resumed from %s after epoch %d\n", flags.resume.c_str(), done);
    return done + 1;
  }
  // [/snippet:resume]

  // `step(model, opt_state, x, y)` returns (loss, new model, new optimizer state); `train_step` is
  // its jit, which runs unless --eager.
  template <class Model, class OptState, class Step, class JitStep>
  void run(Model& model, OptState& opt_state, const Step& step, const JitStep& train_step) {
    const int first_epoch = resume(model, opt_state);
    log.accuracy.emplace_back(first_epoch - 1, accuracy(model));
    std::printf("Fashion-MNIST: %lld training, %lld test examples; %s step, batch %lld, %lld steps per epoch\n",
                static_cast<long long>(train.size()), static_cast<long long>(test.size()),
                flags.eager ? "eager" : "jitted", static_cast<long long>(flags.batch_size),
                static_cast<long long>(steps_per_epoch()));
    // [snippet:loop]
    const bool summed = loss_reduction == slope::nn::Reduction::sum;  // then divided by the batch size
    for (int epoch = first_epoch; epoch <= flags.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      ProgressBar bar("Train epoch " + std::to_string(epoch) + "/" + std::to_string(flags.epochs), steps_per_epoch());
      double loss_sum = 0;
      int64_t i = 0;
      for (auto [x, y] : slope::data::batches(train, flags.batch_size, slope::random::fold_in(key, epoch))) {
        slope::Tensor loss;
        std::tie(loss, model, opt_state) = flags.eager ? step(model, opt_state, x, y) : train_step(model, opt_state, x, y);
        const double per_example = summed ? loss.item<double>() / static_cast<double>(x.shape(0)) : loss.item<double>();
        log.step_loss.emplace_back(epoch - 1 + static_cast<double>(++i) / static_cast<double>(steps_per_epoch()), per_example);
        loss_sum += per_example;
        bar.step(loss.item<double>());
      }
      bar.finish();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double acc = accuracy(model);
      log.accuracy.emplace_back(epoch, acc);
      log.epochs.push_back({epoch, seconds, loss_sum / static_cast<double>(i), acc});
      std::printf("Epoch %d in %.2f s: mean loss %.4f%s, test accuracy %.4f\n", epoch, seconds,
                  loss_sum / static_cast<double>(i), summed ? " per example" : "", acc);
    }
    // [/snippet:loop]
  }
};
