#pragma once
// One epoch of mini-batches over a Dataset, in an order drawn from a threefry key, prepared on a
// background thread while the loop body runs:
//
//   auto key = slope::random::key(0);
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (auto [x, y] : slope::data::batches(train, 128, slope::random::fold_in(key, epoch)))
//       std::tie(loss, model, opt) = step(model, opt, x, y);
//
// x is f32 [B, ...]: u8 images scaled to [0, 1] (as torchvision's ToTensor), other dtypes
// converted unscaled, then (x - mean) / std when both are given. y holds the same examples'
// labels in their own dtype. The order is random::permutation(key, N) (the same key gives the same
// epoch); shuffle = false keeps the dataset's order and ignores the key. When the batch size does
// not divide N, the last batch is smaller (drop_last = false, the default, as in PyTorch's
// DataLoader) or left out (drop_last = true).
//
// One background thread prepares up to `prefetch` batches ahead (a bounded queue). Leaving the
// loop early (break, return, an exception) stops and joins it; an exception on that thread (from
// `transform`, or out of memory) is rethrown by the loop when it reaches that batch.
#include <functional>
#include <memory>
#include <optional>

#include "slope/data/dataset.h"

namespace slope::data {

struct Batch {
  Tensor x, y;
};

struct BatchOptions {
  bool drop_last = false;
  bool shuffle = true;
  std::optional<double> mean = {}, std = {};       // both or neither
  int prefetch = 2;                                 // batches prepared ahead, >= 1
  std::function<Batch(Batch)> transform = nullptr;  // runs on the background thread (augmentation, ...)
};

// A single pass: iterate it once, call batches() again for the next epoch.
class Batches {
 public:
  class iterator;
  struct sentinel {};

  Batches(const Dataset& dataset, int64_t batch_size, const Tensor& key, BatchOptions options);
  ~Batches();  // stops and joins the background thread
  Batches(Batches&&) noexcept;
  Batches& operator=(Batches&&) noexcept;

  iterator begin();
  sentinel end() const { return {}; }
  int64_t size() const;  // batches in this epoch

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class Batches::iterator {
 public:
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;
  const Batch& operator*() const { return current_; }
  const Batch* operator->() const { return &current_; }
  iterator& operator++();
  bool operator==(sentinel) const;

 private:
  friend class Batches;
  explicit iterator(State* state);
  State* state_;
  Batch current_;
  int64_t index_ = 0;
};

Batches batches(const Dataset& dataset, int64_t batch_size, const Tensor& key, BatchOptions options = {});

}  // namespace slope::data
