// Prelude of README.md's "Transformations" snippets: the functions and values they use but do not
// define. check_readme.py pastes each snippet at its //@README name@ line.
#include <slope/slope.h>

#include "readme_check.h"

//@README pytree_struct@

int main() {
  auto a = slope::tensor({0.5f, -1.f, 2.f});
  auto b = slope::tensor({1.5f, 0.25f, -0.75f});
  auto h = [](const slope::Tensor& u, const slope::Tensor& w) { return (u * w).sin().sum(); };
  auto f2 = [](const slope::Tensor& u, const slope::Tensor& w) { return u * w.exp(); };
  auto g2 = [](const slope::Tensor& u) { return (u * u).sin().sum(); };
  auto v = slope::tensor({0.1f, 0.2f, 0.3f});
  auto loss1 = [](const slope::Tensor& p, const slope::Tensor& xi) { return (p * xi).tanh().sum(); };
  auto params = slope::tensor({1.f, -2.f, 0.5f});
  auto xs = slope::random::normal(slope::random::key(0), {4, 3});

  //@README transformations@

  Model model{slope::random::normal(slope::random::key(1), {3, 2}), slope::zeros({2}), 0.5f};
  auto batch = slope::random::normal(slope::random::key(2), {4, 3});

  //@README pytree_grad@
  return 0;
}
