// Prelude of README.md's "PyTorch spellings" max snippet.
#include <slope/slope.h>

using slope::Tensor;

int main() {
  Tensor x = slope::tensor({3.f, 1.f, 4.f, 1.f, 5.f, 9.f}).reshape(2, 3);

  //@README torch_max@

  return 0;
}
