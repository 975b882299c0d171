#pragma once
// What a training run records: the loss of every step and, per epoch, its wall-clock time and the
// test accuracy. Written as history.csv (one row per epoch, what bench/ reads) and drawn as
// curves.svg (loss and accuracy panels, svg_plot.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "svg_plot.h"

struct TrainingLog {
  struct Epoch {
    int epoch;
    double seconds, mean_loss, test_accuracy;
  };
  std::vector<std::pair<double, double>> step_loss;  // (epoch as a fraction, loss per example)
  std::vector<std::pair<double, double>> accuracy;   // (epoch, test accuracy), epoch 0 = before training
  std::vector<Epoch> epochs;

  void write_csv(const std::string& path) const {
    std::ofstream f(path);
    f << "epoch,seconds,mean_loss,test_accuracy\n";
    for (const Epoch& e : epochs) f << e.epoch << "," << e.seconds << "," << e.mean_loss << "," << e.test_accuracy << "\n";
    if (!f.flush()) throw std::runtime_error("[training_log] cannot write " + path);
  }

  // Both files in the folder `out`, and a line that says where they are.
  void write(const std::filesystem::path& out, const std::string& title, const std::string& loss_label) const {
    write_csv(out / "history.csv");
    write_svg(out / "curves.svg", title, loss_label);
    std::printf("wrote %s, %s\n", (out / "history.csv").c_str(), (out / "curves.svg").c_str());
  }

  // loss_label names what the loss is ("summed cross-entropy / batch size", ...).
  void write_svg(const std::string& path, const std::string& title, const std::string& loss_label) const {
    // Single steps are noisy: draw the mean of every `window` steps over the raw values.
    const size_t window = std::max<size_t>(1, step_loss.size() / 100);
    std::vector<std::pair<double, double>> smooth;
    for (size_t i = 0; i + window <= step_loss.size(); i += window) {
      double sx = 0, sy = 0;
      for (size_t j = i; j < i + window; ++j) sx += step_loss[j].first, sy += step_loss[j].second;
      smooth.emplace_back(sx / double(window), sy / double(window));
    }
    svg_plot::Panel loss{title + ": training loss", "epoch", loss_label,
                         {{"per step", step_loss, "#aec7e8"}, {"mean of " + std::to_string(window) + " steps", smooth, "#1f77b4"}}};
    svg_plot::Panel acc{title + ": test accuracy", "epoch", "accuracy", {{"test set", accuracy, "#d62728", true}}};
    svg_plot::write(path, {loss, acc});
  }
};
