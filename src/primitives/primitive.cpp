// The tables generated from primitives.def: names, families, and rule dispatch.
#include "slope/primitive.h"

#include <sstream>

#include "rules.h"
#include "slope/call.h"

namespace slope {

namespace {
struct Entry {
  const char* name;
  Family family;
  void (*infer)(const Params&, const AVal*, size_t, AVal*);
};
constexpr Entry kTable[] = {
#define SLOPE_PRIMITIVE(name, fam) {#name, Family::fam, &rules::infer_##name},
#include "slope/primitives.def"
#undef SLOPE_PRIMITIVE
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kNumPrimitives);
}  // namespace

const char* name(Prim p) { return kTable[static_cast<int>(p)].name; }
Family family(Prim p) { return kTable[static_cast<int>(p)].family; }
std::ostream& operator<<(std::ostream& os, Prim p) { return os << name(p); }

size_t num_outputs(Prim p, const Params& params) {
  if (p == Prim::call) {
    const CallParams* c = std::get_if<CallParams>(&params);
    if (!c || !c->body) fail("call", "needs CallParams with a body, got ", to_string(params));  // message built on failure only
    return c->body->num_outputs();
  }
  return 1;
}

void infer(Prim p, const Params& params, const AVal* in, size_t n_in, AVal* out) {
  kTable[static_cast<int>(p)].infer(params, in, n_in, out);
}

std::string to_string(const AVal& a) { return to_string(a.shape) + " " + name(a.dtype); }

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
}  // namespace rules

}  // namespace slope
