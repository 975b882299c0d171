#pragma once
// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_), functional:
//
//   auto [clipped, total_norm] = slope::optim::clip_grad_norm(grads, /*max_norm=*/1.0);
//
// total_norm is the norm of all floating-point gradients taken together (buffers and integer leaves
// excluded); every gradient is scaled by min(1, max_norm / (total_norm + 1e-6)). norm_type 2 (the
// default) is sqrt(sum of squares); infinity is the largest magnitude.
#include <utility>
#include <vector>

#include "slope/nn/module.h"
#include "slope/pytree.h"

namespace slope::optim {

namespace detail {
// Scales the selected leaves in place; returns the total norm.
Tensor clip_leaves(std::vector<Tensor>& leaves, const std::vector<bool>& selected, double max_norm, double norm_type);
}  // namespace detail

template <class G> std::pair<G, Tensor> clip_grad_norm(const G& grads, double max_norm, double norm_type = 2.0) {
  std::vector<Tensor> leaves = tree_leaves(grads);
  Tensor norm = detail::clip_leaves(leaves, nn::trainable_mask(grads), max_norm, norm_type);
  return {tree_unflatten(grads, leaves), norm};
}

}  // namespace slope::optim
