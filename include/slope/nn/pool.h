#pragma once
// Pooling layers: MaxPool1d/2d/3d and AvgPool1d/2d/3d (no parameters, only static configuration).
// AvgPool counts padded positions in the average (torch's default count_include_pad=True).
//
//   slope::nn::MaxPool2d pool(2);                       // kernel 2, stride 2
//   slope::nn::AvgPool2d avg(3, {.stride = 1, .padding = 1});
#include <array>
#include <string>

#include "slope/nn/conv.h"

namespace slope::nn {

template <size_t D> struct PoolConfig {
  std::optional<Size<D>> stride = std::nullopt;  // default: the kernel size
  Size<D> padding = 0;
  Size<D> dilation = 1;           // max pooling only
  bool ceil_mode = false;
};

template <size_t D> struct MaxPool {
  std::array<int64_t, D> kernel_size{}, stride{}, padding{}, dilation{};
  bool ceil_mode = false;

  MaxPool() = default;
  explicit MaxPool(Size<D> kernel_size, const PoolConfig<D>& c = {});
  Tensor operator()(const Tensor& x) const;  // [N, C, *S] or [C, *S]
  std::string repr() const;  // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
};
template <size_t D> struct AvgPool {
  std::array<int64_t, D> kernel_size{}, stride{}, padding{};
  bool ceil_mode = false;

  AvgPool() = default;
  explicit AvgPool(Size<D> kernel_size, const PoolConfig<D>& c = {});
  Tensor operator()(const Tensor& x) const;
  std::string repr() const;  // "AvgPool2d(kernel_size=2, stride=2, padding=0)"
};
using MaxPool1d = MaxPool<1>;
using MaxPool2d = MaxPool<2>;
using MaxPool3d = MaxPool<3>;
using AvgPool1d = AvgPool<1>;
using AvgPool2d = AvgPool<2>;
using AvgPool3d = AvgPool<3>;

namespace detail {
const char* pool_name(size_t d, bool max);  // "MaxPool2d", "AvgPool1d"
}

}  // namespace slope::nn

namespace slope {
template <size_t D> struct PyTreeFields<nn::MaxPool<D>> {
  static auto tie(nn::MaxPool<D>& p) { return std::tie(p.kernel_size, p.stride, p.padding, p.dilation, p.ceil_mode); }
  static const char* name() { return nn::detail::pool_name(D, true); }
  static const char* field_names() { return "kernel_size, stride, padding, dilation, ceil_mode"; }
};
template <size_t D> struct PyTreeFields<nn::AvgPool<D>> {
  static auto tie(nn::AvgPool<D>& p) { return std::tie(p.kernel_size, p.stride, p.padding, p.ceil_mode); }
  static const char* name() { return nn::detail::pool_name(D, false); }
  static const char* field_names() { return "kernel_size, stride, padding, ceil_mode"; }
};
}  // namespace slope
