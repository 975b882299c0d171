// Shape procedures: reshaping, joining, splitting, padding and reordering, with PyTorch's
// argument conventions (negative axes, -1 in shapes) over the shape primitives.
#include <algorithm>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

int64_t checked_mul(const char* op, int64_t a, int64_t b) {
  int64_t r;
  check(!__builtin_mul_overflow(a, b, &r), op, "shape is too large (element count overflows int64)");
  return r;
}

// Slice [start, stop) with `step` along one axis, the other axes whole.
Tensor slice_axis(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step = 1) {
  const Shape& s = x.shape();
  if (start == 0 && stop == s[axis] && step == 1) return x;
  Shape st(s.size(), 0), sp = s, stp(s.size(), 1);
  st[axis] = start;
  sp[axis] = stop;
  stp[axis] = step;
  return prims::slice(x, st, sp, stp);
}

// x with leading 1s so its rank is n.
Tensor lift_rank(const Tensor& x, size_t n) {
  const Shape& s = x.shape();
  if (s.size() == n) return x;
  Shape r(n - s.size(), 1);
  for (int64_t d : s) r.push_back(d);
  return prims::reshape(x, r);
}

Tensor broadcast_exact(const Tensor& x, const Shape& s) {
  if (x.shape() == s) return x;
  Tensor y = lift_rank(x, s.size());
  return y.shape() == s ? y : prims::expand(y, s);
}

Tensor tri(const char* op, const Tensor& x, int64_t k, bool lower) {
  check(x.ndim() >= 2, op, "needs a tensor with at least 2 dims, got ", to_string(x.shape()));
  int64_t m = x.shape(-2), n = x.shape(-1);
  Tensor rows = prims::expand(prims::reshape(prims::arange(m, Scalar(0), Scalar(1), i64), {m, 1}), {m, n});
  Tensor cols = prims::expand(prims::reshape(prims::arange(n, Scalar(0), Scalar(1), i64), {1, n}), {m, n});
  Tensor diff = prims::sub(cols, rows);  // which diagonal each element is on
  Tensor kk = prims::full({m, n}, Scalar(k), i64);
  // lower keeps diagonals <= k, upper keeps diagonals >= k.
  Tensor keep = lower ? prims::logical_not(prims::greater(diff, kk)) : prims::logical_not(prims::less(diff, kk));
  keep = broadcast_exact(keep, x.shape());
  return prims::where(keep, x, prims::full(x.shape(), Scalar(0), x.dtype()));
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  OpScope scope("reshape");
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      check(infer_at < 0, "reshape", "only one dimension can be -1, got ", to_string(shape));
      infer_at = static_cast<int64_t>(i);
    } else {
      check(shape[i] >= 0, "reshape", "invalid shape ", to_string(shape), " (sizes must be >= 0 or one -1)");
      known = checked_mul("reshape", known, shape[i]);
    }
  }
  Shape s = shape;
  if (infer_at >= 0) {
    check(known != 0, "reshape", "cannot reshape ", to_string(x.shape()), " to ", to_string(shape),
          ": the -1 dimension is ambiguous when other sizes multiply to 0");
    check(x.numel() % known == 0, "reshape", "cannot reshape ", to_string(x.shape()), " (", x.numel(),
          " elements) to ", to_string(shape));
    s[infer_at] = x.numel() / known;
  }
  check(numel(s) == x.numel(), "reshape", "cannot reshape ", to_string(x.shape()), " (", x.numel(), " elements) to ",
        to_string(shape), " (", numel(s), " elements)");
  if (s == x.shape()) return x;
  return prims::reshape(x, s);
}

Tensor flatten(const Tensor& x, int64_t start, int64_t end) {
  OpScope scope("flatten");
  int64_t nd = x.ndim();
  if (nd == 0) {
    normalize_axis("flatten", start, 1);
    normalize_axis("flatten", end, 1);
    return prims::reshape(x, {1});
  }
  int64_t a = normalize_axis("flatten", start, nd), b = normalize_axis("flatten", end, nd);
  check(a <= b, "flatten", "start dim ", start, " must not come after end dim ", end, " for ", to_string(x.shape()));
  if (a == b) return x;
  const Shape& s = x.shape();
  Shape o;
  for (int64_t i = 0; i < a; ++i) o.push_back(s[i]);
  int64_t m = 1;
  for (int64_t i = a; i <= b; ++i) m *= s[i];
  o.push_back(m);
  for (int64_t i = b + 1; i < nd; ++i) o.push_back(s[i]);
  return prims::reshape(x, o);
}

Tensor squeeze(const Tensor& x, Axes axes) {
  OpScope scope("squeeze");
  const Shape& s = x.shape();
  int64_t nd = x.ndim();
  Axes ax;
  if (nd == 0) {
    for (int64_t a : axes) normalize_axis("squeeze", a, 1);  // torch accepts dim 0 / -1 on 0-d tensors
    return x;
  }
  ax = normalize_axes("squeeze", axes, nd, true);
  Shape o;
  bool changed = false;
  for (int64_t i = 0; i < nd; ++i) {
    // A listed dim that is not 1 stays, like torch.squeeze.
    bool drop = s[i] == 1 && std::find(ax.begin(), ax.end(), i) != ax.end();
    if (drop) changed = true;
    else o.push_back(s[i]);
  }
  return changed ? prims::reshape(x, o) : x;
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  OpScope scope("unsqueeze");
  int64_t a = normalize_axis("unsqueeze", axis, x.ndim() + 1);
  Shape o = x.shape();
  o.insert(o.begin() + a, 1);
  return prims::reshape(x, o);
}

Tensor transpose(const Tensor& x, int64_t a, int64_t b) {
  OpScope scope("transpose");
  int64_t nd = x.ndim();
  int64_t i = normalize_axis("transpose", a, nd), j = normalize_axis("transpose", b, nd);
  if (i == j) return x;
  Axes perm;
  for (int64_t k = 0; k < nd; ++k) perm.push_back(k);
  std::swap(perm[i], perm[j]);
  return prims::permute(x, perm);
}

Tensor permute(const Tensor& x, const Axes& perm) {
  OpScope scope("permute");
  int64_t nd = x.ndim();
  check(static_cast<int64_t>(perm.size()) == nd, "permute", "permutation ", to_string(perm), " must list all ", nd,
        " dims of ", to_string(x.shape()));
  Axes p;
  bool identity = true;
  for (int64_t i = 0; i < nd; ++i) {
    p.push_back(normalize_axis("permute", perm[i], nd));
    identity = identity && p.back() == i;
  }
  Axes sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < nd; ++i)
    check(sorted[i] == i, "permute", to_string(perm), " is not a permutation of the dims of ", to_string(x.shape()));
  return identity ? x : prims::permute(x, p);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  OpScope scope("expand");
  const Shape& s = x.shape();
  check(shape.size() >= s.size(), "expand", "target ", to_string(shape), " has fewer dims than ", to_string(s));
  size_t lead = shape.size() - s.size();
  Shape t = shape;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      check(shape[i] >= 0, "expand", "new leading dims can't be -1 or negative, got ", to_string(shape));
    } else if (shape[i] == -1) {
      t[i] = s[i - lead];
    } else {
      check(shape[i] >= 0 && (s[i - lead] == shape[i] || s[i - lead] == 1), "expand", "cannot expand ", to_string(s),
            " to ", to_string(shape), ": dim ", i, " must be 1 or match");
    }
  }
  return broadcast_exact(x, t);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  OpScope scope("broadcast_to");
  for (int64_t d : shape) check(d >= 0, "broadcast_to", "target shape must be non-negative, got ", to_string(shape));
  Shape b = broadcast_shapes("broadcast_to", x.shape(), shape);
  check(b == shape, "broadcast_to", "cannot broadcast ", to_string(x.shape()), " to ", to_string(shape));
  return broadcast_exact(x, shape);
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& xs) {
  OpScope scope("broadcast_tensors");
  Shape s;
  for (const Tensor& x : xs) s = broadcast_shapes("broadcast_tensors", s, x.shape());
  std::vector<Tensor> out;
  for (const Tensor& x : xs) out.push_back(broadcast_exact(x, s));
  return out;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t axis) {
  OpScope scope("cat");
  check(!xs.empty(), "cat", "needs at least one tensor");
  int64_t nd = xs[0].ndim();
  check(nd > 0, "cat", "zero-dimensional tensors cannot be concatenated (use stack)");
  DType d = xs[0].dtype();
  for (const Tensor& x : xs) {
    check(x.ndim() == nd, "cat", "tensors must have the same number of dims, got ", to_string(xs[0].shape()), " and ",
          to_string(x.shape()));
    d = promote_types(d, x.dtype());
  }
  int64_t a = normalize_axis("cat", axis, nd);
  std::vector<Tensor> ys;
  for (const Tensor& x : xs) {
    for (int64_t i = 0; i < nd; ++i)
      check(i == a || x.shape()[i] == xs[0].shape()[i], "cat", "sizes must match except in dim ", a, ", got ",
            to_string(xs[0].shape()), " and ", to_string(x.shape()));
    ys.push_back(slope::cast(x, d));
  }
  if (ys.size() == 1) return ys[0];
  return prims::cat(ys, a);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  OpScope scope("stack");
  check(!xs.empty(), "stack", "needs at least one tensor");
  int64_t a = normalize_axis("stack", axis, xs[0].ndim() + 1);
  std::vector<Tensor> ys;
  for (const Tensor& x : xs) {
    check(x.shape() == xs[0].shape(), "stack", "tensors must have one shape, got ", to_string(xs[0].shape()), " and ",
          to_string(x.shape()));
    ys.push_back(unsqueeze(x, a));
  }
  return cat(ys, a);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis) {
  OpScope scope("split");
  check(x.ndim() > 0, "split", "cannot split a 0-d tensor");
  int64_t a = normalize_axis("split", axis, x.ndim());
  int64_t n = x.shape()[a], total = 0;
  for (int64_t s : sizes) {
    check(s >= 0, "split", "sizes must be non-negative, got a size of ", s);
    total += s;
    check(total <= n, "split", "sizes add up to more than dim ", a, " of ", to_string(x.shape()));
  }
  check(total == n, "split", "sizes must add up to ", n, " (dim ", a, " of ", to_string(x.shape()), "), got ", total);
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(slice_axis(x, a, at, at + s));
    at += s;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis) {
  OpScope scope("split");
  check(x.ndim() > 0, "split", "cannot split a 0-d tensor");
  int64_t a = normalize_axis("split", axis, x.ndim());
  int64_t n = x.shape()[a];
  check(size > 0 || (size == 0 && n == 0), "split", "split size must be positive, got ", size);
  if (n == 0) return {x};
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < n; at += size) sizes.push_back(std::min(size, n - at));
  return split(x, sizes, a);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t n, int64_t axis) {
  OpScope scope("chunk");
  check(n > 0, "chunk", "number of chunks must be positive, got ", n);
  check(x.ndim() > 0, "chunk", "cannot chunk a 0-d tensor");
  int64_t a = normalize_axis("chunk", axis, x.ndim());
  int64_t d = x.shape()[a];
  if (d == 0) return {x};
  // torch.chunk: pieces of ceil(d / n) elements (so there may be fewer than n pieces).
  return split(x, (d + n - 1) / n, a);
}

Tensor repeat(const Tensor& x, const Shape& repeats) {
  OpScope scope("repeat");
  int64_t nd = x.ndim();
  check(static_cast<int64_t>(repeats.size()) >= nd, "repeat", "needs at least one repeat count per dim (", nd,
        "), got ", to_string(repeats));
  for (int64_t r : repeats) check(r >= 0, "repeat", "repeat counts must be non-negative, got ", to_string(repeats));
  Tensor y = lift_rank(x, repeats.size());
  const Shape& s = y.shape();
  // [s0, s1] -> [1, s0, 1, s1] -> expand [r0, s0, r1, s1] -> [r0*s0, r1*s1]: tiles, not interleaves.
  Shape split_shape, big, out;
  for (size_t i = 0; i < s.size(); ++i) {
    split_shape.push_back(1);
    split_shape.push_back(s[i]);
    big.push_back(repeats[i]);
    big.push_back(s[i]);
    out.push_back(checked_mul("repeat", repeats[i], s[i]));
  }
  int64_t total = 1;
  for (int64_t d : out) total = checked_mul("repeat", total, d);
  if (out == s) return y;
  return prims::reshape(prims::expand(prims::reshape(y, split_shape), big), out);
}

Tensor tile(const Tensor& x, const Shape& reps) {
  OpScope scope("tile");
  Shape r = reps;
  while (static_cast<int64_t>(r.size()) < x.ndim()) r.insert(r.begin(), 1);
  for (int64_t v : reps) check(v >= 0, "tile", "repetitions must be non-negative, got ", to_string(reps));
  return repeat(x, r);
}

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, Scalar value) {
  OpScope scope("pad");
  int64_t nd = x.ndim();
  check(static_cast<int64_t>(pads.size()) <= nd, "pad", "got ", pads.size(), " (lo, hi) pairs for a ", nd,
        "-d tensor ", to_string(x.shape()));
  const Shape& s = x.shape();
  Shape lo(nd, 0), hi(nd, 0), interior(nd, 0), st(nd, 0), sp = s, step(nd, 1);
  bool any_pad = false, any_crop = false;
  for (size_t i = 0; i < pads.size(); ++i) {
    auto [l, h] = pads[i];
    constexpr int64_t kMax = int64_t(1) << 60;
    check(l > -kMax && l < kMax && h > -kMax && h < kMax, "pad", "padding (", l, ", ", h, ") is out of range");
    check(s[i] + l + h >= 0, "pad", "negative padding (", l, ", ", h, ") crops more than dim ", i, " of ",
          to_string(s), " holds");
    // Negative padding crops; it applies after positive padding on the other side (like torch).
    lo[i] = std::max<int64_t>(l, 0);
    hi[i] = std::max<int64_t>(h, 0);
    st[i] = std::max<int64_t>(-l, 0);
    sp[i] = s[i] + lo[i] + hi[i] - std::max<int64_t>(-h, 0);
    check(st[i] <= sp[i], "pad", "negative padding (", l, ", ", h, ") crops more than dim ", i, " of ",
          to_string(s), " holds");
    any_pad = any_pad || l > 0 || h > 0;
    any_crop = any_crop || l < 0 || h < 0;
  }
  Tensor y = x;
  if (any_pad) y = prims::pad(y, lo, hi, interior, value);
  if (any_crop) {
    Shape ps = y.shape();
    for (size_t i = pads.size(); i < static_cast<size_t>(nd); ++i) sp[i] = ps[i];
    y = prims::slice(y, st, sp, step);
  }
  return y;
}

Tensor flip(const Tensor& x, Axes axes) {
  OpScope scope("flip");
  Axes a = normalize_axes("flip", axes, x.ndim(), false);
  if (a.empty()) return x;
  return prims::flip(x, a);
}

Tensor roll(const Tensor& x, const Shape& shifts, Axes axes) {
  OpScope scope("roll");
  if (axes.empty()) {
    // torch.roll without dims rolls the flattened tensor.
    check(shifts.size() == 1, "roll", "without axes needs exactly one shift, got ", to_string(shifts));
    Tensor flat = x.ndim() == 1 ? x : prims::reshape(x, {x.numel()});
    Tensor r = roll(flat, shifts, {0});
    return r.shape() == x.shape() ? r : prims::reshape(r, x.shape());
  }
  check(shifts.size() == axes.size(), "roll", "needs one shift per axis, got shifts ", to_string(shifts), " and axes ",
        to_string(axes));
  Tensor y = x;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = normalize_axis("roll", axes[i], x.ndim());
    int64_t n = x.shape()[a];
    if (n == 0) continue;
    int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    // Last s elements move to the front.
    y = prims::cat({slice_axis(y, a, n - s, n), slice_axis(y, a, 0, n - s)}, a);
  }
  return y;
}

Tensor tril(const Tensor& x, int64_t k) {
  OpScope scope("tril");
  return tri("tril", x, k, true);
}
Tensor triu(const Tensor& x, int64_t k) {
  OpScope scope("triu");
  return tri("triu", x, k, false);
}

Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  OpScope scope("slice");
  check(x.ndim() > 0, "slice", "cannot slice a 0-d tensor");
  check(step != 0, "slice", "step must not be zero");
  int64_t a = normalize_axis("slice", axis, x.ndim());
  int64_t n = x.shape()[a];
  // Python's rules: negative indices count from the end, then clamp to the valid range.
  auto wrap = [n](int64_t i, int64_t lo, int64_t hi) {
    if (i < 0) i = i < -n ? -n - 1 : i + n;  // avoid overflow for very negative i
    return std::clamp(i, lo, hi);
  };
  if (step > 0) {
    int64_t b = wrap(start, 0, n), e = wrap(stop, 0, n);
    if (e < b) e = b;
    return slice_axis(x, a, b, e, std::min(step, std::max<int64_t>(n, 1)));  // a step past the end picks one
  }
  // Negative step: walk the flipped axis forward. Python clamps to [-1, n-1] here.
  int64_t b = wrap(start, -1, n - 1), e = wrap(stop, -1, n - 1);
  int64_t count = b > e ? (b - e - 1) / (step == INT64_MIN ? INT64_MAX : -step) + 1 : 0;
  if (count == 0) return slice_axis(x, a, 0, 0);
  int64_t fb = n - 1 - b;  // start in flipped coordinates
  int64_t fstep = step == INT64_MIN ? n + 1 : -step;  // any step > n picks one element
  Tensor f = prims::flip(x, {a});
  return slice_axis(f, a, fb, fb + (count - 1) * fstep + 1, fstep);
}

}  // namespace slope
