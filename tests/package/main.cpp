// Built against an *installed* slope by tests/package/run_package_test.cmake.
#include <slope/slope.h>

#include <iostream>

int main() {
  slope::Tensor y = slope::ones({2, 2}) + 1;
  std::cout << y << "\n";
  float total = y.sum().item<float>();
  if (y.shape() != slope::Shape{2, 2} || y.dtype() != slope::f32 || total != 8.0f) {
    std::cerr << "unexpected result: sum " << total << "\n";
    return 1;
  }
  std::cout << "package ok\n";
  return 0;
}
