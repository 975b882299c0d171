// data::batches: each example exactly once per epoch, a key-determined order, drop_last, the
// file's values scaled (and normalised), a bounded prefetch queue, early exits that neither hang
// nor leak, and background exceptions rethrown in the loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "skip.h"
#include "io/helpers.h"
#include "slope/data/batches.h"
#include "slope/data/fashion_mnist.h"

using namespace slope;
using namespace slope::test_io;
using data::Batch;
using data::Dataset;

namespace {
// Example i: pixels (i * 7 + k) % 256, label i, so every batch row says which example it is.
Dataset numbered(int64_t n, Shape example = {2, 3}) {
  Shape s = example;
  s.insert(s.begin(), n);
  Tensor within = remainder(arange(numel(s)).reshape(s), numel(example));
  Tensor images = remainder(within + arange(n).reshape({n, 1, 1}) * 7, 256).cast(u8);
  return {images, arange(n)};
}

// The labels of one epoch, in order; checks each row of x against its example's pixels / 255.
std::vector<int64_t> epoch(const Dataset& ds, data::Batches range, std::vector<int64_t>* sizes = nullptr) {
  std::vector<int64_t> seen;
  for (auto [x, y] : range) {
    EXPECT_EQ(x.dtype(), f32);
    EXPECT_EQ(x.shape(0), y.shape(0));
    if (sizes) sizes->push_back(y.shape(0));
    Tensor want = ds.images.index_select(0, y).cast(f32) / 255;
    EXPECT_EQ(bits_of(x), bits_of(want));
    for (int64_t v : y.to_vector<int64_t>()) seen.push_back(v);
  }
  return seen;
}
}  // namespace

TEST(Batches, EveryExampleExactlyOncePerEpochKeepingTheLastPartialBatch) {
  Dataset ds = numbered(103);
  std::vector<int64_t> sizes;
  data::Batches range = data::batches(ds, 10, random::key(1));
  EXPECT_EQ(range.size(), 11);
  std::vector<int64_t> seen = epoch(ds, std::move(range), &sizes);
  EXPECT_EQ(sizes, (std::vector<int64_t>{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3}));
  std::vector<int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, arange(103).to_vector<int64_t>());
}

TEST(Batches, OrderComesFromTheKey) {
  Dataset ds = numbered(50);
  std::vector<int64_t> a = epoch(ds, data::batches(ds, 8, random::key(1)));
  EXPECT_EQ(a, epoch(ds, data::batches(ds, 8, random::key(1))));
  EXPECT_EQ(a, random::permutation(random::key(1), 50).to_vector<int64_t>());
  std::vector<int64_t> b = epoch(ds, data::batches(ds, 8, random::key(2)));
  EXPECT_NE(a, b);
  EXPECT_EQ(epoch(ds, data::batches(ds, 8, Tensor(), {.shuffle = false})), arange(50).to_vector<int64_t>());
}

TEST(Batches, DropLastLeavesOutThePartialBatch) {
  Dataset ds = numbered(103);
  std::vector<int64_t> sizes;
  data::Batches range = data::batches(ds, 10, random::key(3), {.drop_last = true});
  EXPECT_EQ(range.size(), 10);
  std::vector<int64_t> seen = epoch(ds, std::move(range), &sizes);
  EXPECT_EQ(sizes, std::vector<int64_t>(10, 10));
  std::vector<int64_t> perm = random::permutation(random::key(3), 103).to_vector<int64_t>();
  EXPECT_EQ(seen, std::vector<int64_t>(perm.begin(), perm.begin() + 100));
  EXPECT_EQ(data::batches(numbered(5), 10, random::key(0), {.drop_last = true}).size(), 0);
  EXPECT_TRUE(epoch(ds, data::batches(numbered(5), 10, random::key(0), {.drop_last = true})).empty());
}

TEST(Batches, MeanAndStdNormaliseAfterScaling) {
  Dataset ds = numbered(20);
  for (auto [x, y] : data::batches(ds, 6, random::key(4), {.mean = 0.2860, .std = 0.3530})) {
    Tensor want = (ds.images.index_select(0, y).cast(f32) / 255 - 0.2860) / 0.3530;
    auto got = x.to_vector<float>(), w = want.to_vector<float>();
    for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got[i], w[i], 1e-6) << i;
  }
  // Float images are converted, not scaled.
  Dataset f{arange(12).reshape({4, 3}).cast(f64), arange(4).cast(i32)};
  for (auto [x, y] : data::batches(f, 4, Tensor(), {.shuffle = false})) {
    EXPECT_EQ(x.to_vector<float>(), arange(12).cast(f32).to_vector<float>());
    EXPECT_EQ(y.dtype(), i32);
  }
}

TEST(Batches, PrefetchRunsAheadOnABoundedQueue) {
  Dataset ds = numbered(100);
  std::atomic<int> made{0};
  auto count = [&](Batch b) {
    made++;
    return b;
  };
  data::Batches range = data::batches(ds, 10, random::key(5), {.prefetch = 2, .transform = count});
  auto it = range.begin();  // batch 0 taken; the thread goes on with 1 and 2, then waits
  for (int i = 0; i < 200 && made.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(made.load(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(made.load(), 3) << "the queue is bounded by prefetch";
  ++it;
  for (int i = 0; i < 200 && made.load() < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(made.load(), 4);
}

TEST(Batches, LeavingEarlyStopsTheThread) {
  Dataset ds = numbered(5000, {28, 28});
  const auto start = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 20; ++rep) {
    for (auto [x, y] : data::batches(ds, 10, random::key(rep))) {
      EXPECT_EQ(x.shape(0), 10);
      break;
    }
  }
  { data::Batches unused = data::batches(ds, 10, random::key(9)); }  // never iterated
  EXPECT_THROW(
      {
        for (auto [x, y] : data::batches(ds, 10, random::key(6))) throw std::runtime_error("from the loop body");
      },
      std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(Batches, BackgroundExceptionsReachTheLoop) {
  Dataset ds = numbered(50);
  int calls = 0, seen = 0;
  auto failing = [&](Batch b) {
    if (++calls == 4) throw std::runtime_error("augmentation failed on batch 3");
    return Batch{b.x.flip({1}), b.y};
  };
  try {
    for (auto [x, y] : data::batches(ds, 5, random::key(7), {.transform = failing})) {
      EXPECT_EQ(bits_of(x), bits_of((ds.images.index_select(0, y).cast(f32) / 255).flip({1})));
      ++seen;
    }
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "augmentation failed on batch 3");
  }
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(calls, 4) << "nothing is prepared after a failure";
}

TEST(Batches, RejectsBadArguments) {
  Dataset ds = numbered(10);
  expect_error([&] { data::batches(ds, 0, random::key(0)); }, {"[batches]", "batch_size must be at least 1, got 0"});
  expect_error([&] { data::batches({ds.images, arange(9)}, 2, random::key(0)); }, {"[batches]", "10 images but 9 labels"});
  expect_error([&] { data::batches({ds.images, Tensor()}, 2, random::key(0)); }, {"[batches]", "labels are not a concrete tensor"});
  expect_error([&] { data::batches(ds, 2, random::key(0), {.mean = 0.5}); }, {"[batches]", "both mean and std"});
  expect_error([&] { data::batches(ds, 2, random::key(0), {.mean = 0.5, .std = 0}); }, {"[batches]", "std must be positive"});
  expect_error([&] { data::batches(ds, 2, random::key(0), {.prefetch = 0}); }, {"[batches]", "prefetch must be at least 1"});
  expect_error([&] { data::batches(ds, 2, Tensor()); }, {"[batches]", "shuffling needs a key", "empty handle"});
  expect_error([&] { data::batches(ds, 2, ones({2})); }, {"[batches]", "shuffling needs a key", "[2] f32"});
  data::Batches range = data::batches(ds, 2, random::key(0));
  range.begin();
  expect_error([&] { range.begin(); }, {"[batches]", "one pass"});
}

TEST(Batches, FashionMnistEpochHasEveryTestImageOnce) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") && !std::getenv("SLOPE_FASHION_MNIST_DIR"))
    SLOPE_SKIP("the Debian package dataset-fashion-mnist is not installed");
  Dataset test = data::fashion_mnist("test");
  std::vector<int> count(10000, 0);
  int64_t batches_seen = 0;
  std::vector<uint8_t> pixels = test.images.to_vector<uint8_t>();
  std::vector<int64_t> labels = test.labels.to_vector<int64_t>();
  // The batches' labels tell nothing about which example a row is: find it by its pixels instead.
  std::map<std::string, std::vector<int64_t>> by_pixels;
  for (int64_t i = 0; i < 10000; ++i) by_pixels[{pixels.begin() + i * 784, pixels.begin() + (i + 1) * 784}].push_back(i);
  for (auto [x, y] : data::batches(test, 256, random::key(8))) {
    ++batches_seen;
    std::vector<float> xv = x.to_vector<float>();
    std::vector<int64_t> yv = y.to_vector<int64_t>();
    for (int64_t r = 0; r < y.shape(0); ++r) {
      std::string row(784, '\0');
      for (int k = 0; k < 784; ++k) {
        float v = xv[r * 784 + k] * 255;
        row[k] = static_cast<char>(std::lround(v));
        ASSERT_NEAR(v, std::lround(v), 1e-3);
      }
      auto it = by_pixels.find(row);
      ASSERT_NE(it, by_pixels.end()) << "a batch row is no image of the file";
      bool matched = false;
      for (int64_t i : it->second) {
        if (count[i] == 0 && labels[i] == yv[r]) {
          count[i] = 1;
          matched = true;
          break;
        }
      }
      EXPECT_TRUE(matched) << "row " << r << " repeats an example or has another label";
    }
  }
  EXPECT_EQ(batches_seen, 40);  // 39 of 256 and one of 16
  EXPECT_EQ(std::count(count.begin(), count.end(), 1), 10000);
}
