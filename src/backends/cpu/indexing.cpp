// The eager gather and scatter_add: tensors unpacked for the shared kernels (kernels/indexing.h).
// The eval interpreter has already checked every index is in [0, X).
#include <cstring>

#include "backends/cpu/eager.h"
#include "backends/cpu/kernels/indexing.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

struct View {
  int64_t a, x, b;
};
View view_of(const Shape& s, int64_t axis) {
  View v{1, s[axis], 1};
  for (int64_t i = 0; i < axis; ++i) v.a *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) v.b *= s[i];
  return v;
}

}  // namespace

void gather(int64_t axis, const Tensor& x, const Tensor& idx, Tensor& out) {
  if (out.numel() == 0) return;
  const View v = view_of(x.shape(), axis);
  const char* xs = static_cast<const char*>(x.data());
  char* os = static_cast<char*>(out.impl()->buffer->data());
  visit_dtype(idx.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (scalar::is_int_v<I>) {
      kernels::gather(xs, ptr<I>(idx), os, v.a, v.x, v.b, idx.numel(), itemsize(x.dtype()), PoolFor{});
    } else {
      fail("gather", "cpu backend: indices must be integers, got ", to_string(idx.aval()));
    }
  });
}

void scatter_add(int64_t axis, const Tensor& x, const Tensor& idx, const Tensor& upd, Tensor& out) {
  const int64_t n = x.numel();
  if (n == 0) return;
  std::memcpy(out.impl()->buffer->data(), x.data(), static_cast<size_t>(n) * itemsize(x.dtype()));
  const View v = view_of(x.shape(), axis);
  visit_dtype(x.dtype(), [&](auto xt) {
    using T = decltype(xt);
    visit_dtype(idx.dtype(), [&](auto it) {
      using I = decltype(it);
      if constexpr (scalar::is_int_v<I>) {
        kernels::scatter_add(mut<T>(out), ptr<I>(idx), ptr<T>(upd), v.a, v.x, v.b, idx.numel(), PoolFor{});
      } else {
        fail("scatter_add", "cpu backend: indices must be integers, got ", to_string(idx.aval()));
      }
    });
  });
}

}  // namespace slope::cpu
