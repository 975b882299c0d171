#pragma once
// Internal: the per-family shape/dtype rules, dispatched by primitive.cpp.
#include "slope/error.h"
#include "slope/primitive.h"

namespace slope::rules {

// Each rule reads n inputs and writes the outputs' types. `op` is the primitive's name for errors.
#define SLOPE_PRIMITIVE(name, family) void infer_##name(const Params& params, const AVal* in, size_t n, AVal* out);
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE

void expect_inputs(const char* op, size_t n, size_t expected);
void expect_float(const char* op, const AVal& a);
std::string describe(const AVal* in, size_t n);  // "([2, 3] f32, [3] i64)"

template <class P>
const P& param(const char* op, const Params& params) {
  const P* p = std::get_if<P>(&params);
  check(p != nullptr, op, "was given parameters of the wrong kind: ", to_string(params));
  return *p;
}

}  // namespace slope::rules
