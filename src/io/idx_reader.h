#pragma once
// load_idx for callers that report errors under their own name (data::fashion_mnist).
#include <filesystem>

#include "slope/tensor.h"

namespace slope::io {

Tensor read_idx(const char* op, const std::filesystem::path& path);

}  // namespace slope::io
