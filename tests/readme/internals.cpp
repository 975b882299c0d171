// Prelude of docs/internals.md's snippet: it prints the linear program of sin(x) * x at 3.
#include <slope/slope.h>

#include <iostream>
#include <vector>

using slope::Tensor;

int main() {
  //@README internals_linearize@
  return 0;
}
