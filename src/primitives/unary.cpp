// Shape/dtype rules of the elementwise unary primitives: the output has the operand's type.
#include "rules.h"

namespace slope::rules {

namespace {
void same_type(const char* op, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  out[0] = in[0];
}
void float_only(const char* op, const AVal* in, size_t n, AVal* out) {
  expect_inputs(op, n, 1);
  expect_float(op, in[0]);
  out[0] = in[0];
}
}  // namespace

// neg on bool has no meaning; PyTorch rejects it too.
void infer_neg(const Params&, const AVal* in, size_t n, AVal* out) {
  same_type("neg", in, n, out);
  check(in[0].dtype != bool_, "neg", "is not defined for bool tensors (use logical_not)");
}
void infer_exp(const Params&, const AVal* in, size_t n, AVal* out) { float_only("exp", in, n, out); }
void infer_log(const Params&, const AVal* in, size_t n, AVal* out) { float_only("log", in, n, out); }
void infer_sin(const Params&, const AVal* in, size_t n, AVal* out) { float_only("sin", in, n, out); }
void infer_sqrt(const Params&, const AVal* in, size_t n, AVal* out) { float_only("sqrt", in, n, out); }
void infer_tanh(const Params&, const AVal* in, size_t n, AVal* out) { float_only("tanh", in, n, out); }
void infer_erf(const Params&, const AVal* in, size_t n, AVal* out) { float_only("erf", in, n, out); }
void infer_floor(const Params&, const AVal* in, size_t n, AVal* out) { same_type("floor", in, n, out); }
void infer_logical_not(const Params&, const AVal* in, size_t n, AVal* out) {
  same_type("logical_not", in, n, out);
  if (!(in[0].dtype == bool_)) fail("logical_not", "expects a bool operand, got ", to_string(in[0]));
}
void infer_stop_gradient(const Params&, const AVal* in, size_t n, AVal* out) { same_type("stop_gradient", in, n, out); }
void infer_cast(const Params& params, const AVal* in, size_t n, AVal* out) {
  expect_inputs("cast", n, 1);
  check_dtype("cast", param<CastParams>("cast", params).dtype);
  out[0] = AVal{in[0].shape, param<CastParams>("cast", params).dtype};
}

}  // namespace slope::rules
