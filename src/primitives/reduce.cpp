// Shape/dtype rules of the reductions: `axes` (sorted, unique, in range) are removed.
#include "rules.h"

namespace slope::rules {

namespace {
void reduce(const char* op, const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  const Axes& axes = param<AxesParams>(op, params).axes;
  const Shape& s = in[0].shape;
  int64_t prev = -1;
  for (int64_t a : axes) {
    if (!(a > prev && a < static_cast<int64_t>(s.size()))) fail(op, "axes must be sorted, unique and within a ",
          s.size(), "-d operand, got ", to_string(axes));
    prev = a;
  }
  Shape o;
  size_t k = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (k < axes.size() && axes[k] == static_cast<int64_t>(i)) {
      ++k;
      continue;
    }
    o.push_back(s[i]);
  }
  out[0] = AVal{o, in[0].dtype};
}
}  // namespace

// Integer and bool sums are int64, like PyTorch's: kernels accumulate narrow integers straight
// into the wide output, so no procedure ever stores a widened copy of the input.
void infer_sum(const Params& params, const AVal* in, size_t n, AVal* out) {
  reduce("sum", params, in, n, out);
  if (!is_floating(in[0].dtype)) out[0].dtype = i64;
}
void infer_max(const Params& params, const AVal* in, size_t n, AVal* out) {
  reduce("max", params, in, n, out);
  for (int64_t a : std::get<AxesParams>(params).axes)
    if (!(in[0].shape[a] > 0)) fail("max", "cannot reduce over the empty axis ", a, " of ", to_string(in[0]),
          " (the maximum of nothing is undefined)");
}

}  // namespace slope::rules
