// gather and scatter_add along one axis. With x viewed as [A, X, B] (A = dims before the axis,
// B = dims after) and the indices flattened to J: gather copies rows x[a, idx[j], 0:B] (memcpy
// of B elements), scatter_add adds updates[a, j, 0:B] into out[a, idx[j], 0:B]. The eval
// interpreter has already checked every index is in [0, X).
#include <cstring>

#include "kernels.h"
#include "parallel.h"

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

template <class I>
const I* index_ptr(const Tensor& idx) {
  return ptr<I>(idx);
}

}  // namespace

void gather(int64_t axis, const Tensor& x, const Tensor& idx, Tensor& out) {
  if (out.numel() == 0) return;
  const View v = view_of(x.shape(), axis);
  const int64_t j_n = idx.numel();
  const size_t elem = itemsize(x.dtype());
  const char* xs = static_cast<const char*>(x.data());
  char* os = static_cast<char*>(out.impl()->buffer->data());
  visit_dtype(idx.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (scalar::is_int_v<I>) {
      const I* ix = index_ptr<I>(idx);
      const size_t row = static_cast<size_t>(v.b) * elem;
      parallel_for(v.a * j_n, rows_grain(v.b), [&](int64_t lo, int64_t hi) {
        for (int64_t r = lo; r < hi; ++r) {
          const int64_t a = r / j_n, j = r % j_n;
          std::memcpy(os + r * row, xs + (a * v.x + static_cast<int64_t>(ix[j])) * row, row);
        }
      });
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
  const int64_t j_n = idx.numel();
  if (j_n == 0 || v.b == 0) return;
  visit_dtype(x.dtype(), [&](auto xt) {
    using T = decltype(xt);
    visit_dtype(idx.dtype(), [&](auto it) {
      using I = decltype(it);
      if constexpr (scalar::is_int_v<I>) {
        const I* ix = index_ptr<I>(idx);
        const T* u = ptr<T>(upd);
        T* o = mut<T>(out);
        // Each output element receives its updates in j order (as in the reference backend), so
        // threads split a or the b-range, never j.
        auto rows = [&](int64_t a, int64_t b0, int64_t b1) {
          for (int64_t j = 0; j < j_n; ++j) {
            T* __restrict dst = o + (a * v.x + static_cast<int64_t>(ix[j])) * v.b;
            const T* __restrict src = u + (a * j_n + j) * v.b;
            for (int64_t b = b0; b < b1; ++b) dst[b] = scalar::add<T>(dst[b], src[b]);
          }
        };
        if (v.a > 1) {
          parallel_for(v.a, rows_grain(j_n * v.b), [&](int64_t lo, int64_t hi) {
            for (int64_t a = lo; a < hi; ++a) rows(a, 0, v.b);
          });
        } else {
          parallel_for(v.b, rows_grain(j_n), [&](int64_t lo, int64_t hi) { rows(0, lo, hi); });
        }
      } else {
        fail("scatter_add", "cpu backend: indices must be integers, got ", to_string(idx.aval()));
      }
    });
  });
}

}  // namespace slope::cpu
