// The table of records generated from primitives.def (each record is filled in its family file),
// the questions asked of it, and the rules the families share.
#include "slope/primitive.h"

#include <sstream>

#include "infer_helpers.h"
#include "family.h"
#include "rule_helpers.h"
#include "slope/call.h"

namespace slope {

namespace {
constexpr const PrimitiveRecord* kRecords[] = {
#define SLOPE_PRIMITIVE(name, fam) &rules::record_##name,
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE
};
static_assert(sizeof(kRecords) / sizeof(kRecords[0]) == kNumPrimitives);
}  // namespace

const PrimitiveRecord& record(Prim p) { return *kRecords[static_cast<int>(p)]; }

const char* name(Prim p) { return record(p).name; }
Family family(Prim p) { return record(p).family; }
std::ostream& operator<<(std::ostream& os, Prim p) { return os << name(p); }

size_t num_outputs(Prim p, const Params& params) {
  const PrimitiveRecord& r = record(p);
  return r.num_outputs ? r.num_outputs(params) : 1;
}

void infer(Prim p, const Params& params, const AVal* in, size_t n_in, AVal* out) { record(p).infer(params, in, n_in, out); }

namespace {
struct ParamPrinter {
  std::ostringstream& os;
  void operator()(const NoParams&) const {}
  void operator()(const CastParams& p) const { os << "dtype=" << name(p.dtype); }
  void operator()(const AxesParams& p) const { os << "axes=" << to_string(p.axes); }
  void operator()(const ShapeParams& p) const { os << "shape=" << to_string(p.shape); }
  void operator()(const PadParams& p) const {
    os << "lo=" << to_string(p.lo) << ", hi=" << to_string(p.hi) << ", interior=" << to_string(p.interior)
       << ", value=" << p.value;
  }
  void operator()(const SliceParams& p) const {
    os << "start=" << to_string(p.start) << ", stop=" << to_string(p.stop) << ", step=" << to_string(p.step);
  }
  void operator()(const AxisParams& p) const { os << "axis=" << p.axis; }
  void operator()(const FullParams& p) const {
    os << "shape=" << to_string(p.shape) << ", dtype=" << name(p.dtype) << ", value=" << p.value;
  }
  void operator()(const ArangeParams& p) const {
    os << "n=" << p.n << ", start=" << p.start << ", step=" << p.step << ", dtype=" << name(p.dtype);
  }
  void operator()(const SortParams& p) const { os << "axis=" << p.axis << ", descending=" << (p.descending ? "true" : "false"); }
  void operator()(const CallParams& p) const { os << "body=" << (p.body ? p.body->name() : std::string("<null>")); }
  void operator()(const ConvParams& p) const {
    os << "stride=" << to_string(p.stride) << ", dilation=" << to_string(p.dilation) << ", pad_lo=" << to_string(p.pad_lo)
       << ", pad_hi=" << to_string(p.pad_hi) << ", groups=" << p.groups;
  }
};
}  // namespace

std::string to_string(const Params& p) {
  std::ostringstream os;
  std::visit(ParamPrinter{os}, p);
  return os.str();
}

namespace rules {
void expect_inputs(const char* op, size_t n, size_t expected) {
  check(n == expected, op, "expects ", expected, " operand(s), got ", n);
}
void expect_float(const char* op, const AVal& a) {
  check(is_floating(a.dtype), op, "expects a floating-point operand, got ", to_string(a));
}
std::string describe(const AVal* in, size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + to_string(in[i]);
  return s + ")";
}

Tensor no_tangent(const Params&, Span, Span, const Tensor&) { return Tensor(); }

// A linear op's tangent is the op on the tangents, with zeros instantiated if only some are zero.
Tensor same_op_tangent(Prim p, const Params& params, Span x, Span t) {
  bool any = false;
  for (auto& ti : t) any |= ti.defined();
  if (!any) return Tensor();
  std::vector<Tensor> ts(t.begin(), t.end());
  for (size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) ts[i] = zeros_as(x[i]);
  return bind1(p, std::span<const Tensor>(ts), params);
}

void no_batching_rule(Prim p) { fail("vmap", "no batching rule for ", name(p)); }
}  // namespace rules

}  // namespace slope
