// Comparing whole tensors: torch.isclose and torch.allclose, with PyTorch's formula and dtype
// rules (one dtype for both operands; the tolerances are weak scalars, so f16 compares in f16
// and integers in f32; integer differences wrap, as in PyTorch).
#include "slope/ops.h"

namespace slope {

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  OpScope scope("isclose");
  const char* op = "isclose";
  check(a.dtype() == b.dtype(), op, "needs both tensors of one dtype (like PyTorch), got ", to_string(a.aval()),
        " and ", to_string(b.aval()));
  check(rtol >= 0 && atol >= 0, op, "rtol and atol must be >= 0, got rtol=", rtol, " atol=", atol);
  Tensor close = eq(a, b);  // also makes equal infinities close
  if (equal_nan && is_floating(a.dtype())) close = logical_or(close, logical_and(isnan(a), isnan(b)));
  if (rtol == 0 && atol == 0) return close;
  const Tensor x = a.dtype() == bool_ ? cast(a, kDefaultFloat) : a;
  const Tensor y = b.dtype() == bool_ ? cast(b, kDefaultFloat) : b;
  Tensor allowed = atol + abs(rtol * y);
  Tensor actual = abs(x - y);
  return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)));
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  OpScope scope("allclose");
  Tensor close = all(isclose(a, b, rtol, atol, equal_nan));
  check(close.is_concrete(), "allclose", "returns a C++ bool, which a traced value (inside jit, vmap, grad) does not ",
        "have yet; use isclose(a, b).all() there");
  return close.item<bool>();
}

}  // namespace slope
