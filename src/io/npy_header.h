#pragma once
// The dict at the start of a .npy file (npy_header.cpp): {'descr': ..., 'fortran_order': ...,
// 'shape': (...), }.
#include <string>
#include <string_view>

#include "io/file.h"
#include "slope/shape.h"

namespace slope::io {

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

NpyHeader parse_npy_header(const InputFile& file, std::string_view text);

}  // namespace slope::io
