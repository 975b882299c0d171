#pragma once
// Internal: one record per primitive, holding everything the library knows about it: its shape/dtype
// rule, its jvp, transpose and vmap rules, the data it checks before a kernel runs, and the traits the
// code generator and passes ask about. The table is generated from primitives.def; each record is
// filled in its family file (unary.cpp, binary.cpp, ...) with that family's macro, so a primitive's
// facts sit in one block of one file.
#include <span>

#include "slope/interpreter.h"
#include "slope/primitive.h"
#include "slope/tensor.h"

namespace slope {

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

namespace rules {

// The transpose of a one-output op, for callers written before records (staging's transpose_program).
inline bool is_linear(Prim p) { return slope::is_linear(p); }
void transpose(Prim p, const Params& params, std::span<const Tensor> x, std::span<const AVal> in_avals,
               const Tensor& ct, std::span<Tensor> cts);

#define SLOPE_PRIMITIVE(name, family) extern const PrimitiveRecord record_##name;
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE

// Every primitive but call has one output, so most rules are written for one output and wrapped.
using Span = std::span<const Tensor>;
// The tangent of the output given primals x, tangents t and the primal output y.
using TangentFn = Tensor (*)(const Params&, Span x, Span t, const Tensor& y);
// The batched output of one op; `ob` starts at 0 (batch axis in front).
using BatchFn = void (*)(const Params&, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t& ob);
// Cotangents of the linear operands from the output cotangent `ct`.
using CotangentFn = void (*)(const Params&, Span x, std::span<const AVal> in_avals, const Tensor& ct,
                             std::span<Tensor> cts);

// The primal first (every tangent rule needs it), then the tangent.
template <Prim P, TangentFn F>
void with_primal(const Params& params, const JvpArgs& a) {
  bind(P, a.x, params, a.y);
  a.ty[0] = F(params, a.x, a.t, a.y[0]);
}

// Type-checks the unbatched operands first, so errors name the user's shapes, not the batched ones.
template <Prim P, BatchFn F>
void batched(const Params& params, const VmapArgs& a) {
  std::vector<AVal> avals;
  for (auto& t : a.traced) avals.push_back(t.aval());
  std::vector<AVal> oavals(a.y.size());
  infer(P, params, avals.data(), avals.size(), oavals.data());
  a.out_bdims[0] = 0;
  F(params, a.x, a.bdims, a.size, a.y[0], a.out_bdims[0]);
}

template <CotangentFn F>
void from_one_cotangent(const Params& params, Span x, std::span<const AVal> in_avals, std::span<const AVal>,
                        std::span<const Tensor> cts_out, std::span<Tensor> cts_in) {
  F(params, x, in_avals, cts_out[0], cts_in);
}

// Shared tangent rules: ops without a derivative, and linear ops (the same op on the tangents).
Tensor no_tangent(const Params&, Span, Span, const Tensor&);
Tensor same_op_tangent(Prim p, const Params& params, Span x, Span t);
template <Prim P>
Tensor linear_tangent(const Params& params, Span x, Span t, const Tensor&) {
  return same_op_tangent(P, params, x, t);
}

// Shared batching: elementwise ops broadcast unbatched operands along the batch axis.
void batch_elementwise(Prim p, const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out,
                       int64_t& ob);
template <Prim P>
void elementwise_batch(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out,
                       int64_t& ob) {
  batch_elementwise(P, params, x, bdims, size, out, ob);
}

// Ops without operands are never batched; the rule exists so every record is complete.
void no_batching_rule(Prim p);
template <Prim P>
void no_batch(const Params&, Span, std::span<const int64_t>, int64_t, Tensor&, int64_t&) {
  no_batching_rule(P);
}

// Shared batching of ops with an AxesParams (sum, max, flip): the axes shift past the batch axis.
void batch_along_axes(Prim p, const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out);
template <Prim P>
void batch_axes(const Params& params, Span x, std::span<const int64_t> bdims, int64_t size, Tensor& out, int64_t&) {
  batch_along_axes(P, params, x, bdims, size, out);
}

// The record of a single-output op of a family, from its name, shape rule, tangent rule and batching
// rule; further fields (.transpose, .check_data, .heavy, ...) follow as designated initializers.
#define SLOPE_RECORD(family_, name_, infer_, tangent_, batch_, ...)                                              \
  constinit const PrimitiveRecord record_##name_ = family_##_family(PrimitiveRecord{                          \
      .name = #name_, .family = Family::family_, .infer = infer_,                                                  \
      .jvp = with_primal<Prim::name_, tangent_>, .vmap = batched<Prim::name_, batch_> __VA_OPT__(, ) __VA_ARGS__})

// Family defaults: which traits the whole family shares.
constexpr PrimitiveRecord elementwise_defaults(PrimitiveRecord r) {
  r.elementwise = true;
  r.fusable = true;
  return r;
}
constexpr PrimitiveRecord unary_family(PrimitiveRecord r) { return elementwise_defaults(r); }
constexpr PrimitiveRecord binary_family(PrimitiveRecord r) { return elementwise_defaults(r); }
constexpr PrimitiveRecord ternary_family(PrimitiveRecord r) { return elementwise_defaults(r); }
constexpr PrimitiveRecord reduce_family(PrimitiveRecord r) {
  r.fusable = true;
  return r;
}
constexpr PrimitiveRecord init_family(PrimitiveRecord r) {
  r.fusable = true;
  return r;
}
constexpr PrimitiveRecord shape_family(PrimitiveRecord r) { return r; }  // fusable: the view-like ones say so
constexpr PrimitiveRecord general_family(PrimitiveRecord r) { return r; }

}  // namespace rules

}  // namespace slope
