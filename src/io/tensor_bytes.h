#pragma once
// Raw bytes of tensors the readers have just allocated and are filling (no one else holds them
// yet, so writing into the buffer does not break the immutability of Tensor).
#include <bit>
#include <cstdint>

#include "slope/tensor.h"

namespace slope::io {

// Every format slope reads or writes is little-endian, like every host slope builds for; a
// big-endian port would byte-swap in the readers and writers.
static_assert(std::endian::native == std::endian::little, "slope's file readers assume a little-endian host");

inline uint64_t byte_count(const Tensor& t) { return static_cast<uint64_t>(t.numel()) * itemsize(t.dtype()); }
inline unsigned char* fresh_bytes(const Tensor& t) { return static_cast<unsigned char*>(t.impl()->buffer->data()); }

// Only 0 and 1 are bools in slope: a file's other bytes become 1, as from_bytes does.
inline void normalise_bools(const Tensor& t) {
  if (t.dtype() != bool_) return;
  unsigned char* b = fresh_bytes(t);
  for (uint64_t i = 0, n = byte_count(t); i < n; ++i) b[i] = b[i] != 0;
}

}  // namespace slope::io
