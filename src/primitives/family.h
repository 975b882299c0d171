#pragma once
// Internal: how a family file (unary.cpp, binary.cpp, ...) writes its primitives' records: the
// SLOPE_RECORD macro, the family defaults, and the rules several primitives share. Only the family
// files include it; everything else asks the records through record.h.
#include <vector>

#include "record.h"
#include "slope/interpreter.h"

namespace slope::rules {

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

}  // namespace slope::rules
