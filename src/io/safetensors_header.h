#pragma once
// The safetensors header, parsed and fully validated (safetensors_header.cpp), and the reads and
// writes built on it. Shared by load_safetensors/save_safetensors and the pytree save/load.
#include <cstdint>
#include <string>
#include <vector>

#include "io/file.h"
#include "slope/io/safetensors.h"
#include "slope/shape.h"

namespace slope::io {

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // relative to the data region
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // header order
  Metadata metadata;
  uint64_t data_start;  // 8 + header length
};

// Every check the format allows, before anything is allocated from the file's numbers.
SafetensorsHeader read_safetensors_header(const InputFile& file);
// Allocates the tensor (its size was validated against the file) and reads its bytes into it.
Tensor read_safetensors_tensor(const InputFile& file, const SafetensorsHeader& header, const SafetensorsEntry& entry);
// Validates names and tensors, then writes atomically.
void write_safetensors(const char* op, const NamedTensors& tensors, const std::filesystem::path& path,
                       const Metadata& metadata);

}  // namespace slope::io
