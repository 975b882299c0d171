// Tensor: metadata, data access and the scalar constructors. Operations live in procedures/.
#include "slope/tensor.h"

#include <cstdint>

namespace slope {

Tensor make_array(const AVal& aval, std::shared_ptr<Buffer> buffer) {
  check_dtype("make_array", aval.dtype);
  if (!buffer) {
    int64_t n = numel(aval.shape);
    // n * itemsize must not wrap: a wrapped size would allocate a small block for a huge tensor.
    check(n >= 0 && static_cast<uint64_t>(n) <= PTRDIFF_MAX / itemsize(aval.dtype), "alloc", "a tensor of ",
          to_string(aval), " does not fit in memory");
    buffer = Buffer::allocate(static_cast<size_t>(n) * itemsize(aval.dtype));
  }
  return Tensor(std::make_shared<TensorImpl>(aval, std::move(buffer)));
}

namespace {
const TensorImpl& impl_of(const std::shared_ptr<TensorImpl>& p) {
  if (!p) fail("tensor", "this Tensor handle is empty (default-constructed or moved from)");
  return *p;
}
template <class T>
Tensor scalar_tensor(T v) {
  Tensor t = make_array(AVal{Shape{}, dtype_v<T>});
  *static_cast<T*>(t.impl()->buffer->data()) = v;
  return t;
}
}  // namespace

Tensor::Tensor(float v) : Tensor(scalar_tensor<float>(v)) {}
Tensor::Tensor(double v) : Tensor(scalar_tensor<float>(static_cast<float>(v))) {}
Tensor::Tensor(int v) : Tensor(scalar_tensor<int64_t>(v)) {}
Tensor::Tensor(int64_t v) : Tensor(scalar_tensor<int64_t>(v)) {}
Tensor::Tensor(bool v) : Tensor(scalar_tensor<bool>(v)) {}

const Shape& Tensor::shape() const { return impl_of(impl_).aval.shape; }
int64_t Tensor::shape(int64_t axis) const { return shape()[normalize_axis("shape", axis, ndim())]; }
DType Tensor::dtype() const { return impl_of(impl_).aval.dtype; }
int64_t Tensor::numel() const { return slope::numel(shape()); }
const AVal& Tensor::aval() const { return impl_of(impl_).aval; }
bool Tensor::is_concrete() const { return impl_of(impl_).buffer != nullptr; }

const void* Tensor::data() const {
  const TensorImpl& i = impl_of(impl_);
  if (!i.buffer)
    fail("data", "this tensor is a tracer inside a transformation (jvp/vmap/jit); its values are not known yet");
  return i.buffer->data();
}

template <class T>
T Tensor::item() const {
  OpScope scope("item");
  check(numel() == 1, "item", "needs a tensor with one element, got ", to_string(aval()));
  const void* p = data();
  return visit_dtype(dtype(), [&](auto tag) -> T {
    using S = decltype(tag);
    return scalar::convert<T>(*static_cast<const S*>(p));
  });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  OpScope scope("to_vector");
  const void* p = data();
  int64_t n = numel();
  std::vector<T> out(static_cast<size_t>(n));
  visit_dtype(dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* s = static_cast<const S*>(p);
    for (int64_t i = 0; i < n; ++i) out[i] = scalar::convert<T>(s[i]);
  });
  return out;
}

#define SLOPE_INSTANTIATE(T)                      \
  template T Tensor::item<T>() const;             \
  template std::vector<T> Tensor::to_vector<T>() const;
SLOPE_INSTANTIATE(bool)
SLOPE_INSTANTIATE(uint8_t)
SLOPE_INSTANTIATE(int8_t)
SLOPE_INSTANTIATE(int32_t)
SLOPE_INSTANTIATE(int64_t)
SLOPE_INSTANTIATE(uint32_t)
SLOPE_INSTANTIATE(half)
SLOPE_INSTANTIATE(bfloat16)
SLOPE_INSTANTIATE(float)
SLOPE_INSTANTIATE(double)
#undef SLOPE_INSTANTIATE

}  // namespace slope
