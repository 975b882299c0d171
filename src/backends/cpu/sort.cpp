// argsort: x viewed as [A, n, B], each of the A * B rows of n elements sorted stably by the
// shared driver (sort_rows.h, also pasted into jit-generated code), rows split between threads.
#include <string>

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
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (!kernels::argsort(ptr<T>(x), mut<int64_t>(out), outer, n, inner, p.descending, PoolFor{}))
      throw Error("[argsort] out of memory for the sort's scratch space (rows of " + std::to_string(n) + ")");
  });
}

}  // namespace slope::cpu
