// matmul with torch.matmul semantics, on top of the matmul primitive (equal batch dims only).
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
