// matmul with torch.matmul semantics, on top of the matmul primitive (equal batch dims only).
#include <algorithm>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

// 1-d x 1-d is a dot product (0-d result); a 1-d left operand gets a leading 1 and a 1-d right
// operand a trailing 1, removed again from the result; leading (batch) dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b) {
  OpScope scope("matmul");
  const char* op = "matmul";
  check(a.defined() && b.defined(), op, "operands must not be empty Tensor handles");
  check(a.ndim() >= 1 && b.ndim() >= 1, op, "both operands need at least 1 dim, got ", to_string(a.aval()), " and ",
        to_string(b.aval()));
  DType d = promote_types(a.dtype(), b.dtype());
  check(d != bool_, op, "is not defined for bool operands, got ", to_string(a.aval()), " and ", to_string(b.aval()));
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  Shape as = a.shape(), bs = b.shape();
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as[as.size() - 1], k2 = bs[bs.size() - 2], n = bs[bs.size() - 1];
  check(k == k2, op, "inner dims differ: ", to_string(a.aval()), " @ ", to_string(b.aval()), " (", k, " vs ", k2, ")");
  Shape batch = broadcast_shapes(op, Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2));

  auto prepare = [&](const Tensor& t, const Shape& s, int64_t rows, int64_t cols) {
    Tensor r = t.dtype() == d ? t : prims::cast(t, d);
    Shape padded(batch.size() + 2 - s.size(), 1);  // leading 1s up to the batch rank
    for (int64_t v : s) padded.push_back(v);
    if (padded != r.shape()) r = prims::reshape(r, padded);
    Shape target = batch;
    target.push_back(rows);
    target.push_back(cols);
    return target == padded ? r : prims::expand(r, target);
  };
  Tensor out = prims::matmul(prepare(a, as, m, k), prepare(b, bs, k, n));
  if (!a_vec && !b_vec) return out;
  Shape res = batch;
  if (!a_vec) res.push_back(m);
  if (!b_vec) res.push_back(n);
  return prims::reshape(out, res);
}

}  // namespace slope

// ---------------------------------------------------------------- diag, trace, outer

namespace slope {

namespace {
// The k-th diagonal of a row-major [r, c] matrix is every (c + 1)-th element of the flat matrix from
// offset k (k >= 0) or -k * c (k < 0): one strided slice, whose transpose (an interior pad) is the
// other direction. Count = elements on that diagonal (0 when it lies outside).
struct Diagonal {
  int64_t start, count;
};
Diagonal diagonal_of(int64_t r, int64_t c, int64_t k) {
  if (k >= 0) return {k, std::max<int64_t>(0, std::min(r, c - k))};
  return {-k * c, std::max<int64_t>(0, std::min(r + k, c))};
}
}  // namespace

Tensor diag(const Tensor& x, int64_t k) {
  const char* op = "diag";
  check(x.ndim() == 1 || x.ndim() == 2, op, "expects a 1-D or 2-D tensor, got ", to_string(x.aval()));
  check(k > -(int64_t{1} << 31) && k < (int64_t{1} << 31), op, "diagonal offset ", k, " is out of range");
  if (x.ndim() == 2) {
    int64_t r = x.shape()[0], c = x.shape()[1];
    Diagonal d = diagonal_of(r, c, k);
    if (d.count == 0) return prims::slice(prims::reshape(x, {r * c}), {0}, {0}, {1});  // [0], still a slice of x
    Tensor flat = prims::reshape(x, {r * c});
    return prims::slice(flat, {d.start}, {d.start + (d.count - 1) * (c + 1) + 1}, {c + 1});
  }
  // 1-D: the n values spaced c + 1 apart in an m x m matrix of zeros, m = n + |k|: one pad with
  // interior padding c, leading padding = the diagonal's start.
  int64_t n = x.shape()[0], m = n + (k < 0 ? -k : k);
  check(m <= (int64_t{1} << 31), op, "the ", m, " x ", m, " result is too large");
  if (n == 0) return prims::full({m, m}, Scalar(0), x.dtype());
  Diagonal d = diagonal_of(m, m, k);
  int64_t used = d.start + n + (n - 1) * m;
  Tensor flat = prims::pad(x, {d.start}, {m * m - used}, {m}, Scalar(0));
  return prims::reshape(flat, {m, m});
}

Tensor trace(const Tensor& x) {
  check(x.ndim() == 2, "trace", "expects a 2-D tensor, got ", to_string(x.aval()));
  return sum(diag(x));
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check(a.ndim() == 1 && b.ndim() == 1, "outer", "expects two 1-D tensors, got ", to_string(a.aval()), " and ",
        to_string(b.aval()));
  return mul(reshape(a, {a.shape()[0], 1}), reshape(b, {1, b.shape()[0]}));
}

}  // namespace slope
