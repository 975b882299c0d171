#pragma once
// Python's spelling of values, for layers' repr() (so slope prints a model exactly as PyTorch does).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace slope::nn::detail {

std::string py_float(double v);  // repr(float): "0.1", "1e-05", "1.0"
inline std::string py_bool(bool v) { return v ? "True" : "False"; }
std::string py_tuple(const std::vector<int64_t>& v);  // "(3, 3)", "(4,)"
template <size_t D> std::string py_tuple(const std::array<int64_t, D>& v) {
  return py_tuple(std::vector<int64_t>(v.begin(), v.end()));
}

}  // namespace slope::nn::detail
