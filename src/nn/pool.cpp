#include "slope/nn/pool.h"

#include "nn/repr.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"

namespace slope::nn {

namespace detail {
const char* pool_name(size_t d, bool max) {
  static const char* names[2][3] = {{"AvgPool1d", "AvgPool2d", "AvgPool3d"}, {"MaxPool1d", "MaxPool2d", "MaxPool3d"}};
  return d >= 1 && d <= 3 ? names[max][d - 1] : "Pool";
}
}  // namespace detail

namespace {

template <size_t D> Shape to_shape(const std::array<int64_t, D>& a) { return Shape(a.begin(), a.end()); }

// torch prints the sizes as they were given; slope keeps tuples, so a uniform one prints as its int.
template <size_t D> std::string size_repr(const std::array<int64_t, D>& a) {
  for (int64_t v : a)
    if (v != a[0]) return detail::py_tuple<D>(a);
  return std::to_string(a[0]);
}

template <size_t D> void check_pool(const char* op, const std::array<int64_t, D>& k, const std::array<int64_t, D>& s,
                                    const std::array<int64_t, D>& p, const std::array<int64_t, D>& d) {
  for (size_t i = 0; i < D; ++i) {
    check(k[i] > 0 && s[i] > 0 && d[i] > 0, op, "kernel_size, stride and dilation must be positive, got kernel_size ",
          detail::py_tuple<D>(k), ", stride ", detail::py_tuple<D>(s), ", dilation ", detail::py_tuple<D>(d));
    check(p[i] >= 0 && 2 * p[i] <= k[i], op, "padding must be >= 0 and at most half the kernel size, got padding ",
          detail::py_tuple<D>(p), " for kernel_size ", detail::py_tuple<D>(k));
  }
}

template <size_t D> void check_input(const char* op, const Tensor& x) {
  int64_t nd = static_cast<int64_t>(D);
  check(x.ndim() == nd + 1 || x.ndim() == nd + 2, op, "expected input [N, C, *", D, " spatial dims] or [C, *spatial], got ",
        to_string(x.aval()));
}

}  // namespace

template <size_t D> MaxPool<D>::MaxPool(Size<D> k, const PoolConfig<D>& c)
    : kernel_size(k), stride(c.stride.value_or(k)), padding(c.padding), dilation(c.dilation), ceil_mode(c.ceil_mode) {
  check_pool<D>(detail::pool_name(D, true), kernel_size, stride, padding, dilation);
}

template <size_t D> Tensor MaxPool<D>::operator()(const Tensor& x) const {
  check_input<D>(detail::pool_name(D, true), x);
  return max_pool(x, {.kernel = to_shape<D>(kernel_size), .stride = to_shape<D>(stride), .padding = to_shape<D>(padding),
                      .dilation = to_shape<D>(dilation), .ceil_mode = ceil_mode});
}

template <size_t D> std::string MaxPool<D>::repr() const {
  return std::string(detail::pool_name(D, true)) + "(kernel_size=" + size_repr<D>(kernel_size) +
         ", stride=" + size_repr<D>(stride) + ", padding=" + size_repr<D>(padding) +
         ", dilation=" + size_repr<D>(dilation) + ", ceil_mode=" + detail::py_bool(ceil_mode) + ")";
}

template <size_t D> AvgPool<D>::AvgPool(Size<D> k, const PoolConfig<D>& c)
    : kernel_size(k), stride(c.stride.value_or(k)), padding(c.padding), ceil_mode(c.ceil_mode) {
  std::array<int64_t, D> ones;
  ones.fill(1);
  const char* op = detail::pool_name(D, false);
  for (int64_t v : c.dilation) check(v == 1, op, "has no dilation");
  check_pool<D>(op, kernel_size, stride, padding, ones);
}

template <size_t D> Tensor AvgPool<D>::operator()(const Tensor& x) const {
  check_input<D>(detail::pool_name(D, false), x);
  return avg_pool(x, {.kernel = to_shape<D>(kernel_size), .stride = to_shape<D>(stride), .padding = to_shape<D>(padding),
                      .ceil_mode = ceil_mode});
}

template <size_t D> std::string AvgPool<D>::repr() const {
  return std::string(detail::pool_name(D, false)) + "(kernel_size=" + size_repr<D>(kernel_size) +
         ", stride=" + size_repr<D>(stride) + ", padding=" + size_repr<D>(padding) + ")";
}

template struct MaxPool<1>;
template struct MaxPool<2>;
template struct MaxPool<3>;
template struct AvgPool<1>;
template struct AvgPool<2>;
template struct AvgPool<3>;

}  // namespace slope::nn
