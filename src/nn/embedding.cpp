#include "slope/nn/embedding.h"

#include "slope/nn/init.h"
#include "slope/ops.h"

namespace slope::nn {

Embedding::Embedding(int64_t num, int64_t dim, const Tensor& key, const EmbeddingOptions& o) {
  check(num >= 0 && dim >= 0, "Embedding", "num_embeddings and embedding_dim must be >= 0, got ", num, " and ", dim);
  weight = init::normal(key, {num, dim}, 0.0, 1.0, o.dtype);
  if (o.padding_idx) {
    int64_t p = *o.padding_idx;
    check(p >= -num && p < num, "Embedding", "padding_idx must be within num_embeddings (", num, "), got ", p);
    padding_idx = p < 0 ? p + num : p;
    Tensor row = (arange(num) == *padding_idx).reshape({num, 1});
    weight = where(row, zeros({}, o.dtype), weight);
  }
}

Tensor Embedding::operator()(const Tensor& indices) const {
  check(is_integral(indices.dtype()), "Embedding", "indices must be integers, got ", to_string(indices.aval()));
  if (indices.is_concrete() && indices.numel() > 0) {
    // Eagerly the range is checked here, to name the layer; traced indices are checked by the lookup.
    int64_t lo = indices.min().item<int64_t>(), hi = indices.max().item<int64_t>();
    check(lo >= 0 && hi < num_embeddings(), "Embedding", "indices must be in [0, ", num_embeddings(), "), got values in [",
          lo, ", ", hi, "]");
  }
  Tensor table = weight;
  if (padding_idx) {
    // The padding row is read but never learns: its gradient is cut, as in torch.
    Tensor row = (arange(num_embeddings()) == *padding_idx).reshape({num_embeddings(), 1});
    table = where(row, stop_gradient(weight), weight);
  }
  Shape out = indices.shape();
  out.push_back(embedding_dim());
  return index_select(table, 0, indices.reshape({indices.numel()})).reshape(out);
}

std::string Embedding::repr() const {
  std::string s = "Embedding(" + std::to_string(num_embeddings()) + ", " + std::to_string(embedding_dim());
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s + ")";
}

}  // namespace slope::nn
