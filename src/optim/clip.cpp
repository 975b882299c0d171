#include "slope/optim/clip.h"

#include <cmath>
#include <limits>

#include "slope/ops.h"

namespace slope::optim::detail {

Tensor clip_leaves(std::vector<Tensor>& leaves, const std::vector<bool>& selected, double max_norm, double norm_type) {
  const char* op = "clip_grad_norm";
  bool inf = std::isinf(norm_type) && norm_type > 0;
  check(inf || norm_type == 2.0, op, "norm_type must be 2 or infinity, got ", norm_type);
  check(max_norm >= 0, op, "max_norm must be >= 0, got ", max_norm);
  // The norm is accumulated in the widest gradient dtype (f32 at least), like torch's stack of norms.
  DType acc = f32;
  for (size_t i = 0; i < leaves.size(); ++i)
    if (selected[i] && leaves[i].dtype() == f64) acc = f64;
  Tensor total = zeros({}, acc);
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (!selected[i] || leaves[i].numel() == 0) continue;
    Tensor g = leaves[i].cast(acc);
    total = inf ? maximum(total, abs(g).max()) : total + square(g).sum();
  }
  Tensor norm = inf ? total : sqrt(total);
  Tensor scale = minimum(max_norm / (norm + 1e-6), full({}, 1.0, acc));
  for (size_t i = 0; i < leaves.size(); ++i)
    if (selected[i]) leaves[i] = leaves[i] * scale.cast(leaves[i].dtype());
  return norm;
}

}  // namespace slope::optim::detail
