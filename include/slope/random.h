#pragma once
// Counter-based random numbers: threefry-2x32 keys as in JAX. A key is a u32 tensor of shape [2];
// the same key gives the same numbers on every backend, eager or compiled, bit for bit.
// For eager convenience there is also a seeded global generator (manual_seed, rand, randn).
#include <array>
#include <cstdint>
#include <optional>

#include "slope/tensor.h"

namespace slope {
namespace random {

Tensor key(uint64_t seed);                              // u32[2]: (seed >> 32, seed & 0xffffffff)
std::array<Tensor, 2> split(const Tensor& key);         // two new keys
Tensor split(const Tensor& key, int64_t n);             // u32[n, 2]
Tensor fold_in(const Tensor& key, uint32_t data);
Tensor bits(const Tensor& key, const Shape& shape);     // u32 random bits
Tensor uniform(const Tensor& key, const Shape& shape, DType dtype = kDefaultFloat, double lo = 0.0, double hi = 1.0);
Tensor normal(const Tensor& key, const Shape& shape, DType dtype = kDefaultFloat);
Tensor bernoulli(const Tensor& key, const Tensor& p);   // bool, P(true) = p elementwise
Tensor bernoulli(const Tensor& key, double p, const Shape& shape);
Tensor randint(const Tensor& key, const Shape& shape, int64_t lo, int64_t hi, DType dtype = kDefaultInt);  // [lo, hi)
Tensor permutation(const Tensor& key, int64_t n);       // a random ordering of 0..n-1 (i64)
// Indices (i64) drawn with probabilities softmax(logits) along `axis`, like jax.random.categorical
// (Gumbel-max: the argmax of logits plus Gumbel noise). The result has the logits' shape without
// `axis`, or `shape`, which must end with (broadcast to) that shape: its leading dims are
// independent draws. -inf logits are never drawn (unless a whole row is -inf: then index 0).
Tensor categorical(const Tensor& key, const Tensor& logits, int64_t axis = -1,
                   const std::optional<Shape>& shape = std::nullopt);

}  // namespace random

// The global generator: a key that advances with every draw.
void manual_seed(uint64_t seed);
Tensor next_key();  // splits the global key, returns one half
Tensor rand(const Shape& shape, DType dtype = kDefaultFloat);
Tensor randn(const Shape& shape, DType dtype = kDefaultFloat);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
Tensor randint(int64_t lo, int64_t hi, const Shape& shape, DType dtype = kDefaultInt);
// With an explicit key: the same numbers as random::uniform(key, shape) / random::normal(key, shape).
Tensor rand(const Tensor& key, const Shape& shape, DType dtype = kDefaultFloat);
Tensor randn(const Tensor& key, const Shape& shape, DType dtype = kDefaultFloat);
// PyTorch spellings with the sizes as separate integers: randn(50, 2), rand(3), randn(key, 50, 2).
template <Integer... I> requires(sizeof...(I) > 0) Tensor rand(I... s) { return rand(Shape{int64_t(s)...}); }
template <Integer... I> requires(sizeof...(I) > 0) Tensor randn(I... s) { return randn(Shape{int64_t(s)...}); }
template <Integer... I> requires(sizeof...(I) > 0) Tensor rand(const Tensor& key, I... s) {
  return rand(key, Shape{int64_t(s)...});
}
template <Integer... I> requires(sizeof...(I) > 0) Tensor randn(const Tensor& key, I... s) {
  return randn(key, Shape{int64_t(s)...});
}

}  // namespace slope
