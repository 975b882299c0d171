// Creating tensors: from C++ values, and the fill/range constructors.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {
// C++ literals map to PyTorch's defaults: double behaves like a Python float (f32), int like a
// Python int (i64). Exact-width types keep their dtype.
template <class T> DType literal_dtype() {
  if constexpr (std::is_same_v<T, double>) return kDefaultFloat;
  else if constexpr (std::is_same_v<T, int>) return kDefaultInt;
  else if constexpr (std::is_same_v<T, long long>) return kDefaultInt;
  else return dtype_v<T>;
}

template <class T> using Store = std::conditional_t<std::is_same_v<T, bool>, char, T>;

template <class T>
Tensor from_values(const T* values, size_t n, const Shape& shape, std::optional<DType> dtype) {
  if (dtype) check_dtype("tensor", *dtype);
  for (int64_t d : shape) check(d >= 0, "tensor", "shape must be non-negative, got ", to_string(shape));
  check(static_cast<int64_t>(n) == numel(shape), "tensor", "got ", n, " values for shape ", to_string(shape), " (",
        numel(shape), " elements)");
  DType d = dtype.value_or(literal_dtype<T>());
  Tensor t = make_array(AVal{shape, d});
  void* out = t.impl()->buffer->data();
  visit_dtype(d, [&](auto tag) {
    using S = decltype(tag);
    S* o = static_cast<S*>(out);
    for (size_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, long long>) o[i] = scalar::convert<S>(static_cast<int64_t>(values[i]));
      else o[i] = scalar::convert<S>(values[i]);
    }
  });
  return t;
}
}  // namespace

Tensor tensor(Scalar v, std::optional<DType> dtype) {
  OpScope scope("tensor");
  if (dtype) check_dtype("tensor", *dtype);
  DType d = dtype.value_or(v.kind == ScalarKind::Float ? kDefaultFloat : v.kind == ScalarKind::Int ? kDefaultInt : bool_);
  Tensor t = make_array(AVal{Shape{}, d});
  void* out = t.impl()->buffer->data();
  visit_dtype(d, [&](auto tag) {
    using S = decltype(tag);
    *static_cast<S*>(out) = v.to<S>();
  });
  return t;
}

template <class T>
Tensor tensor(const std::vector<T>& values, const Shape& shape, std::optional<DType> dtype) {
  OpScope scope("tensor");
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> tmp(values.begin(), values.end());
    return from_values(reinterpret_cast<const bool*>(tmp.data()), tmp.size(), shape, dtype.value_or(bool_));
  } else {
    return from_values(values.data(), values.size(), shape, dtype);
  }
}

template <class T>
Tensor tensor(std::initializer_list<T> v, std::optional<DType> dtype) {
  OpScope scope("tensor");
  return from_values(v.begin(), v.size(), Shape{static_cast<int64_t>(v.size())}, dtype);
}

template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> v, std::optional<DType> dtype) {
  OpScope scope("tensor");
  std::vector<Store<T>> flat;  // vector<bool> has no data()
  int64_t cols = v.size() ? static_cast<int64_t>(v.begin()->size()) : 0;
  for (auto& row : v) {
    check(static_cast<int64_t>(row.size()) == cols, "tensor", "nested lists must be rectangular: rows of ", cols,
          " and ", row.size(), " elements");
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return from_values(reinterpret_cast<const T*>(flat.data()), flat.size(), Shape{static_cast<int64_t>(v.size()), cols}, dtype);
}

template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v, std::optional<DType> dtype) {
  OpScope scope("tensor");
  std::vector<Store<T>> flat;
  int64_t d1 = v.size() ? static_cast<int64_t>(v.begin()->size()) : 0;
  int64_t d2 = d1 ? static_cast<int64_t>(v.begin()->begin()->size()) : 0;
  for (auto& plane : v) {
    check(static_cast<int64_t>(plane.size()) == d1, "tensor", "nested lists must be rectangular");
    for (auto& row : plane) {
      check(static_cast<int64_t>(row.size()) == d2, "tensor", "nested lists must be rectangular");
      flat.insert(flat.end(), row.begin(), row.end());
    }
  }
  return from_values(reinterpret_cast<const T*>(flat.data()), flat.size(), Shape{static_cast<int64_t>(v.size()), d1, d2}, dtype);
}

#define SLOPE_INSTANTIATE(T)                                                                                   \
  template Tensor tensor<T>(const std::vector<T>&, const Shape&, std::optional<DType>);                        \
  template Tensor tensor<T>(std::initializer_list<T>, std::optional<DType>);                                   \
  template Tensor tensor<T>(std::initializer_list<std::initializer_list<T>>, std::optional<DType>);            \
  template Tensor tensor<T>(std::initializer_list<std::initializer_list<std::initializer_list<T>>>, std::optional<DType>);
SLOPE_INSTANTIATE(bool)
SLOPE_INSTANTIATE(uint8_t)
SLOPE_INSTANTIATE(int8_t)
SLOPE_INSTANTIATE(int32_t)
SLOPE_INSTANTIATE(int64_t)
SLOPE_INSTANTIATE(long long)
SLOPE_INSTANTIATE(uint32_t)
SLOPE_INSTANTIATE(half)
SLOPE_INSTANTIATE(bfloat16)
SLOPE_INSTANTIATE(float)
SLOPE_INSTANTIATE(double)
#undef SLOPE_INSTANTIATE

Tensor from_bytes(const void* data, const Shape& shape, DType dtype) {
  OpScope scope("from_bytes");
  check_dtype("from_bytes", dtype);
  for (int64_t d : shape) check(d >= 0, "from_bytes", "shape must be non-negative, got ", to_string(shape));
  Tensor t = make_array(AVal{shape, dtype});
  size_t n = static_cast<size_t>(numel(shape)) * itemsize(dtype);
  if (n) std::memcpy(t.impl()->buffer->data(), data, n);
  if (dtype == bool_) {  // only 0 and 1 are valid bools: normalise untrusted bytes
    auto* b = static_cast<uint8_t*>(t.impl()->buffer->data());
    for (size_t i = 0; i < n; ++i) b[i] = b[i] != 0;
  }
  return t;
}

Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype) {
  OpScope scope("full");
  DType d = dtype.value_or(value.kind == ScalarKind::Float ? kDefaultFloat
                           : value.kind == ScalarKind::Int ? kDefaultInt
                                                           : bool_);
  check_dtype("full", d);
  for (int64_t s : shape) check(s >= 0, "full", "shape must be non-negative, got ", to_string(shape));
  return prims::full(shape, value, d);
}
Tensor zeros(const Shape& shape, DType dtype) {
  OpScope scope("zeros");
  return full(shape, 0, dtype);
}
Tensor ones(const Shape& shape, DType dtype) {
  OpScope scope("ones");
  return full(shape, 1, dtype);
}
Tensor full_like(const Tensor& t, Scalar value, std::optional<DType> dtype) {
  OpScope scope("full_like");
  return full(t.shape(), value, dtype.value_or(t.dtype()));
}
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  OpScope scope("zeros_like");
  return full_like(t, 0, dtype);
}
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  OpScope scope("ones_like");
  return full_like(t, 1, dtype);
}

Tensor arange(Scalar stop, std::optional<DType> dtype) {
  OpScope scope("arange");
  return arange(Scalar(0), stop, Scalar(1), dtype);
}

Tensor arange(Scalar start, Scalar stop, Scalar step, std::optional<DType> dtype) {
  OpScope scope("arange");
  bool any_float = start.is_float() || stop.is_float() || step.is_float();
  DType d = dtype.value_or(any_float ? kDefaultFloat : kDefaultInt);
  check_dtype("arange", d);
  double s = step.as_double();
  check(s != 0 && std::isfinite(s) && std::isfinite(start.as_double()) && std::isfinite(stop.as_double()), "arange",
        "needs finite start/stop and a non-zero step, got start=", start, " stop=", stop, " step=", step);
  // Like PyTorch: a stop on the wrong side of start (arange(0, 5, -1)) is an error, not an empty range.
  check(s > 0 ? stop.as_double() >= start.as_double() : stop.as_double() <= start.as_double(), "arange",
        "stop=", stop, " lies on the wrong side of start=", start, " for step=", step);
  int64_t n;
  if (!any_float) {
    // stop - start can exceed int64 (arange(INT64_MIN, INT64_MAX)) and -step overflows for INT64_MIN,
    // so the length is computed in uint64, where both are exact, and must then fit in int64.
    const uint64_t a = static_cast<uint64_t>(start.i), b = static_cast<uint64_t>(stop.i);
    const int64_t st = step.i;
    const uint64_t mag = st > 0 ? static_cast<uint64_t>(st) : uint64_t{0} - static_cast<uint64_t>(st);
    const uint64_t dist = st > 0 ? (stop.i > start.i ? b - a : 0) : (start.i > stop.i ? a - b : 0);
    const uint64_t len = dist == 0 ? 0 : (dist - 1) / mag + 1;
    check(len <= static_cast<uint64_t>(INT64_MAX), "arange", "would have too many elements: start=", start,
          " stop=", stop, " step=", step);
    n = static_cast<int64_t>(len);
  } else {
    double len = std::ceil((stop.as_double() - start.as_double()) / s);
    check(len < 9e15, "arange", "would have too many elements (", len, ")");
    n = len > 0 ? static_cast<int64_t>(len) : 0;
  }
  return prims::arange(n, start, step, d);
}

Tensor linspace(double start, double stop, int64_t steps, DType dtype) {
  OpScope scope("linspace");
  check_dtype("linspace", dtype);
  check(steps >= 0, "linspace", "steps must be non-negative, got ", steps);
  check(is_floating(dtype), "linspace", "needs a floating dtype, got ", name(dtype));
  // The f64 working tensors must be addressable; say so as linspace rather than as an anonymous allocation.
  check(steps <= PTRDIFF_MAX / static_cast<int64_t>(sizeof(double)), "linspace", "steps=", steps, " is too many elements");
  if (steps == 1) return full({1}, start, dtype);
  double step = steps > 1 ? (stop - start) / static_cast<double>(steps - 1) : 0.0;
  // Like PyTorch, the second half counts back from `stop` so both ends are exact.
  Tensor i = prims::arange(steps, Scalar(0.0), Scalar(1.0), f64);
  Tensor front = prims::add(full({steps}, start, f64), prims::mul(i, full({steps}, step, f64)));
  Tensor back = prims::sub(full({steps}, stop, f64),
                           prims::mul(prims::sub(full({steps}, static_cast<double>(steps - 1), f64), i), full({steps}, step, f64)));
  Tensor use_front = prims::less(i, full({steps}, static_cast<double>(steps / 2), f64));
  return prims::cast(prims::where(use_front, front, back), dtype);
}

Tensor eye(int64_t n, std::optional<int64_t> m, DType dtype) {
  OpScope scope("eye");
  check_dtype("eye", dtype);
  int64_t cols = m.value_or(n);
  check(n >= 0 && cols >= 0, "eye", "sizes must be non-negative, got ", n, " x ", cols);
  Tensor r = prims::expand(prims::reshape(prims::arange(n, Scalar(0), Scalar(1), i64), {n, 1}), {n, cols});
  Tensor c = prims::expand(prims::reshape(prims::arange(cols, Scalar(0), Scalar(1), i64), {1, cols}), {n, cols});
  return prims::cast(prims::equal(r, c), dtype);
}

}  // namespace slope
