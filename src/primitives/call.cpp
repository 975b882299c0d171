// The record of `call`, the higher-order primitive: every rule delegates to its body (call.h).
// A body may carry its own jvp, transpose or vmap rule (custom_jvp, custom_vjp, jit); without one,
// the transformation traces through the body's ops. No interpreter or pass tests for `call` by
// name: they call these rules, and `run_body` marks the op as defined by a body.
#include "infer_helpers.h"
#include "family.h"
#include "slope/call.h"
#include "slope/primitive_ops.h"

namespace slope::rules {

namespace {
const CallBody& body_of(const Params& params) {
  const CallParams* c = std::get_if<CallParams>(&params);
  if (!c || !c->body) fail("call", "needs CallParams with a body, got ", to_string(params));  // message built on failure only
  return *c->body;
}

size_t num_outputs_call(const Params& params) { return body_of(params).num_outputs(); }

void infer_call(const Params& params, const AVal* in, size_t n, AVal* out) {
  const auto& cp = param<CallParams>("call", params);
  check(cp.body != nullptr, "call", "has no body");
  const auto& body = *cp.body;
  std::vector<AVal> o = body.infer(std::span<const AVal>(in, n));
  check(o.size() == body.num_outputs(), "call", "body ", body.name(), " declared ", body.num_outputs(),
        " outputs, inferred ", o.size());
  for (size_t i = 0; i < o.size(); ++i) out[i] = o[i];
}

// The body as ordinary ops on the current interpreter: what eval does instead of running a kernel.
void run_body(const Params& params, std::span<const Tensor> in, std::span<Tensor> out) {
  const auto& body = body_of(params);
  check(out.size() == body.num_outputs(), "call", "expects ", body.num_outputs(), " outputs, got room for ", out.size());
  std::vector<Tensor> r = body.eval(in);
  check(r.size() == out.size(), "call", "body ", body.name(), " returned ", r.size(), " outputs, expected ", out.size());
  for (size_t i = 0; i < r.size(); ++i) out[i] = std::move(r[i]);
}

void jvp_call(const Params& params, const JvpArgs& a) {
  const auto& body = body_of(params);
  if (!body.has_jvp()) {  // no rule of its own: differentiate through the body
    InterpreterScope back(a.self);
    std::vector<Tensor> r = body.eval(a.traced);
    for (size_t i = 0; i < r.size(); ++i) a.y[i] = r[i];
    return;
  }
  body.jvp(a.x, a.t, a.y, a.ty);
}

AVal per_example(const Tensor& val, int64_t bdim) {
  Shape s;
  for (int64_t i = 0; i < val.ndim(); ++i)
    if (i != bdim) s.push_back(val.shape()[i]);
  return AVal{s, val.dtype()};
}

void vmap_call(const Params& params, const VmapArgs& a) {
  const auto& body = body_of(params);
  if (!body.has_vmap()) {  // no rule of its own: batch the body's ops one by one
    InterpreterScope back(a.self);
    std::vector<Tensor> r = body.eval(a.traced);
    for (size_t i = 0; i < r.size(); ++i) a.y[i] = r[i];
    return;
  }
  std::vector<AVal> avals;
  for (auto& t : a.traced) avals.push_back(t.aval());
  std::vector<AVal> expect = body.infer(avals);
  body.vmap(a.x, a.bdims, a.size, a.y, a.out_bdims);
  // The body's rule is user-level code: check it kept the promised per-example types.
  for (size_t i = 0; i < a.y.size(); ++i) {
    const Tensor& y = a.y[i];
    int64_t obd = a.out_bdims[i];
    check(y.defined(), "call", "vmap rule of body ", body.name(), " left output ", i, " empty");
    check(obd < y.ndim() && (obd < 0 || y.shape()[obd] == a.size), "call", "vmap rule of body ", body.name(),
          " gave output ", i, " of type ", to_string(y.aval()), " with batch axis ", obd, ", expected an axis of size ",
          a.size);
    AVal got = obd >= 0 ? per_example(y, obd) : y.aval();
    check(i < expect.size() && got == expect[i], "call", "vmap rule of body ", body.name(), " gave output ", i,
          " of per-example type ", to_string(got), ", expected ",
          i < expect.size() ? to_string(expect[i]) : std::string("no output"));
  }
}

// Only a linear body (custom_vjp's, a linearized jit) can be transposed; undefined output
// cotangents are zeros of the output's type.
void transpose_call(const Params& params, std::span<const Tensor> x, std::span<const AVal>,
                    std::span<const AVal> out_avals, std::span<const Tensor> cts_out, std::span<Tensor> cts_in) {
  const auto& body = body_of(params);
  std::vector<Tensor> couts;
  for (size_t i = 0; i < cts_out.size(); ++i)
    couts.push_back(cts_out[i].defined() ? cts_out[i] : prims::full(out_avals[i].shape, 0, out_avals[i].dtype));
  check(body.linear(), "vjp", "cannot transpose the call ", body.name(), ": it is not linear");
  std::vector<Tensor> cins = body.transpose(x, couts);
  for (size_t i = 0; i < cts_in.size() && i < cins.size(); ++i)
    if (!x[i].defined()) cts_in[i] = cins[i];
}
}  // namespace

constinit const PrimitiveRecord record_call{.name = "call",
                                            .family = Family::higher_order,
                                            .infer = infer_call,
                                            .jvp = jvp_call,
                                            .vmap = vmap_call,
                                            .transpose = transpose_call,
                                            .num_outputs = num_outputs_call,
                                            .run_body = run_body};

}  // namespace slope::rules
