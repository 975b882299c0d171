#pragma once
// A tensor's raw row-major bytes in a file: the input and output format of an exported program's
// command-line runner (numpy: `np.fromfile(path, np.float32)`).
#include <fstream>
#include <stdexcept>
#include <string>

#include <slope/slope.h>

inline void write_raw(const slope::Tensor& t, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(t.data()), static_cast<std::streamsize>(t.numel() * slope::itemsize(t.dtype())));
  if (!f.flush()) throw std::runtime_error("[write_raw] cannot write " + path);
}
