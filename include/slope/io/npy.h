#pragma once
// .npy files, NumPy's format for one array (numpy.save / numpy.load):
//
//   "\x93NUMPY", major, minor   versions 1.0, 2.0 and 3.0 are read; 1.0 is written (2.0 when
//                               the header would not fit in 1.0's 16-bit length)
//   header length               u16 (1.0) or u32 (2.0, 3.0), little-endian
//   header                      a Python dict literal: {'descr': '<f4', 'fortran_order': False,
//                               'shape': (3, 4), }, padded with spaces and a newline to 64 bytes
//   data                        the elements, little-endian
//
// dtypes: '<f8' '<f4' '<f2' '<i8' '<i4' '|i1' '|u1' '|b1' '<u4' (f64 f32 f16 i64 i32 i8 u8 bool u32);
// NumPy has no bfloat16, so saving one is an error. Arrays stored in Fortran order are read and
// returned in slope's row-major order. The header is validated (its length bounded by the file
// and 1 MiB, its dict parsed strictly, the shape's byte count checked for overflow and equal to
// the bytes that follow) before the tensor is allocated. Writes are atomic.
#include <filesystem>

#include "slope/tensor.h"

namespace slope {

Tensor load_npy(const std::filesystem::path& path);
void save_npy(const Tensor& t, const std::filesystem::path& path);

}  // namespace slope
