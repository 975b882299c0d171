// Shape helpers: element counts, axis normalisation, broadcasting.
#include "slope/shape.h"

#include <algorithm>
#include <sstream>

#include "slope/error.h"

namespace slope {

int64_t numel(const Shape& s) {
  // Shapes reach here before validation (e.g. a user's reshape target), so the product must not
  // overflow (signed overflow is undefined behaviour): a zero dim makes any shape empty, and a
  // product past int64 is an error rather than a wrapped, too-small count.
  for (int64_t d : s)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : s)
    if (__builtin_mul_overflow(n, d, &n)) fail("shape", "the shape ", to_string(s), " has too many elements");
  return n;
}

std::string to_string(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

int64_t normalize_axis(const char* op, int64_t axis, int64_t ndim) {
  check(axis >= -ndim && axis < ndim, op, "axis ", axis, " is out of range for a ", ndim, "-d tensor");
  return axis < 0 ? axis + ndim : axis;
}

Axes normalize_axes(const char* op, const Axes& axes, int64_t ndim, bool all_if_empty) {
  Axes out;
  if (axes.empty() && all_if_empty) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) out.push_back(normalize_axis(op, a, ndim));
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i) check(out[i] != out[i - 1], op, "axis ", out[i], " is repeated in ", to_string(axes));
  return out;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape o(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    check(da == db || da == 1 || db == 1, op, "shapes ", to_string(a), " and ", to_string(b), " cannot be broadcast");
    o[i] = da == 1 ? db : da;
  }
  return o;
}

}  // namespace slope
