#include "slope/nn/conv.h"

#include <cmath>

#include "nn/repr.h"
#include "slope/nn/init.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/random.h"

namespace slope::nn {

template <size_t D> Size<D>::Size(std::initializer_list<int64_t> v) {
  check(v.size() == D, "Size", "expected ", D, " values (one per spatial dim), got ", v.size());
  std::copy(v.begin(), v.end(), this->begin());
}

namespace detail {
const char* conv_name(size_t d, bool transposed) {
  static const char* names[2][3] = {{"Conv1d", "Conv2d", "Conv3d"}, {"ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"}};
  return d >= 1 && d <= 3 ? names[transposed][d - 1] : "Conv";
}
}  // namespace detail

namespace {

template <size_t D> Shape to_shape(const std::array<int64_t, D>& a) { return Shape(a.begin(), a.end()); }
template <size_t D> bool all_equal(const std::array<int64_t, D>& a, int64_t v) {
  for (int64_t x : a)
    if (x != v) return false;
  return true;
}

// Checks the sizes every conv layer shares; `op` is the layer's name.
template <size_t D> void check_config(const char* op, int64_t in, int64_t out, const Size<D>& k, int64_t groups,
                                      const Size<D>& stride, const Size<D>& dilation) {
  check(in > 0 && out > 0, op, "in_channels and out_channels must be positive, got ", in, " and ", out);
  check(groups > 0 && in % groups == 0 && out % groups == 0, op, "groups must divide in_channels (", in,
        ") and out_channels (", out, "), got ", groups);
  for (size_t i = 0; i < D; ++i)
    check(k[i] > 0 && stride[i] > 0 && dilation[i] > 0, op,
          "kernel_size, stride and dilation must be positive, got kernel_size ", detail::py_tuple<D>(k), ", stride ",
          detail::py_tuple<D>(stride), ", dilation ", detail::py_tuple<D>(dilation));
}

// A batched [N, C, *S] view of x, and whether it was unbatched.
template <size_t D> std::pair<Tensor, bool> batched(const char* op, const Tensor& x, int64_t channels) {
  int64_t nd = static_cast<int64_t>(D);
  check((x.ndim() == nd + 2 || x.ndim() == nd + 1) && x.shape(-nd - 1) == channels, op, "expected input [N, ",
        channels, ", *", D, " spatial dims] or [", channels, ", *spatial], got ", to_string(x.aval()));
  return x.ndim() == nd + 1 ? std::pair{x.unsqueeze(0), true} : std::pair{x, false};
}

template <size_t D> std::string conv_repr(const char* name, int64_t in, int64_t out, const Shape& wshape,
                                          const std::array<int64_t, D>& stride, const std::array<int64_t, D>& padding,
                                          const std::array<int64_t, D>& dilation, const std::array<int64_t, D>* outpad,
                                          int64_t groups, bool bias) {
  std::vector<int64_t> k(wshape.begin() + 2, wshape.end());
  std::string s = std::string(name) + "(" + std::to_string(in) + ", " + std::to_string(out) +
                  ", kernel_size=" + detail::py_tuple(k) + ", stride=" + detail::py_tuple<D>(stride);
  if (!all_equal<D>(padding, 0)) s += ", padding=" + detail::py_tuple<D>(padding);
  if (!all_equal<D>(dilation, 1)) s += ", dilation=" + detail::py_tuple<D>(dilation);
  if (outpad && !all_equal<D>(*outpad, 0)) s += ", output_padding=" + detail::py_tuple<D>(*outpad);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias) s += ", bias=False";
  return s + ")";
}

// torch's initialisation, for Conv and ConvTranspose alike: a weight of shape `channels` + k drawn
// kaiming_uniform(a = sqrt 5), a bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in from the
// weight's dim 1 (for ConvTranspose too, where that is out_channels / groups, as torch does).
template <size_t D>
void init_parameters(Shape wshape, const Size<D>& k, int64_t out_channels, const Tensor& key, bool with_bias,
                     DType dtype, Tensor& weight, std::optional<Tensor>& bias) {
  for (int64_t v : k) wshape.push_back(v);
  auto [kw, kb] = random::split(key);
  weight = init::kaiming_uniform(kw, wshape, {.a = std::sqrt(5.0), .dtype = dtype});
  if (with_bias) {
    double bound = init::bias_bound(init::calculate_fans(wshape).fan_in);
    bias = init::uniform(kb, {out_channels}, -bound, bound, dtype);
  }
}

}  // namespace

template <size_t D>
Conv<D>::Conv(int64_t in_channels, int64_t out_channels, Size<D> k, const Tensor& key, const ConvConfig<D>& c)
    : stride(c.stride), padding(c.padding), dilation(c.dilation), groups(c.groups) {
  const char* op = detail::conv_name(D, false);
  check_config<D>(op, in_channels, out_channels, k, c.groups, c.stride, c.dilation);
  for (int64_t p : padding) check(p >= 0, op, "padding must be >= 0, got ", detail::py_tuple<D>(padding));
  init_parameters<D>({out_channels, in_channels / c.groups}, k, out_channels, key, c.bias, c.dtype, weight, bias);
}

template <size_t D> Tensor Conv<D>::operator()(const Tensor& x) const {
  auto [xb, unbatched] = batched<D>(detail::conv_name(D, false), x, in_channels());
  Tensor y = conv(xb, weight, bias, {.stride = to_shape<D>(stride), .padding = to_shape<D>(padding),
                                     .dilation = to_shape<D>(dilation), .groups = groups});
  return unbatched ? y.squeeze({0}) : y;
}

template <size_t D> std::string Conv<D>::repr() const {
  return conv_repr<D>(detail::conv_name(D, false), in_channels(), out_channels(), weight.shape(), stride, padding,
                      dilation, nullptr, groups, bias.has_value());
}

template <size_t D>
ConvTranspose<D>::ConvTranspose(int64_t in_channels, int64_t out_channels, Size<D> k, const Tensor& key,
                                const ConvTransposeConfig<D>& c)
    : stride(c.stride), padding(c.padding), output_padding(c.output_padding), dilation(c.dilation), groups(c.groups) {
  const char* op = detail::conv_name(D, true);
  check_config<D>(op, in_channels, out_channels, k, c.groups, c.stride, c.dilation);
  for (size_t i = 0; i < D; ++i) {
    check(padding[i] >= 0, op, "padding must be >= 0, got ", detail::py_tuple<D>(padding));
    check(output_padding[i] >= 0 && (output_padding[i] < stride[i] || output_padding[i] < dilation[i]), op,
          "output_padding must be smaller than stride or dilation, got output_padding ",
          detail::py_tuple<D>(output_padding), ", stride ", detail::py_tuple<D>(stride));
  }
  init_parameters<D>({in_channels, out_channels / c.groups}, k, out_channels, key, c.bias, c.dtype, weight, bias);
}

template <size_t D> Tensor ConvTranspose<D>::operator()(const Tensor& x) const {
  auto [xb, unbatched] = batched<D>(detail::conv_name(D, true), x, in_channels());
  Tensor y = conv_transpose(xb, weight, bias,
                            {.stride = to_shape<D>(stride), .padding = to_shape<D>(padding),
                             .dilation = to_shape<D>(dilation), .groups = groups,
                             .output_padding = to_shape<D>(output_padding)});
  return unbatched ? y.squeeze({0}) : y;
}

template <size_t D> std::string ConvTranspose<D>::repr() const {
  return conv_repr<D>(detail::conv_name(D, true), in_channels(), out_channels(), weight.shape(), stride, padding,
                      dilation, &output_padding, groups, bias.has_value());
}

template struct Size<1>;
template struct Size<2>;
template struct Size<3>;
template struct Conv<1>;
template struct Conv<2>;
template struct Conv<3>;
template struct ConvTranspose<1>;
template struct ConvTranspose<2>;
template struct ConvTranspose<3>;

}  // namespace slope::nn
