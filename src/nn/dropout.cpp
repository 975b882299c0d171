#include "slope/nn/dropout.h"

#include "nn/repr.h"
#include "slope/nn_functional.h"

namespace slope::nn {

Dropout::Dropout(double prob) : p(prob) {
  check(p >= 0 && p <= 1, "Dropout", "probability must be in [0, 1], got ", p);
}

Tensor Dropout::operator()(const Tensor& x, const Tensor& key, bool train) const {
  if (!train || p == 0) return x;
  check(key.defined(), "Dropout", "needs a key when training (drop(x, key)); call drop(x) for evaluation");
  return dropout(x, p, key, true);
}

std::string Dropout::repr() const { return "Dropout(p=" + detail::py_float(p) + ")"; }

}  // namespace slope::nn
