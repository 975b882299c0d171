// Prelude of README.md's "Modules and optimizers" and "Checkpoints and data" snippets: the loss,
// the BatchNorm layer and its input, and the loop's loss and key. The loop trains one epoch of
// Fashion-MNIST (Debian's dataset-fashion-mnist) with the snippet's jitted step.
#include <slope/slope.h>

#include <iostream>
#include <tuple>

//@README modules_struct@

int main() {
  auto loss_fn = [](const MLP& m, const slope::Tensor& x, const slope::Tensor& y) {
    return slope::nn::cross_entropy(m(x.reshape(x.size(0), -1)), y);  // images [B, 28, 28] -> [B, 784]
  };
  slope::nn::BatchNorm1d bn(100);
  slope::Tensor x = slope::random::normal(slope::random::key(5), {8, 100});

  //@README modules@

  slope::Tensor loss;
  auto key = slope::random::key(7);

  //@README checkpoints@

  std::cout << "last loss " << loss.item() << "\n";
  return 0;
}
