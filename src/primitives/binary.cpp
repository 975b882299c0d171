// Shape/dtype rules of binary and ternary primitives: operands of one shape and one dtype.
#include "rules.h"

namespace slope::rules {

namespace {
void agree(const char* op, const AVal* in, size_t n, size_t expected) {
  expect_inputs(op, n, expected);
  for (size_t i = 1; i < n; ++i) {
    check(in[i].shape == in[0].shape, op, "operands must have one shape (broadcast first), got ", describe(in, n));
    check(in[i].dtype == in[0].dtype, op, "operands must have one dtype (cast first), got ", describe(in, n));
  }
}
void arith(const char* op, const AVal* in, size_t n, AVal* out) {
  agree(op, in, n, 2);
  out[0] = in[0];
}
void compare(const char* op, const AVal* in, size_t n, AVal* out) {
  agree(op, in, n, 2);
  out[0] = AVal{in[0].shape, bool_};
}
}  // namespace

void infer_add(const Params&, const AVal* in, size_t n, AVal* out) { arith("add", in, n, out); }
void infer_sub(const Params&, const AVal* in, size_t n, AVal* out) { arith("sub", in, n, out); }
void infer_mul(const Params&, const AVal* in, size_t n, AVal* out) { arith("mul", in, n, out); }
void infer_div(const Params&, const AVal* in, size_t n, AVal* out) { arith("div", in, n, out); }
void infer_pow(const Params&, const AVal* in, size_t n, AVal* out) { arith("pow", in, n, out); }
void infer_maximum(const Params&, const AVal* in, size_t n, AVal* out) { arith("maximum", in, n, out); }
void infer_equal(const Params&, const AVal* in, size_t n, AVal* out) { compare("equal", in, n, out); }
void infer_less(const Params&, const AVal* in, size_t n, AVal* out) { compare("less", in, n, out); }
void infer_greater(const Params&, const AVal* in, size_t n, AVal* out) { compare("greater", in, n, out); }
// atan2(y, x): float only, like the unary transcendentals (procedures promote integers first).
void infer_atan2(const Params&, const AVal* in, size_t n, AVal* out) {
  arith("atan2", in, n, out);
  expect_float("atan2", in[0]);
}

void infer_where(const Params&, const AVal* in, size_t n, AVal* out) {
  expect_inputs("where", n, 3);
  check(in[0].dtype == bool_, "where", "condition must be bool, got ", describe(in, n));
  check(in[0].shape == in[1].shape && in[1].shape == in[2].shape, "where",
        "operands must have one shape (broadcast first), got ", describe(in, n));
  check(in[1].dtype == in[2].dtype, "where", "branches must have one dtype, got ", describe(in, n));
  out[0] = in[1];
}

}  // namespace slope::rules
