// Fashion-MNIST from Debian's dataset-fashion-mnist files (see fashion_mnist.h).
#include "slope/data/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>

#include "io/idx_reader.h"
#include "io/tensor_bytes.h"
#include "slope/interpreter.h"

namespace slope::data {

namespace {
namespace fs = std::filesystem;
constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kClasses = 10;

fs::path file_in(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  if (!fs::is_regular_file(p))
    fail("fashion_mnist", "'", p.string(), "' not found: install the Debian package dataset-fashion-mnist ",
         "(apt-get install dataset-fashion-mnist), or set SLOPE_FASHION_MNIST_DIR to a folder holding ",
         "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz");
  return p;
}

// u8 class indices -> i64, the dtype cross_entropy and one_hot take, checked to be classes.
Tensor labels_from(const Tensor& raw, const fs::path& file) {
  Tensor out = make_array(AVal{raw.shape(), i64});
  const auto* src = static_cast<const uint8_t*>(raw.data());
  auto* dst = reinterpret_cast<int64_t*>(io::fresh_bytes(out));
  for (int64_t i = 0; i < raw.numel(); ++i) {
    if (src[i] >= kClasses) fail("fashion_mnist", "'", file.string(), "': label ", int(src[i]), " at ", i, " is not a class 0..9");
    dst[i] = src[i];
  }
  return out;
}
}  // namespace

Dataset fashion_mnist(const std::string& split) {
  if (split != "train" && split != "test") fail("fashion_mnist", "split must be \"train\" or \"test\", got \"", split, "\"");
  const char* env = std::getenv("SLOPE_FASHION_MNIST_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(kDefaultDir);
  const std::string prefix = split == "train" ? "train" : "t10k";
  const fs::path images_file = file_in(dir, prefix + "-images-idx3-ubyte.gz");
  const fs::path labels_file = file_in(dir, prefix + "-labels-idx1-ubyte.gz");
  Tensor images = io::read_idx("fashion_mnist", images_file);
  Tensor labels = io::read_idx("fashion_mnist", labels_file);
  if (images.dtype() != u8 || images.ndim() != 3 || images.shape(1) != 28 || images.shape(2) != 28)
    fail("fashion_mnist", "'", images_file.string(), "' holds ", to_string(images.aval()), ", expected [N, 28, 28] u8");
  if (labels.dtype() != u8 || labels.ndim() != 1 || labels.shape(0) != images.shape(0))
    fail("fashion_mnist", "'", labels_file.string(), "' holds ", to_string(labels.aval()), ", expected [", images.shape(0), "] u8");
  return Dataset{images, labels_from(labels, labels_file)};
}

}  // namespace slope::data
