#pragma once
// IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped (detected by the gzip magic):
//
//   0, 0, type, rank     type 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   rank dimensions      u32 each, big-endian
//   data                 big-endian, row-major
//
// Tensors come back in slope's dtypes, host byte order: u8, i8, i32 (i16 is widened: slope has no
// i16), i32, f32, f64. The header is validated before anything is allocated: zero magic bytes,
// known type, rank >= 1, the dimensions' byte count checked for overflow and consistent with the
// file (equal to the bytes that follow in a plain file; within what deflate can expand a gzip file
// of that size to). Decompression stops at the expected size plus one byte: more data is an
// error, never a bigger allocation (no zip bomb).
#include <filesystem>

#include "slope/tensor.h"

namespace slope {

Tensor load_idx(const std::filesystem::path& path);

}  // namespace slope
