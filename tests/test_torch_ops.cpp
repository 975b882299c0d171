// The PyTorch oracle: every public op's forward pass against torch's answer.
//
// tests/torch/gen_golden.py writes $SLOPE_GOLDEN_DIR/cases.json + data.bin (ctest regenerates them
// before this suite runs; by hand: /usr/bin/python3 tests/torch/gen_golden.py build/golden).
// Each case names an op of the dispatch table below, its inputs (raw bytes) and kwargs, and either
// torch's outputs or "error": true (torch raised, so slope must throw slope::Error). Every case runs
// on every backend ("reference" and, when built, "cpu") and through every spelling of the op (free
// function, Tensor method, operator), and each spelling must match.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <slope/slope.h>

#include "torch_compare.h"

namespace {

using json = nlohmann::json;
using slope_test::golden;
using slope_test::Golden;
using slope_test::load;
using slope_test::compare;
using slope::Tensor;
using In = const std::vector<Tensor>&;
using Kw = const json&;
using Out = std::vector<Tensor>;
using Fn = std::function<Out(In, Kw)>;

// ---------------------------------------------------------------- kwargs -> C++ arguments
double num(const json& v) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("bad number " + s);
  }
  return v.get<double>();
}
bool has(Kw kw, const char* k) { return kw.contains(k) && !kw[k].is_null(); }
double dbl(Kw kw, const char* k, double dflt) { return has(kw, k) ? num(kw[k]) : dflt; }
int64_t i64(Kw kw, const char* k, int64_t dflt) { return has(kw, k) ? kw[k].get<int64_t>() : dflt; }
bool flag(Kw kw, const char* k, bool dflt = false) { return has(kw, k) ? kw[k].get<bool>() : dflt; }
slope::Shape shp(Kw kw, const char* k) {
  slope::Shape s;
  if (has(kw, k))
    for (auto& d : kw[k]) s.push_back(d.get<int64_t>());
  return s;
}
slope::Axes axes(Kw kw, const char* k = "axes") { return shp(kw, k); }
std::optional<int64_t> opt_i64(Kw kw, const char* k) {
  return has(kw, k) ? std::optional<int64_t>(kw[k].get<int64_t>()) : std::nullopt;
}
std::optional<slope::DType> opt_dtype(Kw kw, const char* k = "dtype") {
  return has(kw, k) ? std::optional<slope::DType>(slope::dtype_from_name(kw[k].get<std::string>())) : std::nullopt;
}
slope::Scalar scal(const json& s) {
  std::string kind = s["kind"].get<std::string>();
  if (kind == "bool") return slope::Scalar(s["v"].get<bool>());
  if (kind == "int") return slope::Scalar(s["v"].get<int64_t>());
  return slope::Scalar(num(s["v"]));
}
std::optional<slope::Scalar> opt_scal(Kw kw, const char* k) {
  return has(kw, k) ? std::optional<slope::Scalar>(scal(kw[k])) : std::nullopt;
}
slope::nn::Reduction red(Kw kw) {
  std::string r = has(kw, "reduction") ? kw["reduction"].get<std::string>() : "mean";
  if (r == "batchmean") return slope::nn::Reduction::batchmean;
  return r == "sum" ? slope::nn::Reduction::sum : r == "none" ? slope::nn::Reduction::none : slope::nn::Reduction::mean;
}
std::optional<Tensor> opt_in(In x, size_t i) { return x.size() > i ? std::optional<Tensor>(x[i]) : std::nullopt; }
std::vector<slope::Index> index_list(In x, Kw kw) {
  std::vector<slope::Index> idx;
  auto o = [](const json& v) { return v.is_null() ? std::optional<int64_t>() : std::optional<int64_t>(v.get<int64_t>()); };
  for (auto& it : kw["index"]) {
    if (it.contains("i")) idx.emplace_back(it["i"].get<int64_t>());
    else if (it.contains("s")) idx.emplace_back(slope::Slice{o(it["s"][0]), o(it["s"][1]), o(it["s"][2])});
    else if (it.contains("n")) idx.emplace_back(slope::newaxis);
    else if (it.contains("e")) idx.emplace_back(slope::ellipsis);
    else idx.emplace_back(x.at(1 + it["t"].get<size_t>()));
  }
  return idx;
}
// Python slice bounds: None becomes a bound far outside every dim, which Python's rules clamp.
int64_t bound(Kw kw, const char* k, bool is_start, int64_t step) {
  if (has(kw, k)) return kw[k].get<int64_t>();
  constexpr int64_t big = int64_t{1} << 62;
  return (is_start == (step > 0)) ? -big : big;
}
slope::nn::ConvOptions conv_opts(Kw kw) {
  slope::nn::ConvOptions o;
  o.stride = shp(kw, "stride");
  o.padding = shp(kw, "padding");
  o.dilation = shp(kw, "dilation");
  o.groups = i64(kw, "groups", 1);
  o.output_padding = shp(kw, "output_padding");
  return o;
}
slope::nn::PoolOptions pool_opts(Kw kw) {
  slope::nn::PoolOptions o;
  o.kernel = shp(kw, "kernel");
  o.stride = shp(kw, "stride");
  o.padding = shp(kw, "padding");
  o.dilation = shp(kw, "dilation");
  o.ceil_mode = flag(kw, "ceil_mode");
  o.count_include_pad = flag(kw, "count_include_pad", true);
  o.divisor_override = opt_i64(kw, "divisor_override");
  return o;
}
slope::nn::InterpolateOptions interpolate_opts(Kw kw) {
  slope::nn::InterpolateOptions o;
  o.size = shp(kw, "size");
  if (has(kw, "scale_factor"))
    for (auto& v : kw["scale_factor"]) o.scale_factor.push_back(num(v));
  const std::string mode = has(kw, "mode") ? kw["mode"].get<std::string>() : "nearest";
  using M = slope::nn::InterpolateMode;
  o.mode = mode == "linear" ? M::linear : mode == "bilinear" ? M::bilinear : mode == "trilinear" ? M::trilinear : M::nearest;
  if (has(kw, "align_corners")) o.align_corners = kw["align_corners"].get<bool>();
  o.recompute_scale_factor = flag(kw, "recompute_scale_factor");
  return o;
}
Out values_indices(const slope::SortResult& r) { return Out{r.values, r.indices}; }

// ---------------------------------------------------------------- the dispatch table
// Every op maps to its spellings. A spelling throws NotApplicable when it does not apply to these
// arguments (e.g. operator& is logical-and only for bool tensors, like torch's & on masks).
struct NotApplicable {};
[[noreturn]] Out skip() { throw NotApplicable{}; }
struct Form {
  const char* how;
  Fn fn;
  // The op this spelling calls when it is not the one the case names (x.view(...) for a reshape
  // case): an error must name the op the user called.
  const char* calls = nullptr;
};
using Table = std::map<std::string, std::vector<Form>>;

#define ONE(...) Out { __VA_ARGS__ }
#define UNARY(name)                                                                         \
  {#name, {{"free", [](In x, Kw) { return ONE(slope::name(x[0])); }},                       \
           {"method", [](In x, Kw) { return ONE(x[0].name()); }}}}
#define BINARY(name)                                                                        \
  {#name, {{"free", [](In x, Kw) { return ONE(slope::name(x[0], x[1])); }},                 \
           {"method", [](In x, Kw) { return ONE(x[0].name(x[1])); }}}}
#define BINARY_OP(name, op)                                                                 \
  {#name, {{"free", [](In x, Kw) { return ONE(slope::name(x[0], x[1])); }},                 \
           {"method", [](In x, Kw) { return ONE(x[0].name(x[1])); }},                       \
           {"operator" #op, [](In x, Kw) { return ONE(x[0] op x[1]); }}}}
// A weak C++ scalar on either side, as slope::Scalar and as a plain C++ literal. ops.h declares
// literal operators with the literal on the right only for comparisons (`2 < x` is ambiguous between
// the Scalar and the Tensor(int) overloads), so LEFT is 0 there and the literal form skips.
#define LITERAL_SIDE_1(op, v, x, left) return left ? ONE(v op x[0]) : ONE(x[0] op v);
#define LITERAL_SIDE_0(op, v, x, left) return left ? skip() : ONE(x[0] op v);
#define SCALAR_OP(name, op, LEFT)                                                           \
  {#name "_scalar",                                                                         \
   {{"Scalar", [](In x, Kw kw) {                                                            \
       slope::Scalar s = scal(kw["s"]);                                                     \
       return has(kw, "side") && kw["side"] == "left" ? ONE(s op x[0]) : ONE(x[0] op s);    \
     }},                                                                                    \
    {"literal", [](In x, Kw kw) -> Out {                                                    \
       bool left = has(kw, "side") && kw["side"] == "left";                                 \
       std::string k = kw["s"]["kind"].get<std::string>();                                  \
       if (k == "int") {                                                                    \
         int v = static_cast<int>(kw["s"]["v"].get<int64_t>());                             \
         LITERAL_SIDE_##LEFT(op, v, x, left)                                                 \
       }                                                                                    \
       if (k == "float") {                                                                  \
         double v = num(kw["s"]["v"]);                                                      \
         LITERAL_SIDE_##LEFT(op, v, x, left)                                                 \
       }                                                                                    \
       return skip();                                                                       \
     }}}}
#define REDUCE(name)                                                                        \
  {#name, {{"free", [](In x, Kw kw) { return ONE(slope::name(x[0], axes(kw), flag(kw, "keepdim"))); }}, \
           {"method", [](In x, Kw kw) { return ONE(x[0].name(axes(kw), flag(kw, "keepdim"))); }}}}
#define REDUCE_INT(name)                                                                    \
  {#name, {{"free", [](In x, Kw kw) { return ONE(slope::name(x[0], axes(kw), flag(kw, "keepdim"))); }}, \
           {"method", [](In x, Kw kw) { return ONE(x[0].name(axes(kw), flag(kw, "keepdim"))); }},       \
           {"method(int)", [](In x, Kw kw) {                                                \
              auto a = axes(kw);                                                            \
              return a.size() == 1 ? ONE(x[0].name(a[0], flag(kw, "keepdim"))) : skip();    \
            }}}}
#define ACT(name)                                                                           \
  {#name, {{"nn", [](In x, Kw) { return ONE(slope::nn::name(x[0])); }},                     \
           {"method", [](In x, Kw) { return ONE(x[0].name()); }}}}
#define LIKE(name)                                                                          \
  {#name, {{"free", [](In x, Kw kw) { return ONE(slope::name(x[0], opt_dtype(kw))); }}}}

// Calls f with the sizes as separate integers (x.reshape(5, 2)); up to 4 of them.
template <class F>
Tensor ints_call(const slope::Shape& s, F f) {
  switch (s.size()) {
    case 1: return f(s[0]);
    case 2: return f(static_cast<int>(s[0]), s[1]);  // mixed int / int64_t, as users write them
    case 3: return f(s[0], static_cast<long long>(s[1]), s[2]);
    case 4: return f(s[0], s[1], s[2], s[3]);
    default: throw NotApplicable{};
  }
}
// torch.max(x, dim) / torch.min(x, dim): (values, indices) through every spelling.
#define EXTREMUM_DIM(name)                                                                      \
  {#name "_dim",                                                                                \
   {{"free", [](In x, Kw kw) {                                                                  \
       auto r = slope::name(x[0], i64(kw, "dim", 0), flag(kw, "keepdim"));                      \
       return Out{r.values(), r.indices()};                                                     \
     }},                                                                                        \
    {"method + structured binding", [](In x, Kw kw) {                                           \
       auto [values, indices] = x[0].name(static_cast<int>(i64(kw, "dim", 0)), flag(kw, "keepdim")); \
       return Out{values, indices};                                                             \
     }},                                                                                        \
    {#name "_with_indices", [](In x, Kw kw) {                                                   \
       auto r = slope::name##_with_indices(x[0], i64(kw, "dim", 0), flag(kw, "keepdim"));       \
       Tensor values = r; /* the result is the values tensor */                                 \
       return Out{values, r.indices()};                                                         \
     }}}}

bool all_bool(In x) {
  for (auto& t : x)
    if (t.dtype() != slope::bool_) return false;
  return true;
}

const Table& table() {
  static const Table t = {
      // ---- unary math
      {"neg",
       {{"free", [](In x, Kw) { return ONE(slope::neg(x[0])); }},
        {"method", [](In x, Kw) { return ONE(x[0].neg()); }},
        {"operator-", [](In x, Kw) { return ONE(-x[0]); }}}},
      UNARY(exp), UNARY(log), UNARY(sin), UNARY(cos), UNARY(tan), UNARY(sqrt), UNARY(rsqrt),
      UNARY(tanh), UNARY(sigmoid), UNARY(erf), UNARY(reciprocal), UNARY(log2), UNARY(exp2), UNARY(log1p),
      UNARY(expm1), UNARY(abs), UNARY(sign), UNARY(floor), UNARY(ceil), UNARY(trunc), UNARY(round), UNARY(square),
      UNARY(isnan), UNARY(isinf),
      {"stop_gradient",
       {{"free", [](In x, Kw) { return ONE(slope::stop_gradient(x[0])); }},
        {"method", [](In x, Kw) { return ONE(x[0].stop_gradient()); }},
        {"detach", [](In x, Kw) { return ONE(x[0].detach()); }}}},
      {"isfinite", {{"free", [](In x, Kw) { return ONE(slope::isfinite(x[0])); }}}},
      {"logical_not",
       {{"free", [](In x, Kw) { return ONE(slope::logical_not(x[0])); }},
        {"method", [](In x, Kw) { return ONE(x[0].logical_not()); }},
        {"operator~", [](In x, Kw) { return all_bool(x) ? ONE(~x[0]) : skip(); }}}},
      {"cast",
       {{"free", [](In x, Kw kw) { return ONE(slope::cast(x[0], *opt_dtype(kw))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].cast(*opt_dtype(kw))); }},
        {"to", [](In x, Kw kw) { return ONE(x[0].to(*opt_dtype(kw))); }},
        {"float_/double_/int_/long_/bool__", [](In x, Kw kw) {
           switch (*opt_dtype(kw)) {
             case slope::f32: return ONE(x[0].float_());
             case slope::f64: return ONE(x[0].double_());
             case slope::i32: return ONE(x[0].int_());
             case slope::i64: return ONE(x[0].long_());
             case slope::bool_: return ONE(x[0].bool__());
             default: return skip();
           }
         }}}},
      {"clip",
       {{"free", [](In x, Kw kw) { return ONE(slope::clip(x[0], opt_scal(kw, "lo"), opt_scal(kw, "hi"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].clip(opt_scal(kw, "lo"), opt_scal(kw, "hi"))); }},
        {"clamp", [](In x, Kw kw) { return ONE(x[0].clamp(opt_scal(kw, "lo"), opt_scal(kw, "hi"))); }}}},
      // ---- binary
      BINARY_OP(add, +), BINARY_OP(sub, -), BINARY_OP(mul, *), BINARY_OP(div, /), BINARY(pow), BINARY(maximum),
      BINARY(minimum), BINARY_OP(eq, ==), BINARY_OP(ne, !=), BINARY_OP(lt, <), BINARY_OP(le, <=), BINARY_OP(gt, >),
      BINARY_OP(ge, >=), BINARY(logical_xor), BINARY(matmul),
      {"floor_divide", {{"free", [](In x, Kw) { return ONE(slope::floor_divide(x[0], x[1])); }}}},
      {"remainder", {{"free", [](In x, Kw) { return ONE(slope::remainder(x[0], x[1])); }}}},
      {"logical_and",
       {{"free", [](In x, Kw) { return ONE(slope::logical_and(x[0], x[1])); }},
        {"method", [](In x, Kw) { return ONE(x[0].logical_and(x[1])); }},
        {"operator&&", [](In x, Kw) { return ONE(x[0] && x[1]); }},
        {"operator&", [](In x, Kw) { return all_bool(x) ? ONE(x[0] & x[1]) : skip(); }}}},
      {"logical_or",
       {{"free", [](In x, Kw) { return ONE(slope::logical_or(x[0], x[1])); }},
        {"method", [](In x, Kw) { return ONE(x[0].logical_or(x[1])); }},
        {"operator||", [](In x, Kw) { return ONE(x[0] || x[1]); }},
        {"operator|", [](In x, Kw) { return all_bool(x) ? ONE(x[0] | x[1]) : skip(); }}}},
      {"where",
       {{"free", [](In x, Kw) { return ONE(slope::where(x[0], x[1], x[2])); }},
        {"method", [](In x, Kw) { return ONE(x[1].where(x[0], x[2])); }}}},
      SCALAR_OP(add, +, 1), SCALAR_OP(sub, -, 1), SCALAR_OP(mul, *, 1), SCALAR_OP(div, /, 1), SCALAR_OP(eq, ==, 0),
      SCALAR_OP(ne, !=, 0), SCALAR_OP(lt, <, 0), SCALAR_OP(le, <=, 0), SCALAR_OP(gt, >, 0), SCALAR_OP(ge, >=, 0),
      {"iadd", {{"operator+=", [](In x, Kw) { Tensor a = x[0]; a += x[1]; return ONE(a); }}}},
      {"isub", {{"operator-=", [](In x, Kw) { Tensor a = x[0]; a -= x[1]; return ONE(a); }}}},
      {"imul", {{"operator*=", [](In x, Kw) { Tensor a = x[0]; a *= x[1]; return ONE(a); }}}},
      {"idiv", {{"operator/=", [](In x, Kw) { Tensor a = x[0]; a /= x[1]; return ONE(a); }}}},
      // ---- reductions
      REDUCE_INT(sum), REDUCE_INT(mean), REDUCE_INT(max), REDUCE_INT(min), REDUCE_INT(prod), REDUCE_INT(logsumexp),
      REDUCE(any), REDUCE(all),
      {"var",
       {{"free", [](In x, Kw kw) { return ONE(slope::var(x[0], axes(kw), dbl(kw, "correction", 1), flag(kw, "keepdim"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].var(axes(kw), dbl(kw, "correction", 1), flag(kw, "keepdim"))); }}}},
      {"std",
       {{"free", [](In x, Kw kw) { return ONE(slope::std(x[0], axes(kw), dbl(kw, "correction", 1), flag(kw, "keepdim"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].std(axes(kw), dbl(kw, "correction", 1), flag(kw, "keepdim"))); }}}},
      {"argmax",
       {{"free", [](In x, Kw kw) { return ONE(slope::argmax(x[0], opt_i64(kw, "axis"), flag(kw, "keepdim"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].argmax(opt_i64(kw, "axis"), flag(kw, "keepdim"))); }}}},
      {"argmin",
       {{"free", [](In x, Kw kw) { return ONE(slope::argmin(x[0], opt_i64(kw, "axis"), flag(kw, "keepdim"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].argmin(opt_i64(kw, "axis"), flag(kw, "keepdim"))); }}}},
      {"cumsum",
       {{"free", [](In x, Kw kw) { return ONE(slope::cumsum(x[0], i64(kw, "axis", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].cumsum(i64(kw, "axis", 0))); }}}},
      // ---- shape
      {"reshape",
       {{"free", [](In x, Kw kw) { return ONE(slope::reshape(x[0], shp(kw, "shape"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].reshape(shp(kw, "shape"))); }},
        {"view", [](In x, Kw kw) { return ONE(x[0].view(shp(kw, "shape"))); }, "view"}}},
      {"flatten",
       {{"free", [](In x, Kw kw) { return ONE(slope::flatten(x[0], i64(kw, "start", 0), i64(kw, "end", -1))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].flatten(i64(kw, "start", 0), i64(kw, "end", -1))); }}}},
      {"squeeze",
       {{"free", [](In x, Kw kw) { return ONE(slope::squeeze(x[0], axes(kw))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].squeeze(axes(kw))); }}}},
      {"unsqueeze",
       {{"free", [](In x, Kw kw) { return ONE(slope::unsqueeze(x[0], i64(kw, "axis", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].unsqueeze(i64(kw, "axis", 0))); }}}},
      {"transpose",
       {{"free", [](In x, Kw kw) { return ONE(slope::transpose(x[0], i64(kw, "a", -2), i64(kw, "b", -1))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].transpose(i64(kw, "a", -2), i64(kw, "b", -1))); }}}},
      {"T", {{"method", [](In x, Kw) { return ONE(x[0].T()); }}}},
      {"permute",
       {{"free", [](In x, Kw kw) { return ONE(slope::permute(x[0], axes(kw, "perm"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].permute(axes(kw, "perm"))); }}}},
      {"expand",
       {{"free", [](In x, Kw kw) { return ONE(slope::expand(x[0], shp(kw, "shape"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].expand(shp(kw, "shape"))); }}}},
      {"broadcast_to",
       {{"free", [](In x, Kw kw) { return ONE(slope::broadcast_to(x[0], shp(kw, "shape"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].broadcast_to(shp(kw, "shape"))); }}}},
      {"broadcast_tensors", {{"free", [](In x, Kw) { return slope::broadcast_tensors(x); }}}},
      {"stack", {{"free", [](In x, Kw kw) { return ONE(slope::stack(x, i64(kw, "axis", 0))); }}}},
      {"cat", {{"free", [](In x, Kw kw) { return ONE(slope::cat(x, i64(kw, "axis", 0))); }}}},
      {"split",
       {{"free", [](In x, Kw kw) {
          int64_t ax = i64(kw, "axis", 0);
          return has(kw, "sizes") ? slope::split(x[0], kw["sizes"].get<std::vector<int64_t>>(), ax)
                                  : slope::split(x[0], i64(kw, "size", 1), ax);
        }},
        {"method", [](In x, Kw kw) {
          int64_t ax = i64(kw, "axis", 0);
          return has(kw, "sizes") ? x[0].split(kw["sizes"].get<std::vector<int64_t>>(), ax)
                                  : x[0].split(i64(kw, "size", 1), ax);
        }}}},
      {"chunk",
       {{"free", [](In x, Kw kw) { return slope::chunk(x[0], i64(kw, "n", 1), i64(kw, "axis", 0)); }},
        {"method", [](In x, Kw kw) { return x[0].chunk(i64(kw, "n", 1), i64(kw, "axis", 0)); }}}},
      {"repeat",
       {{"free", [](In x, Kw kw) { return ONE(slope::repeat(x[0], shp(kw, "repeats"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].repeat(shp(kw, "repeats"))); }}}},
      {"tile",
       {{"free", [](In x, Kw kw) { return ONE(slope::tile(x[0], shp(kw, "reps"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].tile(shp(kw, "reps"))); }}}},
      {"pad",
       {{"free", [](In x, Kw kw) {
          return ONE(slope::pad(x[0], kw["pads"].get<std::vector<std::pair<int64_t, int64_t>>>(), scal(kw["value"])));
        }},
        {"method", [](In x, Kw kw) {
          return ONE(x[0].pad(kw["pads"].get<std::vector<std::pair<int64_t, int64_t>>>(), scal(kw["value"])));
        }}}},
      {"flip",
       {{"free", [](In x, Kw kw) { return ONE(slope::flip(x[0], axes(kw))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].flip(axes(kw))); }}}},
      {"roll",
       {{"free", [](In x, Kw kw) { return ONE(slope::roll(x[0], shp(kw, "shifts"), axes(kw))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].roll(shp(kw, "shifts"), axes(kw))); }}}},
      {"tril",
       {{"free", [](In x, Kw kw) { return ONE(slope::tril(x[0], i64(kw, "k", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].tril(i64(kw, "k", 0))); }}}},
      {"triu",
       {{"free", [](In x, Kw kw) { return ONE(slope::triu(x[0], i64(kw, "k", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].triu(i64(kw, "k", 0))); }}}},
      {"slice",
       {{"free", [](In x, Kw kw) {
          int64_t step = i64(kw, "step", 1);
          return ONE(slope::slice(x[0], i64(kw, "axis", 0), bound(kw, "start", true, step), bound(kw, "stop", false, step), step));
        }},
        {"method", [](In x, Kw kw) {
          int64_t step = i64(kw, "step", 1);
          return ONE(x[0].slice(i64(kw, "axis", 0), bound(kw, "start", true, step), bound(kw, "stop", false, step), step));
        }}}},
      // ---- indexing
      {"index",
       {{"free", [](In x, Kw kw) { return ONE(slope::index(x[0], index_list(x, kw))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].index(index_list(x, kw))); }},
        {"operator[]", [](In x, Kw kw) {
           auto idx = index_list(x, kw);
           return idx.size() == 1 ? ONE(x[0][idx[0]]) : skip();
         }}}},
      {"index_int", {{"operator[](int64_t)", [](In x, Kw kw) { return ONE(x[0][i64(kw, "i", 0)]); }}}},
      {"gather",
       {{"free", [](In x, Kw kw) { return ONE(slope::gather(x[0], i64(kw, "axis", 0), x[1])); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].gather(i64(kw, "axis", 0), x[1])); }}}},
      {"take_along_dim",
       {{"free", [](In x, Kw kw) { return ONE(slope::take_along_dim(x[0], x[1], i64(kw, "axis", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].take_along_dim(x[1], i64(kw, "axis", 0))); }}}},
      {"index_select",
       {{"free", [](In x, Kw kw) { return ONE(slope::index_select(x[0], i64(kw, "axis", 0), x[1])); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].index_select(i64(kw, "axis", 0), x[1])); }}}},
      {"scatter_add",
       {{"free", [](In x, Kw kw) { return ONE(slope::scatter_add(x[0], i64(kw, "axis", 0), x[1], x[2])); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].scatter_add(i64(kw, "axis", 0), x[1], x[2])); }}}},
      {"one_hot",
       {{"free", [](In x, Kw kw) {
          return ONE(slope::one_hot(x[0], i64(kw, "num_classes", 0), opt_dtype(kw).value_or(slope::kDefaultInt)));
        }},
        {"method", [](In x, Kw kw) {
          return ONE(x[0].one_hot(i64(kw, "num_classes", 0), opt_dtype(kw).value_or(slope::kDefaultInt)));
        }}}},
      // ---- creation
      {"arange", {{"free", [](In, Kw kw) {
         if (has(kw, "start"))
           return ONE(slope::arange(scal(kw["start"]), scal(kw["stop"]),
                                    has(kw, "step") ? scal(kw["step"]) : slope::Scalar(1), opt_dtype(kw)));
         return ONE(slope::arange(scal(kw["stop"]), opt_dtype(kw)));
       }}}},
      {"linspace", {{"free", [](In, Kw kw) {
         return ONE(slope::linspace(dbl(kw, "start", 0), dbl(kw, "stop", 0), i64(kw, "steps", 0),
                                    opt_dtype(kw).value_or(slope::kDefaultFloat)));
       }}}},
      {"eye", {{"free", [](In, Kw kw) {
         return ONE(slope::eye(i64(kw, "n", 0), opt_i64(kw, "m"), opt_dtype(kw).value_or(slope::kDefaultFloat)));
       }}}},
      {"full", {{"free", [](In, Kw kw) { return ONE(slope::full(shp(kw, "shape"), scal(kw["value"]), opt_dtype(kw))); }}}},
      {"zeros", {{"free", [](In, Kw kw) {
         return ONE(slope::zeros(shp(kw, "shape"), opt_dtype(kw).value_or(slope::kDefaultFloat)));
       }}}},
      {"ones", {{"free", [](In, Kw kw) {
         return ONE(slope::ones(shp(kw, "shape"), opt_dtype(kw).value_or(slope::kDefaultFloat)));
       }}}},
      LIKE(zeros_like), LIKE(ones_like),
      {"full_like", {{"free", [](In x, Kw kw) { return ONE(slope::full_like(x[0], scal(kw["value"]), opt_dtype(kw))); }}}},
      {"scalar_tensor",
       {{"free", [](In, Kw kw) { return ONE(slope::tensor(scal(kw["value"]), opt_dtype(kw))); }},
        {"Tensor(C++ scalar)", [](In, Kw kw) {
           if (has(kw, "dtype")) return skip();
           slope::Scalar v = scal(kw["value"]);
           if (v.kind == slope::ScalarKind::Bool) return ONE(Tensor(v.i != 0));
           if (v.kind == slope::ScalarKind::Int) return ONE(Tensor(v.i));
           return ONE(Tensor(v.f));
         }}}},
      // ---- nn
      ACT(relu), ACT(silu),
      {"leaky_relu",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::leaky_relu(x[0], dbl(kw, "negative_slope", 0.01))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].leaky_relu(dbl(kw, "negative_slope", 0.01))); }}}},
      {"elu",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::elu(x[0], dbl(kw, "alpha", 1.0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].elu(dbl(kw, "alpha", 1.0))); }}}},
      {"gelu",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::gelu(x[0], flag(kw, "tanh_approx"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].gelu(flag(kw, "tanh_approx"))); }}}},
      {"softplus",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::softplus(x[0], dbl(kw, "beta", 1), dbl(kw, "threshold", 20))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].softplus(dbl(kw, "beta", 1), dbl(kw, "threshold", 20))); }}}},
      {"softmax",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::softmax(x[0], i64(kw, "axis", -1))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].softmax(i64(kw, "axis", -1))); }}}},
      {"log_softmax",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::log_softmax(x[0], i64(kw, "axis", -1))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].log_softmax(i64(kw, "axis", -1))); }}}},
      {"linear", {{"nn", [](In x, Kw) { return ONE(slope::nn::linear(x[0], x[1], opt_in(x, 2))); }}}},
      {"conv", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::conv(x[0], x[1], opt_in(x, 2), conv_opts(kw))); }}}},
      {"conv_transpose",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::conv_transpose(x[0], x[1], opt_in(x, 2), conv_opts(kw))); }}}},
      {"max_pool", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::max_pool(x[0], pool_opts(kw))); }}}},
      {"avg_pool", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::avg_pool(x[0], pool_opts(kw))); }}}},
      {"batch_norm", {{"nn", [](In x, Kw kw) {
         std::optional<Tensor> a[4];
         size_t next = 1;
         for (int i = 0; i < 4; ++i)
           if (kw["has"][i].get<bool>()) a[i] = x.at(next++);
         return ONE(slope::nn::batch_norm(x[0], a[0], a[1], a[2], a[3], flag(kw, "training"), dbl(kw, "eps", 1e-5)));
       }}}},
      {"layer_norm", {{"nn", [](In x, Kw kw) {
         return ONE(slope::nn::layer_norm(x[0], shp(kw, "normalized_shape"), opt_in(x, 1), opt_in(x, 2), dbl(kw, "eps", 1e-5)));
       }}}},
      {"sdpa", {{"nn", [](In x, Kw kw) {
         std::optional<double> scale = has(kw, "scale") ? std::optional<double>(num(kw["scale"])) : std::nullopt;
         return ONE(slope::nn::scaled_dot_product_attention(x[0], x[1], x[2], opt_in(x, 3), flag(kw, "is_causal"), scale));
       }}}},
      {"cross_entropy", {{"nn", [](In x, Kw kw) {
         return ONE(slope::nn::cross_entropy(x[0], x[1], red(kw), dbl(kw, "label_smoothing", 0.0)));
       }}}},
      {"nll_loss", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::nll_loss(x[0], x[1], red(kw))); }}}},
      {"mse_loss", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::mse_loss(x[0], x[1], red(kw))); }}}},
      {"bce", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::binary_cross_entropy(x[0], x[1], red(kw))); }}}},
      {"bce_with_logits",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::binary_cross_entropy_with_logits(x[0], x[1], red(kw))); }}}},
      {"dropout", {{"nn", [](In x, Kw kw) {
         Tensor key = slope::random::key(static_cast<uint64_t>(i64(kw, "seed", 0)));
         return ONE(slope::nn::dropout(x[0], dbl(kw, "p", 0.5), key, flag(kw, "training", true)));
       }}}},
      // ---- trigonometric / hyperbolic / log-space math, norms, diagonals, losses, group_norm
      UNARY(sinh), UNARY(cosh), UNARY(asin), UNARY(acos), UNARY(atan), UNARY(asinh), UNARY(acosh), UNARY(atanh),
      BINARY(atan2), BINARY(hypot), BINARY(logaddexp), UNARY(trace), BINARY(outer),
      {"log_sigmoid",
       {{"free", [](In x, Kw) { return ONE(slope::log_sigmoid(x[0])); }},
        {"nn", [](In x, Kw) { return ONE(slope::nn::log_sigmoid(x[0])); }},
        {"method", [](In x, Kw) { return ONE(x[0].log_sigmoid()); }}}},
      {"mish",
       {{"free", [](In x, Kw) { return ONE(slope::mish(x[0])); }},
        {"nn", [](In x, Kw) { return ONE(slope::nn::mish(x[0])); }},
        {"method", [](In x, Kw) { return ONE(x[0].mish()); }}}},
      {"hardtanh",
       {{"free", [](In x, Kw kw) { return ONE(slope::hardtanh(x[0], dbl(kw, "min_val", -1), dbl(kw, "max_val", 1))); }},
        {"nn", [](In x, Kw kw) { return ONE(slope::nn::hardtanh(x[0], dbl(kw, "min_val", -1), dbl(kw, "max_val", 1))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].hardtanh(dbl(kw, "min_val", -1), dbl(kw, "max_val", 1))); }}}},
      {"cumprod",
       {{"free", [](In x, Kw kw) { return ONE(slope::cumprod(x[0], i64(kw, "axis", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].cumprod(i64(kw, "axis", 0))); }}}},
      {"vector_norm", {{"free", [](In x, Kw kw) {
         return ONE(slope::vector_norm(x[0], dbl(kw, "ord", 2), axes(kw), flag(kw, "keepdim")));
       }}}},
      {"norm",
       {{"free", [](In x, Kw kw) { return ONE(slope::norm(x[0], dbl(kw, "p", 2), axes(kw), flag(kw, "keepdim"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].norm(dbl(kw, "p", 2), axes(kw), flag(kw, "keepdim"))); }}}},
      {"diag",
       {{"free", [](In x, Kw kw) { return ONE(slope::diag(x[0], i64(kw, "k", 0))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].diag(i64(kw, "k", 0))); }}}},
      {"l1_loss", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::l1_loss(x[0], x[1], red(kw))); }}}},
      {"smooth_l1_loss",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::smooth_l1_loss(x[0], x[1], red(kw), dbl(kw, "beta", 1))); }}}},
      {"huber_loss",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::huber_loss(x[0], x[1], red(kw), dbl(kw, "delta", 1))); }}}},
      {"kl_div",
       {{"nn", [](In x, Kw kw) { return ONE(slope::nn::kl_div(x[0], x[1], red(kw), flag(kw, "log_target"))); }}}},
      {"group_norm", {{"nn", [](In x, Kw kw) {
         return ONE(slope::nn::group_norm(x[0], i64(kw, "num_groups", 1), opt_in(x, 1), opt_in(x, 2), dbl(kw, "eps", 1e-5)));
       }}}},
      // ---- sorting, einsum, interpolate (the *_values ops are the differentiable half of sort/topk)
      {"sort",
       {{"free", [](In x, Kw kw) { return values_indices(slope::sort(x[0], i64(kw, "axis", -1), flag(kw, "descending"))); }},
        {"method", [](In x, Kw kw) { return values_indices(x[0].sort(i64(kw, "axis", -1), flag(kw, "descending"), true)); }},
        {"structured binding", [](In x, Kw kw) {
           auto [values, indices] = slope::sort(x[0], i64(kw, "axis", -1), flag(kw, "descending"));
           return Out{values, indices};
         }}}},
      {"sort_values",
       {{"free", [](In x, Kw kw) { return ONE(slope::sort(x[0], i64(kw, "axis", -1), flag(kw, "descending")).values); }}}},
      {"argsort",
       {{"free", [](In x, Kw kw) { return ONE(slope::argsort(x[0], i64(kw, "axis", -1), flag(kw, "descending"))); }},
        {"method", [](In x, Kw kw) { return ONE(x[0].argsort(i64(kw, "axis", -1), flag(kw, "descending"), true)); }}}},
      {"topk",
       {{"free", [](In x, Kw kw) {
          return values_indices(slope::topk(x[0], i64(kw, "k", 1), i64(kw, "axis", -1), flag(kw, "largest", true),
                                            flag(kw, "sorted", true)));
        }},
        {"method", [](In x, Kw kw) {
          return values_indices(x[0].topk(i64(kw, "k", 1), i64(kw, "axis", -1), flag(kw, "largest", true),
                                          flag(kw, "sorted", true)));
        }}}},
      {"topk_values",
       {{"free", [](In x, Kw kw) {
          return ONE(slope::topk(x[0], i64(kw, "k", 1), i64(kw, "axis", -1), flag(kw, "largest", true)).values);
        }}}},
      {"einsum", {{"free", [](In x, Kw kw) { return ONE(slope::einsum(kw["equation"].get<std::string>(), x)); }}}},
      {"interpolate", {{"nn", [](In x, Kw kw) { return ONE(slope::nn::interpolate(x[0], interpolate_opts(kw))); }}}},
      // ---- api: the spellings a PyTorch user types first (see gen_golden.py api_cases)
      {"where_method", {{"method", [](In x, Kw) { return ONE(x[0].where(x[1], x[2])); }}}},
      {"where_method_scalar", {{"method(literal)", [](In x, Kw kw) {
         slope::Scalar s = scal(kw["other"]);
         if (s.kind == slope::ScalarKind::Int) return ONE(x[0].where(x[1], static_cast<int>(s.i)));
         return ONE(x[0].where(x[1], s.f));
       }}}},
      {"reshape_ints", {{"method(ints...)", [](In x, Kw kw) { return ONE(ints_call(shp(kw, "shape"), [&](auto... d) { return x[0].reshape(d...); })); }},
                        {"view(ints...)", [](In x, Kw kw) { return ONE(ints_call(shp(kw, "shape"), [&](auto... d) { return x[0].view(d...); })); }, "view"}}},
      {"permute_ints", {{"method(ints...)", [](In x, Kw kw) { return ONE(ints_call(shp(kw, "perm"), [&](auto... d) { return x[0].permute(d...); })); }}}},
      {"expand_ints", {{"method(ints...)", [](In x, Kw kw) { return ONE(ints_call(shp(kw, "shape"), [&](auto... d) { return x[0].expand(d...); })); }}}},
      {"repeat_ints", {{"method(ints...)", [](In x, Kw kw) { return ONE(ints_call(shp(kw, "repeats"), [&](auto... d) { return x[0].repeat(d...); })); }}}},
      {"squeeze_dim", {{"method(int)", [](In x, Kw kw) { return ONE(x[0].squeeze(static_cast<int>(i64(kw, "dim", 0)))); }}}},
      {"zeros_ints", {{"free(ints...)", [](In, Kw kw) { return ONE(ints_call(shp(kw, "shape"), [](auto... d) { return slope::zeros(d...); })); }}}},
      {"ones_ints", {{"free(ints...)", [](In, Kw kw) { return ONE(ints_call(shp(kw, "shape"), [](auto... d) { return slope::ones(d...); })); }}}},
      {"clone", {{"method", [](In x, Kw) { return ONE(x[0].clone()); }}}},
      {"isclose", {{"free", [](In x, Kw kw) {
         return ONE(slope::isclose(x[0], x[1], dbl(kw, "rtol", 1e-5), dbl(kw, "atol", 1e-8), flag(kw, "equal_nan")));
       }}}},
      {"allclose", {{"free", [](In x, Kw kw) {
         return ONE(slope::tensor(slope::allclose(x[0], x[1], dbl(kw, "rtol", 1e-5), dbl(kw, "atol", 1e-8), flag(kw, "equal_nan"))));
       }}}},
      EXTREMUM_DIM(max), EXTREMUM_DIM(min),
      {"reduce_dim", {{"method(int)", [](In x, Kw kw) {
         const std::string op = kw["op"].get<std::string>();
         const int d = static_cast<int>(i64(kw, "dim", 0));
         const bool k = flag(kw, "keepdim");
         if (op == "sum") return ONE(x[0].sum(d, k));
         if (op == "mean") return ONE(x[0].mean(d, k));
         if (op == "prod") return ONE(x[0].prod(d, k));
         if (op == "logsumexp") return ONE(x[0].logsumexp(d, k));
         if (op == "any") return ONE(x[0].any(d, k));
         if (op == "all") return ONE(x[0].all(d, k));
         if (op == "var") return ONE(x[0].var(d, 1, k));
         if (op == "std") return ONE(x[0].std(d, 1, k));
         return skip();
       }}}},
  };
  return t;
}

std::string describe_inputs(In in) {
  std::ostringstream os;
  for (size_t i = 0; i < in.size(); ++i) {
    os << "\n  input " << i << ": " << in[i].dtype() << slope::to_string(in[i].shape());
    if (in[i].numel() <= 24) os << " = " << in[i];
  }
  return os.str();
}

// Dropout has no torch values to match: every element is 0 or x/(1-p), zeros occur at rate p,
// the same key repeats the same mask, and without training (or with p = 0) it is the identity.
void check_dropout(const Fn& fn, In in, Kw kw, const std::string& how) {
  double p = dbl(kw, "p", 0.5);
  bool training = flag(kw, "training", true);
  Out a = fn(in, kw), b = fn(in, kw);
  ASSERT_EQ(a.size(), 1u) << how;
  const Tensor& y = a[0];
  ASSERT_EQ(y.dtype(), in[0].dtype()) << how;
  ASSERT_EQ(y.shape(), in[0].shape()) << how;
  auto xv = in[0].to_vector<double>(), yv = y.to_vector<double>(), yb = b[0].to_vector<double>();
  EXPECT_EQ(yv, yb) << how << ": the same key must give the same mask";
  if (!training || p == 0) {
    EXPECT_EQ(yv, xv) << how << ": dropout must be the identity without training or with p = 0";
    return;
  }
  size_t zeros = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0) {
      ++zeros;
      continue;
    }
    double want = xv[i] / (1 - p);
    ASSERT_NEAR(yv[i], want, 1e-6 * std::fabs(want) + 1e-7) << how << ": element " << i << " neither 0 nor x/(1-p)";
  }
  double n = static_cast<double>(xv.size()), rate = static_cast<double>(zeros) / n;
  double sigma = std::sqrt(p * (1 - p) / n);
  EXPECT_LE(std::fabs(rate - p), 5 * sigma + 1e-12) << how << ": zero rate " << rate << " for p = " << p;
}

// An error case expects slope::Error whose message starts with "[op]", naming the op the user called:
// the generator records it as the case's "error_op" (min for a min_dim case); a spelling that calls a
// differently named op says so in its Form.
std::string error_op(const json& c, const Form& f) {
  return f.calls ? std::string(f.calls) : c.value("error_op", std::string("(no error_op in the case)"));
}
bool names_op(const std::string& what, const json& c, const Form& f) {
  return what.rfind("[" + error_op(c, f) + "]", 0) == 0;
}

// ---------------------------------------------------------------- the parameterised suite
struct Param {
  int index;  // into golden().cases; -1 = the golden files are missing
  std::string backend;
};

// gtest prints parameters of failed tests; without this it dumps the struct's bytes.
void PrintTo(const Param& p, std::ostream* os) {
  *os << (p.index < 0 ? std::string("missing golden files")
                      : golden().cases[p.index]["name"].get<std::string>() + " on " + p.backend);
}

std::vector<std::string> backends() {
  std::vector<std::string> out = {"reference"};
  for (auto& n : slope::backend_names())
    if (n == "cpu") out.push_back("cpu");
  return out;
}

std::vector<Param> params() {
  std::vector<Param> ps;
  const Golden& g = golden();
  if (!g.ok) return {Param{-1, ""}};
  auto bs = backends();
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i)
    for (auto& b : bs) ps.push_back(Param{i, b});
  return ps;
}

std::string param_name(const testing::TestParamInfo<Param>& info) {
  if (info.param.index < 0) return "golden_files_missing";
  return golden().cases[info.param.index]["name"].get<std::string>() + "__" + info.param.backend;
}

// Tallies for the summary line.
struct Tally {
  std::set<std::string> ops;
  int cases = 0, errors = 0, runs = 0, forms = 0;
};
Tally& tally() {
  static Tally t;
  return t;
}

class TorchOracle : public testing::TestWithParam<Param> {};

TEST_P(TorchOracle, MatchesTorch) {
  const Param& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  const json& c = g.cases[p.index];
  const std::string op = c["op"].get<std::string>();
  auto it = table().find(op);
  ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "' in tests/test_torch_ops.cpp";
  std::vector<Tensor> in;
  for (auto& s : c["inputs"]) in.push_back(load(s));
  const json& kw = c["kwargs"];
  slope::BackendScope scope(p.backend);
  const bool want_error = c.value("error", false);
  const std::string ctx = " [" + op + " on " + p.backend + ", kwargs " + kw.dump() + "]" + describe_inputs(in);

  int ran = 0;
  for (const Form& f : it->second) {
    const std::string how = std::string(f.how) + ctx;
    if (c.contains("check") && c["check"] == "dropout" && !want_error) {
      try {
        check_dropout(f.fn, in, kw, how);
      } catch (const slope::Error& e) {
        ADD_FAILURE() << "threw slope::Error: " << e.what() << "\n  via " << how;
      }
      ++ran;
      continue;
    }
    Out got;
    try {
      got = f.fn(in, kw);
    } catch (const NotApplicable&) {
      continue;
    } catch (const slope::Error& e) {
      if (!want_error && !c.contains("accept_error")) {
        ADD_FAILURE() << "threw slope::Error: " << e.what() << "\n  via " << how;
      } else if (want_error) {
        EXPECT_TRUE(names_op(e.what(), c, f)) << "the message must start with [" << error_op(c, f)
                                              << "], the op the user called; got: "
                                    << e.what() << "\n  via " << how;
      }
      ++ran;
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw a non-slope exception (" << e.what() << "); every bad input must throw slope::Error"
                    << "\n  via " << how;
      ++ran;
      continue;
    }
    ++ran;
    if (want_error) {
      ADD_FAILURE() << "torch raises (" << c.value("torch_error", std::string("?")) << ") but slope returned "
                    << got.size() << " tensor(s)"
                    << (got.empty() ? std::string() : ", first " + slope::to_string(got[0].aval()))
                    << "\n  via " << how;
      continue;
    }
    const json& outs = c["outputs"];
    if (got.size() != outs.size()) {
      ADD_FAILURE() << "returned " << got.size() << " tensors, torch " << outs.size() << "\n  via " << how;
      continue;
    }
    for (size_t k = 0; k < got.size(); ++k) {
      Tensor want = load(outs[k]);
      std::string diff =
          compare(got[k], want, c["rtol"].get<double>(), c["atol"].get<double>(), c.value("signed_zero", false));
      if (!diff.empty()) {
        std::ostringstream os;
        os << "output " << k << ": " << diff << "\n  via " << how;
        if (want.numel() <= 24) os << "\n  expected " << want << "\n  got      " << got[k];
        if (c.contains("why")) os << "\n  (case note: " << c["why"].get<std::string>() << ")";
        ADD_FAILURE() << os.str();
      }
    }
  }
  EXPECT_GT(ran, 0) << "no spelling of '" << op << "' applied to this case";
  Tally& t = tally();
  t.ops.insert(op);
  t.runs += 1;
  t.forms += ran;
  if (p.backend == "reference") {
    t.cases += 1;
    t.errors += want_error;
  }
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchOracle, testing::ValuesIn(params()), param_name);

// ---------------------------------------------------------------- gradients against torch autograd
// Every case with "grads" (gen_golden.py records them wherever torch can differentiate the op):
// slope::vjp of the op's first spelling (the free function) w.r.t. the inputs listed in
// "grad_inputs", the other inputs and the kwargs held fixed, pulled back along the stored random
// cotangents, must match torch.autograd.grad of sum((out_i * ct_i).sum()). One spelling only: the
// spellings share one implementation, and the forward suite already checks that they agree.
std::vector<Param> grad_params() {
  const Golden& g = golden();
  if (!g.ok) return {Param{-1, ""}};
  std::vector<Param> ps;
  auto bs = backends();
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i)
    if (g.cases[i].contains("grads"))
      for (auto& b : bs) ps.push_back(Param{i, b});
  return ps;
}

struct GradTally {
  std::set<std::string> ops;
  int cases = 0, runs = 0;
};
GradTally& grad_tally() {
  static GradTally t;
  return t;
}

class TorchGrad : public testing::TestWithParam<Param> {};

TEST_P(TorchGrad, MatchesAutograd) {
  const Param& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  const json& c = g.cases[p.index];
  const std::string op = c["op"].get<std::string>();
  auto it = table().find(op);
  ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "' in tests/test_torch_ops.cpp";
  const Fn& fn = it->second.front().fn;
  std::vector<Tensor> in;
  for (auto& s : c["inputs"]) in.push_back(load(s));
  const json& kw = c["kwargs"];
  const std::vector<size_t> wrt = c["grad_inputs"].get<std::vector<size_t>>();
  std::vector<Tensor> vars, cts;
  for (size_t i : wrt) vars.push_back(in.at(i));
  for (auto& s : c["cotangents"]) cts.push_back(load(s));
  slope::BackendScope scope(p.backend);
  const std::string how = std::string(it->second.front().how) + " [" + op + " on " + p.backend + ", kwargs " +
                          kw.dump() + ", d/d inputs " + c["grad_inputs"].dump() + "]" + describe_inputs(in);
  // The op as a function of its differentiated inputs only.
  auto f = [&](const std::vector<Tensor>& v) {
    std::vector<Tensor> args = in;
    for (size_t k = 0; k < wrt.size(); ++k) args[wrt[k]] = v[k];
    return fn(args, kw);
  };
  std::vector<Tensor> got;
  try {
    auto [out, f_vjp] = slope::vjp(f, vars);
    ASSERT_EQ(out.size(), cts.size()) << "outputs vs torch's cotangents\n  via " << how;
    got = std::get<0>(f_vjp(cts));
  } catch (const slope::Error& e) {
    FAIL() << "vjp threw slope::Error: " << e.what() << "\n  via " << how;
  }
  const json& want_specs = c["grads"];
  ASSERT_EQ(got.size(), want_specs.size()) << how;
  for (size_t k = 0; k < got.size(); ++k) {
    Tensor want = load(want_specs[k]);
    std::string diff = compare(got[k], want, c["grad_rtol"].get<double>(), c["grad_atol"].get<double>(), false);
    if (!diff.empty()) {
      std::ostringstream os;
      os << "gradient w.r.t. input " << wrt[k] << ": " << diff << "\n  via " << how;
      if (want.numel() <= 24) os << "\n  expected " << want << "\n  got      " << got[k];
      if (c.contains("why")) os << "\n  (case note: " << c["why"].get<std::string>() << ")";
      ADD_FAILURE() << os.str();
    }
  }
  GradTally& t = grad_tally();
  t.ops.insert(op);
  t.runs += 1;
  if (p.backend == "reference") t.cases += 1;
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchGrad, testing::ValuesIn(grad_params()), param_name);

// ---------------------------------------------------------------- every op under jit
// Every op's cases, jitted, compared with torch's answer under the case's tolerance, like eager.
// The non-error cases of a group of ops go into ONE jitted function: one compile per group and
// backend, which keeps the cpu code generator's compile time (a fixed ~0.2 s per compile) small.
// Cases where torch raises are jitted one by one and must throw slope::Error (at trace time for
// shape errors, at run time for data errors). Cases checked statistically (dropout) are left to
// the eager suite: inside jit, random ops take an explicit key. Boolean-mask indexing has a
// data-dependent shape: eager only, by design (like JAX); under jit it must refuse clearly.
constexpr int kJitGroups = 6;
struct JitParam {
  int group;  // -1: golden files missing
  std::string backend;
};
void PrintTo(const JitParam& p, std::ostream* os) { *os << "op group " << p.group << " on " << p.backend; }

std::map<std::string, std::vector<int>> cases_by_op() {
  std::map<std::string, std::vector<int>> m;
  const Golden& g = golden();
  if (!g.ok) return m;
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i) m[g.cases[i]["op"].get<std::string>()].push_back(i);
  return m;
}

std::vector<JitParam> jit_params() {
  if (!golden().ok) return {JitParam{-1, ""}};
  std::vector<JitParam> ps;
  for (int k = 0; k < kJitGroups; ++k)
    for (auto& b : backends()) ps.push_back(JitParam{k, b});
  return ps;
}

std::set<std::string>& jit_ops() {
  static std::set<std::string> s;
  return s;
}
int& jit_case_count() {
  static int n = 0;
  return n;
}

class TorchJit : public testing::TestWithParam<JitParam> {};

TEST_P(TorchJit, JittedMatchesTorch) {
  const JitParam& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  slope::BackendScope scope(p.backend);
  const auto by_op = cases_by_op();
  struct Item {
    int index;
    const Fn* fn;
  };
  std::vector<Item> batch;  // this group's cases that must succeed
  int op_number = 0;
  for (auto& [op, mine] : by_op) {
    if (op_number++ % kJitGroups != p.group) continue;
    auto it = table().find(op);
    ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "'";
    const Fn& fn = it->second.front().fn;
    jit_ops().insert(op);
    for (int i : mine) {
      const json& c = g.cases[i];
      if (c.contains("check")) continue;  // statistical and eager-only checks: eager suite only
      std::vector<Tensor> in;
      for (auto& sp : c["inputs"]) in.push_back(load(sp));
      const json& kw = c["kwargs"];
      const bool mask = op == "index" && std::any_of(in.begin(), in.end(), [](const Tensor& t) {
                          return t.dtype() == slope::DType::b8;
                        });
      if (!c.value("error", false) && !mask) {
        batch.push_back(Item{i, &fn});
        continue;
      }
      std::string what;
      try {
        slope::jit([&](const std::vector<Tensor>& a) { return fn(a, kw); })(in);
      } catch (const NotApplicable&) {
        what = "n/a";
      } catch (const slope::Error& e) {
        what = e.what();
      }
      const std::string name = c["name"].get<std::string>();
      if (!mask && !what.empty() && what != "n/a" && c.value("error", false)) {
        EXPECT_TRUE(names_op(what, c, it->second.front()))
            << "jit(" << op << ") on " << p.backend << ", case " << name << ": the message must start with ["
            << error_op(c, it->second.front()) << "], the op the user called; got: " << what;
      }
      if (mask)
        EXPECT_NE(what.find("data-dependent shape"), std::string::npos)
            << "jit of boolean-mask indexing must refuse (data-dependent shape), case " << name << ": " << what;
      else
        EXPECT_TRUE(!what.empty() || c.contains("accept_error"))
            << "jit(" << op << ") on " << p.backend << " returned where torch raises, case " << name
            << describe_inputs(in);
    }
  }
  // Every group holds ops with non-error cases (TorchGolden.Counts checks each op has one): an empty
  // batch means the cases were lost, and a jit test that compiles nothing proves nothing.
  ASSERT_FALSE(batch.empty()) << "op group " << p.group << " on " << p.backend << " has no case to jit";
  std::vector<Tensor> all;
  std::vector<size_t> first_in;
  for (const Item& item : batch) {
    first_in.push_back(all.size());
    for (auto& sp : g.cases[item.index]["inputs"]) all.push_back(load(sp));
  }
  first_in.push_back(all.size());
  auto every_case = [&](const std::vector<Tensor>& a) {
    std::vector<Tensor> outs;
    for (size_t k = 0; k < batch.size(); ++k) {
      std::vector<Tensor> in(a.begin() + static_cast<long>(first_in[k]), a.begin() + static_cast<long>(first_in[k + 1]));
      Out o = (*batch[k].fn)(in, g.cases[batch[k].index]["kwargs"]);
      outs.insert(outs.end(), o.begin(), o.end());
    }
    return outs;
  };
  std::vector<Tensor> got;
  try {
    got = slope::jit(every_case, "ops_group_" + std::to_string(p.group))(all);
  } catch (const slope::Error& e) {
    FAIL() << "jit of op group " << p.group << " threw slope::Error: " << e.what() << " on " << p.backend;
  }
  size_t pos = 0;
  for (const Item& item : batch) {
    const json& c = g.cases[item.index];
    for (size_t j = 0; j < c["outputs"].size(); ++j, ++pos) {
      ASSERT_LT(pos, got.size());
      Tensor want = load(c["outputs"][j]);
      std::string diff =
          compare(got[pos], want, c["rtol"].get<double>(), c["atol"].get<double>(), c.value("signed_zero", false));
      if (!diff.empty())
        ADD_FAILURE() << "jit(" << c["op"].get<std::string>() << ") output " << j << " of case "
                      << c["name"].get<std::string>() << " on " << p.backend << ": " << diff;
    }
    if (p.backend == "reference") ++jit_case_count();
  }
  EXPECT_EQ(pos, got.size());
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchJit, testing::ValuesIn(jit_params()),
                         [](const testing::TestParamInfo<JitParam>& info) {
                           if (info.param.group < 0) return std::string("golden_files_missing");
                           return "group" + std::to_string(info.param.group) + "__" + info.param.backend;
                         });

// ---------------------------------------------------------------- what the golden files hold
// Floors on what the files check (today's figures: raise them when cases are added, never lower them
// to make a run pass), so a generator that silently drops cases, ops or gradients fails here.
constexpr int kMinCases = 3135, kMinOps = 185, kMinErrorCases = 200, kMinGradCases = 1782, kMinGradOps = 144;
// The PyTorch the goldens must come from (Debian 12's python3-torch). After a deliberate upgrade, check
// the cases that changed (tests/torch/diff_golden.py OLD NEW) and update this with the output of
// `/usr/bin/python3 -c 'import torch; print(torch.__version__)'`.
constexpr const char* kTorchVersion = "1.13.0a0";

TEST(TorchGolden, Counts) {
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  EXPECT_EQ(g.torch_version, kTorchVersion)
      << "cases.json was generated by torch " << g.torch_version << ", expected " << kTorchVersion
      << ": review the changed cases (tests/torch/diff_golden.py) and update kTorchVersion in " << __FILE__;
  std::set<std::string> ops, grad_ops, answered;
  int errors = 0, grads = 0;
  for (const json& c : g.cases) {
    const std::string op = c["op"].get<std::string>();
    ops.insert(op);
    if (c.value("error", false)) ++errors;
    else answered.insert(op);
    if (c.contains("grads")) ++grads, grad_ops.insert(op);
  }
  const int cases = static_cast<int>(g.cases.size());
  std::cout << "[torch oracle] golden files: " << cases << " cases over " << ops.size() << " ops, " << errors
            << " error cases, gradients for " << grads << " cases over " << grad_ops.size() << " ops\n";
  EXPECT_GE(cases, kMinCases) << "golden cases were lost";
  EXPECT_GE(static_cast<int>(ops.size()), kMinOps) << "ops lost their golden cases";
  EXPECT_GE(errors, kMinErrorCases) << "error cases were lost";
  EXPECT_GE(grads, kMinGradCases) << "gradient cases were lost";
  EXPECT_GE(static_cast<int>(grad_ops.size()), kMinGradOps) << "ops lost their gradient check";
  for (auto& [op, forms] : table())
    EXPECT_TRUE(answered.count(op)) << "op '" << op << "' of the dispatch table has no case that torch answers";
}

class Summary : public testing::Environment {
 public:
  void TearDown() override {
    const Tally& t = tally();
    const GradTally& gt = grad_tally();
    if (t.runs == 0 && gt.runs == 0) return;  // the oracle was filtered out
    if (t.runs > 0)
      std::cout << "[torch oracle] " << t.ops.size() << " distinct ops, " << t.cases << " cases (" << t.errors
                << " expecting errors), " << t.runs << " case x backend runs, " << t.forms << " op spellings checked\n";
    if (gt.runs > 0)
      std::cout << "[torch oracle] gradients checked against torch autograd: " << gt.ops.size() << " ops, " << gt.cases
                << " cases (" << gt.runs << " case x backend runs)\n";
    if (jit_case_count() > 0)
      std::cout << "[torch oracle] jitted: " << jit_ops().size() << " ops, " << jit_case_count()
                << " non-error cases per backend in " << kJitGroups << " programs, plus every error case alone\n";
  }
};
[[maybe_unused]] testing::Environment* const summary_env = testing::AddGlobalTestEnvironment(new Summary);

}  // namespace

// ---------------------------------------------------------------- random.h: statistics only
// Random streams cannot match torch's values (different generators), so these check the
// distributions' structure and moments on both backends, with 5-sigma bounds (n = 20000).
namespace {
class RandomStats : public testing::TestWithParam<std::string> {};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double var_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

TEST_P(RandomStats, Distributions) {
  slope::BackendScope scope(GetParam());
  namespace R = slope::random;
  const int64_t n = 20000;
  const double tol = 5.0 / std::sqrt(static_cast<double>(n));
  Tensor key = R::key(42);
  ASSERT_EQ(key.dtype(), slope::u32);
  ASSERT_EQ(key.shape(), slope::Shape({2}));
  auto ks = R::split(key);
  EXPECT_NE(ks[0].to_vector<int64_t>(), ks[1].to_vector<int64_t>());
  EXPECT_EQ(R::split(key, 3).shape(), slope::Shape({3, 2}));
  EXPECT_NE(R::fold_in(key, 1).to_vector<int64_t>(), R::fold_in(key, 2).to_vector<int64_t>());
  EXPECT_EQ(R::bits(key, {5}).to_vector<int64_t>(), R::bits(key, {5}).to_vector<int64_t>()) << "same key, same bits";

  Tensor u = R::uniform(ks[0], {n}, slope::f32, -2.0, 3.0);
  ASSERT_EQ(u.dtype(), slope::f32);
  auto uv = u.to_vector<double>();
  for (double x : uv) ASSERT_TRUE(x >= -2.0 && x < 3.0) << x;
  EXPECT_NEAR(mean_of(uv), 0.5, 5 * tol * std::sqrt(25.0 / 12));
  EXPECT_NEAR(var_of(uv), 25.0 / 12, 0.05 * 25.0 / 12);

  auto nv = R::normal(ks[1], {n}, slope::f64).to_vector<double>();
  EXPECT_NEAR(mean_of(nv), 0.0, tol);
  EXPECT_NEAR(var_of(nv), 1.0, 0.05);

  auto bv = R::bernoulli(key, 0.3, {n}).to_vector<double>();
  EXPECT_NEAR(mean_of(bv), 0.3, 5 * std::sqrt(0.21 / n));
  Tensor pb = R::bernoulli(key, slope::full({4}, 1.0));
  EXPECT_EQ(pb.dtype(), slope::bool_);
  EXPECT_EQ(pb.to_vector<int64_t>(), std::vector<int64_t>(4, 1));

  auto rv = R::randint(key, {n}, -3, 4).to_vector<int64_t>();
  std::vector<int64_t> counts(7, 0);
  for (int64_t x : rv) {
    ASSERT_TRUE(x >= -3 && x < 4) << x;
    ++counts[static_cast<size_t>(x + 3)];
  }
  for (int64_t c : counts) EXPECT_NEAR(static_cast<double>(c) / n, 1.0 / 7, 5 * std::sqrt(1.0 / 7 * 6 / 7 / n));

  auto perm = R::permutation(key, 50).to_vector<int64_t>();
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(perm, sorted) << "a permutation of 50 that is the identity";

  EXPECT_THROW(R::randint(key, {3}, 5, 5), slope::Error);
  EXPECT_THROW(R::bernoulli(key, 1.5, {3}), slope::Error);
}

TEST_P(RandomStats, GlobalGenerator) {
  slope::BackendScope scope(GetParam());
  slope::manual_seed(7);
  auto a = slope::rand({100}).to_vector<double>();
  slope::manual_seed(7);
  auto b = slope::rand({100}).to_vector<double>();
  EXPECT_EQ(a, b) << "manual_seed must make draws repeat";
  EXPECT_NE(slope::rand({100}).to_vector<double>(), b) << "each draw advances the key";
  Tensor x = slope::randn({3, 4}, slope::f64);
  EXPECT_EQ(x.dtype(), slope::f64);
  EXPECT_EQ(slope::rand_like(x).shape(), x.shape());
  EXPECT_EQ(slope::randn_like(x).dtype(), slope::f64);
  auto r = slope::randint(2, 5, {200}, slope::i32);
  EXPECT_EQ(r.dtype(), slope::i32);
  for (int64_t v : r.to_vector<int64_t>()) EXPECT_TRUE(v >= 2 && v < 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, RandomStats, testing::ValuesIn(backends()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });
}  // namespace
