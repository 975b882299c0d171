#pragma once
// nn::Embedding: a lookup table of num_embeddings rows, weight ~ N(0, 1) like torch.nn.Embedding.
// With padding_idx, that row starts at zero and gets no gradient.
#include <optional>
#include <string>

#include "slope/nn/module.h"

namespace slope::nn {

struct EmbeddingOptions {
  std::optional<int64_t> padding_idx = std::nullopt;  // may be negative (counts from the end), like torch
  DType dtype = kDefaultFloat;
};

struct Embedding {
  Tensor weight;  // [num_embeddings, embedding_dim]
  std::optional<int64_t> padding_idx;

  Embedding() = default;
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const Tensor& key, const EmbeddingOptions& o = {});
  Tensor operator()(const Tensor& indices) const;  // integer indices [*] -> [*, embedding_dim]
  int64_t num_embeddings() const { return weight.shape(0); }
  int64_t embedding_dim() const { return weight.shape(1); }
  std::string repr() const;  // "Embedding(10, 4, padding_idx=0)"
};

}  // namespace slope::nn

SLOPE_PYTREE(slope::nn::Embedding, weight, padding_idx)
