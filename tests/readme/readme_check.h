#pragma once
// Helpers the README preludes (tests/readme/*.cpp) call; check_readme.py reads what they print.
#include <slope/slope.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

// A value a README comment shows: check_readme.py rounds `actual` to the comment's digits.
inline void readme_value(const char* expected, const slope::Tensor& actual) {
  std::printf("README-VALUE %s %.17g\n", expected, actual.item());
  std::fflush(stdout);
}

// Writes every tensor leaf of `tree` to <prefix><i>.bin (raw bytes, as an exported CLI reads them).
template <class T>
void readme_write_leaves(const std::string& prefix, const T& tree) {
  std::vector<slope::Tensor> leaves = slope::tree_leaves(tree);
  for (size_t i = 0; i < leaves.size(); ++i) {
    const slope::Tensor& t = leaves[i];  // concrete tensors own a row-major buffer
    std::ofstream f(prefix + std::to_string(i) + ".bin", std::ios::binary);
    f.write(static_cast<const char*>(t.data()), static_cast<std::streamsize>(t.numel() * slope::itemsize(t.dtype())));
  }
  std::printf("README-FILES %s %zu\n", prefix.c_str(), leaves.size());
  std::fflush(stdout);
}
