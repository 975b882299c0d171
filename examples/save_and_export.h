#pragma once
// What the examples (mnist_mlp.cpp, convnet.cpp) do with the trained model: save it, and the
// checkpoint to resume from; load it back and check that nothing was lost; export the predictor as
// a standalone C++ program.
#include <slope/slope.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>

#include "raw_file.h"
#include "training_loop.h"

// [snippet:checkpoint]
// Writes out/model.safetensors (the weights) and out/checkpoint.safetensors (with the optimizer
// state, for --resume), loads the weights into `fresh` and compares the test accuracies: the
// reloaded model, or nothing when they differ.
template <class Model, class OptState>
std::optional<Model> save_and_reload(const Model& model, const OptState& opt_state, const Model& fresh,
                                     const TrainingLoop& loop) {
  const std::filesystem::path out = loop.flags.out;
  slope::save(model, out / "model.safetensors", {{"epochs", std::to_string(loop.flags.epochs)}});
  slope::save(std::tuple{model, opt_state}, out / "checkpoint.safetensors");  // for --resume
  const Model restored = slope::load(fresh, out / "model.safetensors");
  const double before = loop.accuracy(model), after = loop.accuracy(restored);
  std::printf("Test set accuracy %.4f; reloaded from %s: %.4f (%s)\n", before, (out / "model.safetensors").c_str(),
              after, before == after ? "identical" : "DIFFERENT");
  if (before != after) return std::nullopt;
  return restored;
}
// [/snippet:checkpoint]

// [snippet:export]
// The trained predictor as a standalone program in out/predict_export: its weights are closed over,
// so they become the program's constants, and the only input is a batch of 100 test images.
template <class Model>
void export_predictor(const Model& model, const slope::data::Dataset& test, const std::filesystem::path& out) {
  auto predict = slope::jit([&model](const slope::Tensor& images) { return model(images); }, "predict");
  const slope::Tensor sample = test.images.slice(0, 0, 100).cast(slope::f32) / 255.0f;
  const std::filesystem::path exported = out / "predict_export";
  predict.lower(sample).export_to(exported.string(), "predict");
  write_raw(sample, exported / "sample_images.bin");  // what the folder's CLI can be checked with
  write_raw(predict(sample), exported / "sample_logits.bin");
  std::printf("exported the predictor to %s/ (a CMake project without slope: see its README.md)\n", exported.c_str());
}
// [/snippet:export]
