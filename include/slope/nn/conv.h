#pragma once
// Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with torch.nn's parameters
// (weight [out, in/groups, *kernel], transposed [in, out/groups, *kernel]), names and
// initialisation (kaiming_uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
//
//   slope::nn::Conv2d conv(3, 16, 3, key, {.padding = 1});
//   slope::nn::Conv2d conv2(16, 32, {3, 5}, key2, {.stride = {2, 1}, .bias = false});
#include <array>
#include <initializer_list>
#include <optional>
#include <string>

#include "slope/nn/module.h"

namespace slope::nn {

// One size per spatial dim, or one number for all (PyTorch's `int or tuple`).
template <size_t D> struct Size : std::array<int64_t, D> {
  Size(int64_t v) { this->fill(v); }  // NOLINT: 3 means (3, 3)
  Size(int v) : Size(static_cast<int64_t>(v)) {}  // NOLINT
  Size(std::initializer_list<int64_t> v);  // exactly D values
  Size(const std::array<int64_t, D>& v) : std::array<int64_t, D>(v) {}  // NOLINT
};

template <size_t D> struct ConvConfig {
  Size<D> stride = 1;
  Size<D> padding = 0;
  Size<D> dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  DType dtype = kDefaultFloat;
};

template <size_t D> struct Conv {
  Tensor weight;               // [out_channels, in_channels / groups, *kernel_size]
  std::optional<Tensor> bias;  // [out_channels]
  std::array<int64_t, D> stride{}, padding{}, dilation{};
  int64_t groups = 1;

  Conv() = default;
  Conv(int64_t in_channels, int64_t out_channels, Size<D> kernel_size, const Tensor& key, const ConvConfig<D>& c = {});
  Tensor operator()(const Tensor& x) const;  // x [N, C_in, *S] or unbatched [C_in, *S]
  int64_t in_channels() const { return weight.shape(1) * groups; }
  int64_t out_channels() const { return weight.shape(0); }
  std::string repr() const;  // "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
};
using Conv1d = Conv<1>;
using Conv2d = Conv<2>;
using Conv3d = Conv<3>;

template <size_t D> struct ConvTransposeConfig {
  Size<D> stride = 1;
  Size<D> padding = 0;
  Size<D> output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  Size<D> dilation = 1;
  DType dtype = kDefaultFloat;
};

template <size_t D> struct ConvTranspose {
  Tensor weight;               // [in_channels, out_channels / groups, *kernel_size]
  std::optional<Tensor> bias;  // [out_channels]
  std::array<int64_t, D> stride{}, padding{}, output_padding{}, dilation{};
  int64_t groups = 1;

  ConvTranspose() = default;
  ConvTranspose(int64_t in_channels, int64_t out_channels, Size<D> kernel_size, const Tensor& key,
                const ConvTransposeConfig<D>& c = {});
  Tensor operator()(const Tensor& x) const;
  int64_t in_channels() const { return weight.shape(0); }
  int64_t out_channels() const { return weight.shape(1) * groups; }
  std::string repr() const;
};
using ConvTranspose1d = ConvTranspose<1>;
using ConvTranspose2d = ConvTranspose<2>;
using ConvTranspose3d = ConvTranspose<3>;

namespace detail {
const char* conv_name(size_t d, bool transposed);  // "Conv2d", "ConvTranspose1d"
}

}  // namespace slope::nn

namespace slope {
template <size_t D> struct PyTreeFields<nn::Conv<D>> {
  static auto tie(nn::Conv<D>& c) { return std::tie(c.weight, c.bias, c.stride, c.padding, c.dilation, c.groups); }
  static const char* name() { return nn::detail::conv_name(D, false); }
  static const char* field_names() { return "weight, bias, stride, padding, dilation, groups"; }
};
template <size_t D> struct PyTreeFields<nn::ConvTranspose<D>> {
  static auto tie(nn::ConvTranspose<D>& c) {
    return std::tie(c.weight, c.bias, c.stride, c.padding, c.output_padding, c.dilation, c.groups);
  }
  static const char* name() { return nn::detail::conv_name(D, true); }
  static const char* field_names() { return "weight, bias, stride, padding, output_padding, dilation, groups"; }
};
}  // namespace slope
