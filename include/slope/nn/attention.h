#pragma once
// nn::MultiheadAttention with torch.nn.MultiheadAttention's packed projection (in_proj_weight
// [3E, E], in_proj_bias [3E], out_proj), names, initialisation and masks, so state_dicts move
// between the two. Keys and values have the query's embedding size (torch's kdim = vdim = E).
//
//   slope::nn::MultiheadAttention attn(64, 4, key, {.batch_first = true});
//   auto [y, w] = attn(x, x, x, {.key_padding_mask = pad, .is_causal = true});
#include <optional>
#include <string>

#include "slope/nn/linear.h"

namespace slope::nn {

struct MultiheadAttentionConfig {
  double dropout = 0.0;  // on the attention weights, when training
  bool bias = true;
  bool batch_first = false;  // inputs [N, L, E] instead of torch's default [L, N, E]
  DType dtype = kDefaultFloat;
};

// Masks follow nn.MultiheadAttention (not scaled_dot_product_attention): a bool mask is true where
// attention is NOT allowed; a floating mask is added to the scores.
struct AttentionArgs {
  std::optional<Tensor> key_padding_mask = std::nullopt;  // [N, S] (or [S] unbatched)
  std::optional<Tensor> attn_mask = std::nullopt;  // [L, S] or [N * num_heads, L, S]
  bool is_causal = false;                  // query i attends to keys j <= i (instead of attn_mask)
  bool need_weights = true;
  bool average_attn_weights = true;        // weights [N, L, S] averaged over heads, else [N, H, L, S]
};

struct AttentionOutput {
  Tensor output;                  // like the query
  std::optional<Tensor> weights;  // when need_weights
};

struct MultiheadAttention {
  Tensor in_proj_weight;                // [3E, E]: xavier_uniform
  std::optional<Tensor> in_proj_bias;   // [3E]: zeros
  Linear out_proj;                      // E -> E: Linear's init, bias zeros
  int64_t num_heads = 1;
  double dropout = 0.0;
  bool batch_first = false;

  MultiheadAttention() = default;
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, const Tensor& key, const MultiheadAttentionConfig& c = {});
  // Evaluation (no dropout).
  AttentionOutput operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                             const AttentionArgs& args = {}) const;
  // train: dropout on the attention weights with dropout_key (needed when dropout > 0).
  AttentionOutput operator()(const Tensor& query, const Tensor& key, const Tensor& value, const AttentionArgs& args,
                             const Tensor& dropout_key, bool train) const;
  int64_t embed_dim() const { return in_proj_weight.shape(1); }
  std::string repr() const;  // "MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)"
};

}  // namespace slope::nn

SLOPE_PYTREE(slope::nn::MultiheadAttention, in_proj_weight, in_proj_bias, out_proj, num_heads, dropout, batch_first)
