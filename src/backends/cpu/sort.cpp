// argsort: x viewed as [A, n, B], each of the A * B rows of n elements sorted stably by the
// shared row sort (sort_rows.h, also pasted into jit-generated code), rows split between threads.
#include <vector>

#include "backends/cpu/eager.h"
#include "backends/cpu/parallel.h"
#include "backends/cpu/kernels/sort_rows.h"

namespace slope::cpu {

void argsort(const SortParams& p, const Tensor& x, Tensor& out) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < p.axis; ++i) outer *= s[i];
  for (size_t i = static_cast<size_t>(p.axis) + 1; i < s.size(); ++i) inner *= s[i];
  const int64_t n = s[p.axis];
  if (out.numel() == 0) return;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using K = sorting::key_t<T>;
    const T* xs = ptr<T>(x);
    int64_t* o = mut<int64_t>(out);
    // A row costs about n log n comparisons.
    int64_t log_n = 1;
    while ((int64_t{1} << log_n) < n) ++log_n;
    parallel_for(outer * inner, rows_grain(n * log_n), [&](int64_t lo, int64_t hi) {
      std::vector<K> keys(static_cast<size_t>(n));
      std::vector<int64_t> idx(static_cast<size_t>(2 * n));
      sorting::argsort_rows(xs, o, n, inner, p.descending, lo, hi, keys.data(), idx.data(), idx.data() + n);
    });
  });
}

}  // namespace slope::cpu
