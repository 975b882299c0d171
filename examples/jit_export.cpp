// jit end to end: a fused elementwise function and an MLP training step, each staged into one
// Program, compiled, inspected, and exported as a standalone CMake folder.
//   build/examples/jit_export [export-dir]     (default: ./jit_export_out)
#include <slope/slope.h>

#include <iostream>
#include <string>

using slope::Tensor;

struct Mlp {
  Tensor w1, b1, w2, b2;
};
SLOPE_PYTREE(Mlp, w1, b1, w2, b2)

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "jit_export_out";

  // 1. One fused loop: tanh(x * 2 + 1) * x.
  auto fused = slope::jit([](const Tensor& x) { return (x * 2 + 1).tanh() * x; }, "fused");
  auto low = fused.lower(slope::ones({1024}));
  std::cout << "==== program\n" << low.program() << "\n==== generated code (" << low.source().size()
            << " characters with the shared preamble; the program's own part:)\n"
            << low.code() << "\n";

  // 2. A whole training step (forward, backward, SGD update) is one compiled program.
  slope::manual_seed(0);
  Mlp m{slope::randn({784, 100}) * 0.05f, slope::zeros({100}), slope::randn({100, 10}) * 0.1f, slope::zeros({10})};
  auto step = slope::jit(
      [](const Mlp& p, const Tensor& x, const Tensor& y) {
        auto loss = [&](const Mlp& q) {
          Tensor h = slope::nn::relu(x.matmul(q.w1) + q.b1);
          return slope::nn::cross_entropy(h.matmul(q.w2) + q.b2, y);
        };
        auto [l, g] = slope::value_and_grad(loss)(p);
        Mlp next = slope::tree_map([](const Tensor& a, const Tensor& d) { return a - d * 0.1f; }, p, g);
        return std::make_tuple(l, next);
      },
      "train_step");
  Tensor x = slope::rand({64, 784}), y = slope::randint(0, 10, {64});
  for (int i = 0; i < 5; ++i) {
    auto [l, next] = step(m, x, y);
    std::cout << "step " << i << " loss " << l.item<float>() << "\n";
    m = next;
  }
  auto low_step = step.lower(m, x, y);
  std::cout << "train_step: " << low_step.program().instructions.size() << " instructions after optimization\n";
  low_step.export_to(dir);  // named after the jit: train_step.cpp, train_step.h, train_step_run, ...
  std::cout << "exported to " << dir << "/ (cmake -S " << dir << " -B " << dir << "/build && cmake --build " << dir
            << "/build)\n";
  return 0;
}
