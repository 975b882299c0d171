#include "torch_table.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>

namespace slope_test {

using slope::Tensor;

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
bool flag(Kw kw, const char* k, bool dflt) { return has(kw, k) ? kw[k].get<bool>() : dflt; }
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
[[noreturn]] Out skip() { throw NotApplicable{}; }


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
      // ---- api: the spellings a PyTorch user types first (see tests/torch/golden/spellings.py)
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


}  // namespace slope_test
