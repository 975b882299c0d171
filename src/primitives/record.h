#pragma once
// Internal: one record per primitive, holding everything the library knows about it: its shape/dtype
// rule, its jvp, transpose and vmap rules, the data it checks before a kernel runs, and the traits the
// code generator and passes ask about. The table is generated from primitives.def; each record is
// filled in its family file (unary.cpp, binary.cpp, ...) with that family's macro, so a primitive's
// facts sit in one block of one file.
#include <span>

#include "slope/primitive.h"
#include "slope/tensor.h"

namespace slope {

class Interpreter;

// A jvp rule runs with the jvp interpreter's parent current, so the ops it binds compute there.
// `self` and `traced` (the operands as the jvp interpreter saw them) serve a rule that traces
// through a body instead (call without a rule of its own).
struct JvpArgs {
  std::span<const Tensor> x, t;  // primals; tangents (undefined = zero)
  std::span<Tensor> y, ty;       // primal outputs; tangent outputs (undefined = zero)
  Interpreter& self;
  std::span<const Tensor> traced;
};

// A vmap rule runs with the vmap interpreter's parent current. x[i] carries its batch axis at
// bdims[i] (-1: unbatched) of length `size`; the rule writes outputs and their batch axes (-1: none).
struct VmapArgs {
  std::span<const Tensor> x;
  std::span<const int64_t> bdims;
  int64_t size;
  std::span<Tensor> y;
  std::span<int64_t> out_bdims;
  Interpreter& self;
  std::span<const Tensor> traced;
};

using InferRule = void (*)(const Params&, const AVal* in, size_t n, AVal* out);
using JvpRule = void (*)(const Params&, const JvpArgs&);
using VmapRule = void (*)(const Params&, const VmapArgs&);
// Reverse mode of an op linear in its undefined operands: x[i] is undefined for a linear operand
// (of type in_avals[i]) and the known value otherwise. From the output cotangents (undefined =
// zero; not all of them, the caller skips an op whose outputs all have zero cotangents) it writes
// the cotangent of every linear operand into cts_in (undefined = zero).
using TransposeRule = void (*)(const Params&, std::span<const Tensor> x, std::span<const AVal> in_avals,
                               std::span<const AVal> out_avals, std::span<const Tensor> cts_out,
                               std::span<Tensor> cts_in);
// Preconditions on operand data that no kernel should have to check (index bounds, division by zero).
using DataCheck = void (*)(const Params&, std::span<const Tensor> in);
// An op defined by a body (call): runs the body as ordinary ops on the current interpreter.
using BodyRule = void (*)(const Params&, std::span<const Tensor> in, std::span<Tensor> out);

// Fields in this order, so a family macro can fill the first ones and a block add the rest with
// designated initializers.
struct PrimitiveRecord {
  const char* name;
  Family family;
  InferRule infer;
  JvpRule jvp;
  VmapRule vmap;
  TransposeRule transpose = nullptr;  // null: not linear (is_linear is derived from it)
  DataCheck check_data = nullptr;     // null: nothing to check
  size_t (*num_outputs)(const Params&) = nullptr;  // null: one output
  // Non-null for an op defined by a body (call): it never reaches a backend or the code generator;
  // eval runs the body, passes treat it as opaque, and `inline_calls` replaces it by its body.
  BodyRule run_body = nullptr;
  bool elementwise = false;  // one output element from the same element of each operand
  bool fusable = false;      // the cpu code generator can put it in a fused loop
  bool heavy = false;        // a transcendental: costs many times an add per element
};

const PrimitiveRecord& record(Prim p);
inline bool is_linear(Prim p) { return record(p).transpose != nullptr; }
inline bool has_body(Prim p) { return record(p).run_body != nullptr; }

}  // namespace slope
