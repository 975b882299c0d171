#pragma once
// Internal: the checks the shape/dtype rules of the family files share. Each rule reads n operand
// types and writes the outputs' types; `op` is the primitive's name for errors.
#include "slope/error.h"
#include "slope/primitive.h"

namespace slope::rules {

void expect_inputs(const char* op, size_t n, size_t expected);
void expect_float(const char* op, const AVal& a);
std::string describe(const AVal* in, size_t n);  // "([2, 3] f32, [3] i64)"

// Shape arithmetic on user-given sizes must not overflow (signed overflow is undefined behaviour and a
// wrapped size would be a silently wrong shape): these throw `op`'s error instead.
inline int64_t checked_add(const char* op, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail(op, "size arithmetic overflows int64: ", a, " + ", b);
  return r;
}
inline int64_t checked_mul(const char* op, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail(op, "size arithmetic overflows int64: ", a, " * ", b);
  return r;
}
// numel() names the error "shape"; this names the op whose shape is too large.
inline int64_t checked_numel(const char* op, const Shape& s) {
  for (int64_t d : s)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : s) n = checked_mul(op, n, d);
  return n;
}

template <class P>
const P& param(const char* op, const Params& params) {
  const P* p = std::get_if<P>(&params);
  if (!p) fail(op, "was given parameters of the wrong kind: ", to_string(params));
  return *p;
}

}  // namespace slope::rules
