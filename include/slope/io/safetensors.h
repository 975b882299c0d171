#pragma once
// safetensors files, Hugging Face's checkpoint format, byte-compatible with every other
// implementation (PyTorch's `safetensors.torch`, JAX/Flax, candle, ...):
//
//   8 bytes   N, the header length (u64, little-endian)
//   N bytes   a JSON object: {"__metadata__": {"k": "v"}, "fc1.weight": {"dtype": "F32",
//             "shape": [100, 784], "data_offsets": [BEGIN, END]}, ...}, padded with spaces
//   the rest  every tensor's bytes (little-endian, row-major), offsets relative to here
//
// dtypes: BOOL U8 I8 I32 I64 U32 F16 BF16 F32 F64 (slope's ten). Reading treats the file as
// hostile: the whole header is validated (length bounded by the file and by 100 MiB, well-formed
// JSON without duplicate keys, known dtypes, rank <= 64, shape x itemsize = byte count without overflow, ranges
// that tile the data region exactly: no overlap, no hole, nothing after) before one tensor is
// allocated, and the bytes are then read straight into the tensors' buffers (no second copy).
// Writing is atomic (a temporary file renamed over the target). Errors are slope::Error naming
// the file and the problem.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "slope/tensor.h"

namespace slope {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;  // the header's "__metadata__"

struct SafetensorsFile {
  NamedTensors tensors;  // in the order the header lists them
  Metadata metadata;
};

SafetensorsFile load_safetensors(const std::filesystem::path& path);
// Writes the tensors in the given order; names must be unique and not "__metadata__".
void save_safetensors(const NamedTensors& tensors, const std::filesystem::path& path, const Metadata& metadata = {});

}  // namespace slope
