#pragma once
// The primitives: an enum generated from primitives.def, and their typed parameters.
// A primitive takes operands that already agree (one dtype, one shape for elementwise ops);
// broadcasting and promotion are inserted by the procedures in ops.h.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <variant>

#include "slope/aval.h"
#include "slope/dtype.h"
#include "slope/shape.h"

namespace slope {

enum class Prim : uint8_t {
#define SLOPE_PRIMITIVE(name, family) name,
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE
};

enum class Family : uint8_t { unary, binary, ternary, reduce, shape, init, general, higher_order };

// Every table indexed by Prim is generated from primitives.def (src/primitives/record.h), so
// adding a primitive needs no count updated by hand.
inline constexpr int kNumPrimitives = 0
#define SLOPE_PRIMITIVE(name, family) +1
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE
    ;

const char* name(Prim p);
Family family(Prim p);
std::ostream& operator<<(std::ostream& os, Prim p);

// ---- parameters, one struct per shape of parameter list ----
struct NoParams {
  friend bool operator==(const NoParams&, const NoParams&) { return true; }
};
struct CastParams {  // cast
  DType dtype;
  friend bool operator==(const CastParams&, const CastParams&) = default;
};
struct AxesParams {  // sum, max (reduced axes, dropped), permute (perm), flip (axes)
  Axes axes;
  friend bool operator==(const AxesParams&, const AxesParams&) = default;
};
struct ShapeParams {  // reshape, expand (target shape)
  Shape shape;
  friend bool operator==(const ShapeParams&, const ShapeParams&) = default;
};
// pad: per dimension, `lo` and `hi` elements of `value` at the ends and `interior` between
// neighbours (XLA's convention; all >= 0). slice is its transpose and vice versa: the one
// convention used by every rule, so gradients of pad/slice/getitem agree by construction.
struct PadParams {
  Shape lo, hi, interior;
  Scalar value;
  friend bool operator==(const PadParams&, const PadParams&) = default;
};
// slice: elements start, start+step, ... < stop along each dim; 0 <= start <= stop <= dim, step >= 1.
struct SliceParams {
  Shape start, stop, step;
  friend bool operator==(const SliceParams&, const SliceParams&) = default;
};
struct AxisParams {  // cat, gather, scatter_add, argmax
  int64_t axis;
  friend bool operator==(const AxisParams&, const AxisParams&) = default;
};
struct FullParams {  // full
  Shape shape;
  DType dtype;
  Scalar value;
  friend bool operator==(const FullParams&, const FullParams&) = default;
};
struct ArangeParams {  // arange: out[i] = start + i * step, i < n
  int64_t n;
  Scalar start, step;
  DType dtype;
  friend bool operator==(const ArangeParams&, const ArangeParams&) = default;
};
// conv: x [N, C, *S], w [O, C/groups, *K] -> [N, O, *S']; explicit (lo, hi) padding per spatial dim.
struct ConvParams {
  Shape stride, dilation, pad_lo, pad_hi;
  int64_t groups = 1;
  friend bool operator==(const ConvParams&, const ConvParams&) = default;
};

// argsort: the positions (i64) that sort x along `axis`, stably (ties keep their order); NaN sorts
// as the largest value, so it comes last ascending and first descending (PyTorch's order).
struct SortParams {
  int64_t axis;
  bool descending = false;
  friend bool operator==(const SortParams&, const SortParams&) = default;
};

// call: the body (call.h) decides types and rules; compared by identity.
class CallBody;
struct CallParams {
  std::shared_ptr<const CallBody> body;
  friend bool operator==(const CallParams& a, const CallParams& b) { return a.body == b.body; }
};

using Params = std::variant<NoParams, CastParams, AxesParams, ShapeParams, PadParams, SliceParams, AxisParams,
                            FullParams, ArangeParams, ConvParams, CallParams, SortParams>;

std::string to_string(const Params& p);  // "axes=[0, 1]" style, for Program text and errors

// The shape/dtype rule of a primitive (from its record). Throws slope::Error naming the primitive on
// bad input. Writes one AVal per output into `out` (sized by num_outputs).
size_t num_outputs(Prim p, const Params& params);
void infer(Prim p, const Params& params, const AVal* in, size_t n_in, AVal* out);

}  // namespace slope
