// Fashion-MNIST from Debian's dataset-fashion-mnist: the values Python reads from the same files,
// the folder override, and errors that name the package to install.
#include <gtest/gtest.h>

#include "skip.h"
#include "io/helpers.h"
#include "slope/data/fashion_mnist.h"

using namespace slope;
using namespace slope::test_io;

namespace {
const char* kDebianDir = "/usr/share/datasets/fashion-mnist";

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void write_split(const fs::path& dir, const std::string& prefix, uint32_t n, const std::string& labels) {
  std::string pixels;
  for (uint32_t i = 0; i < n * 28 * 28; ++i) pixels += static_cast<char>(i * 7 % 256);
  write_gzip(dir / (prefix + "-images-idx3-ubyte.gz"), idx_header(0x08, {n, 28, 28}) + pixels);
  write_gzip(dir / (prefix + "-labels-idx1-ubyte.gz"), idx_header(0x08, {static_cast<uint32_t>(labels.size())}) + labels);
}
}  // namespace

TEST(FashionMnist, MatchesTheFilesAsPythonReadsThem) {
  if (!fs::exists(fs::path(kDebianDir) / "train-images-idx3-ubyte.gz"))
    SLOPE_SKIP("the Debian package dataset-fashion-mnist is not installed");
  ScopedEnv env("SLOPE_FASHION_MNIST_DIR", "");
  TempDir dir;
  run_reference({"fmnist", kDebianDir, (dir / "summary.json").string()});
  nlohmann::json want = read_json(dir / "summary.json");
  for (const std::string split : {"train", "test"}) {
    SCOPED_TRACE(split);
    data::Dataset ds = data::fashion_mnist(split);
    const auto& w = want[split];
    ASSERT_EQ(ds.size(), w["n"].get<int64_t>());
    EXPECT_EQ(ds.images.shape(), shape_of(w["shape"]));
    EXPECT_EQ(ds.images.dtype(), u8);
    EXPECT_EQ(ds.labels.dtype(), i64);
    EXPECT_EQ(ds.labels.shape(), (Shape{ds.size()}));
    EXPECT_EQ(ds.images.cast(i64).sum().item<int64_t>(), w["pixel_sum"].get<int64_t>());
    std::vector<int64_t> counts(10, 0);
    for (int64_t l : ds.labels.to_vector<int64_t>()) counts.at(static_cast<size_t>(l))++;
    EXPECT_EQ(counts, w["label_counts"].get<std::vector<int64_t>>());
    EXPECT_EQ(ds.labels.slice(0, 0, 32).to_vector<int64_t>(), w["labels_head"].get<std::vector<int64_t>>());
    for (size_t k = 0; k < w["picks"].size(); ++k) {
      int64_t i = w["picks"][k];
      EXPECT_EQ(bits_of(ds.images[i]), w["pick_images"][k].get<std::vector<uint64_t>>()) << "image " << i;
    }
    EXPECT_EQ(ds.images.slice(0, 0, 256).cast(i64).sum(Axes{1, 2}).to_vector<int64_t>(), w["row_sums"].get<std::vector<int64_t>>());
  }
}

TEST(FashionMnist, FolderFromTheEnvironment) {
  TempDir dir;
  ScopedEnv env("SLOPE_FASHION_MNIST_DIR", dir.path().string());
  write_split(dir.path(), "train", 3, std::string("\x09\x00\x04", 3));
  write_split(dir.path(), "t10k", 2, std::string("\x01\x02", 2));
  data::Dataset train = data::fashion_mnist("train");
  EXPECT_EQ(train.images.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(train.labels.to_vector<int64_t>(), (std::vector<int64_t>{9, 0, 4}));
  EXPECT_EQ(train.images[1].flatten()[0].item<int>(), 28 * 28 * 7 % 256);
  EXPECT_EQ(data::fashion_mnist("test").labels.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
}

TEST(FashionMnist, ErrorsNameTheDebianPackageAndTheProblem) {
  TempDir dir;
  ScopedEnv env("SLOPE_FASHION_MNIST_DIR", dir.path().string());
  expect_error([] { data::fashion_mnist("train"); },
               {"[fashion_mnist]", "train-images-idx3-ubyte.gz", "not found", "dataset-fashion-mnist", "SLOPE_FASHION_MNIST_DIR"});
  expect_error([] { data::fashion_mnist("validation"); }, {"[fashion_mnist]", "\"train\" or \"test\"", "validation"});
  write_split(dir.path(), "train", 2, std::string("\x01\x0a", 2));
  expect_error([] { data::fashion_mnist("train"); }, {"[fashion_mnist]", "label 10 at 1 is not a class"});
  write_split(dir.path(), "train", 2, std::string("\x01", 1));
  expect_error([] { data::fashion_mnist("train"); }, {"[fashion_mnist]", "labels-idx1-ubyte.gz", "expected [2] u8"});
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_header(0x08, {1, 2, 2}) + "abcd");
  expect_error([] { data::fashion_mnist("train"); }, {"[fashion_mnist]", "expected [N, 28, 28] u8"});
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_header(0x08, {1, 28, 28}) + "short");
  expect_error([] { data::fashion_mnist("train"); }, {"[fashion_mnist]", "train-images-idx3-ubyte.gz", "ends inside the data"});
}
