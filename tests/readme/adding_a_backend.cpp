// Prelude of docs/adding_a_backend.md's backend `mine`: registers it, adds two tensors on it (and
// multiplies them, which it leaves to the reference kernels) and checks the results.
#include <slope/slope.h>

#include <iostream>

//@README mine_backend@

int main() {
  slope::register_backend("mine", slope::make_mine_backend);
  slope::BackendScope on_mine("mine");
  slope::Tensor x = slope::tensor({1.5f, 2.0f}), y = slope::tensor({3.0f, -4.0f});
  std::cout << "mine: " << x + y << " " << x * y << "\n";
  return (x + y).to_vector<float>() == std::vector<float>{4.5f, -2.0f} ? 0 : 1;
}
