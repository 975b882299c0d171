#pragma once
// Fashion-MNIST (Zalando's 28x28 grey clothing images, 10 classes) from the files Debian's
// package `dataset-fashion-mnist` installs: /usr/share/datasets/fashion-mnist/
// {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. $SLOPE_FASHION_MNIST_DIR names another folder
// holding the same four files. Nothing is downloaded.
//
//   auto train = slope::data::fashion_mnist("train");   // images u8 [60000, 28, 28], labels i64 [60000]
//   auto test = slope::data::fashion_mnist("test");     // 10,000 examples
#include <string>

#include "slope/data/dataset.h"

namespace slope::data {

Dataset fashion_mnist(const std::string& split);  // "train" or "test"

}  // namespace slope::data
