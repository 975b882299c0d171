// Prelude of docs/checkpoints_and_data.md's snippets: a Net, a model and an optimizer state to
// save, tensors w and b, an x.npy to read, and for the batches loop a small dataset and a step.
// The Fashion-MNIST lines run only where the dataset is installed (CI installs it).
#include <slope/slope.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using slope::Tensor;

//@README ckpt_structs@

// Where Debian's dataset-fashion-mnist puts it (the snippet names the file).
bool have_fashion_mnist() {
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
}

int main() {
  {
    auto key = slope::random::key(0);
    Net net{Linear{slope::random::normal(key, {4, 3}), slope::zeros({4})},
            {Linear{slope::random::normal(key, {2, 4}), std::nullopt}}};
    Net model = net;
    const slope::optim::SGD sgd({.lr = 0.1, .momentum = 0.9});
    slope::optim::SGDState opt_state = sgd.init(model);
    //@README ckpt_save@
    if (slope::tree_paths(restored) != slope::tree_paths(net)) return 1;
  }
  {
    //@README ckpt_mismatch@
  }
  {
    Tensor w = slope::ones({2, 3}), b = slope::zeros({3});
    //@README safetensors@
    std::cout << "safetensors: " << f.tensors.size() << " tensors, format " << f.metadata.at("format") << "\n";
  }
  {
    slope::save_npy(slope::arange(6).reshape({2, 3}), "x.npy");
    //@README npy@
    std::cout << "npy: " << slope::load_npy("y.npy") << "\n";
  }
  if (have_fashion_mnist()) {
    //@README idx@
    if (images.shape() != slope::Shape{60000, 28, 28} || test.images.shape(0) != 10000) return 1;
  }
  {
    slope::data::Dataset train{slope::zeros({300, 28, 28}, slope::u8), slope::zeros({300}, slope::i64)};
    Tensor model = slope::zeros({1}), opt = slope::zeros({1}), loss;
    int steps = 0;
    auto step = [&](const Tensor& m, const Tensor& o, const Tensor& x, const Tensor& y) {
      ++steps;
      return std::tuple{(x.sum() + y.sum()).cast(slope::f32), m, o};
    };
    //@README batches@
    std::cout << "batches: " << steps << " steps\n";
  }
  return 0;
}
