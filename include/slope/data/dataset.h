#pragma once
// A supervised dataset held in memory: example i is (images[i], labels[i]).
#include "slope/tensor.h"

namespace slope::data {

struct Dataset {
  Tensor images;  // [N, ...]
  Tensor labels;  // [N] (or [N, ...])
  int64_t size() const { return images.defined() ? images.shape(0) : 0; }
};

}  // namespace slope::data
