// Errors name the op the user called. Every public op (ops.h, nn_functional.h, random.h, tensor.h)
// with bad input — a bad axis, shape, dtype or keyword argument, an out-of-range index, an empty
// handle — must throw slope::Error whose message starts with "[<op>]", eagerly and wherever else
// the call can run: inside jit (shape errors when tracing, data errors when the compiled program
// runs), under grad and under vmap. Internal ops an op is built of (a gather inside scatter_add,
// a full inside zeros) must never be the name the user sees (error.h OpScope).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <slope/slope.h>

namespace {

using slope::DType;
using slope::Shape;
using slope::Tensor;
using V = std::vector<Tensor>;
namespace nn = slope::nn;
namespace R = slope::random;

enum Mode : unsigned { kEager = 1, kJit = 2, kGrad = 4, kVmap = 8 };
constexpr unsigned kAll = kEager | kJit | kGrad | kVmap;
const char* mode_name(Mode m) {
  return m == kEager ? "eager" : m == kJit ? "jit" : m == kGrad ? "grad" : "vmap";
}

struct Case {
  std::string op;                    // the name the message must start with
  std::string what;                  // the bad input, for failure messages
  V args;                            // tensor arguments: jit traces them, vmap batches them
  std::function<Tensor(const V&)> f;
  unsigned modes = kAll;             // grad needs a floating argument (skipped otherwise)
};

const DType kBad = static_cast<DType>(99);
Tensor F(const Shape& s) { return slope::arange(slope::numel(s)).reshape(s).cast(slope::f32) * 0.25 - 0.5; }
Tensor I(std::vector<int64_t> v) { return slope::tensor(v, Shape{static_cast<int64_t>(v.size())}, slope::i64); }
Tensor B(const Shape& s) { return F(s) > 0; }
Tensor key() { return R::key(1); }
// The one element a vector-of-tensors op returns (split, chunk, broadcast_tensors).
Tensor first(const std::vector<Tensor>& v) { return v.at(0); }

#define CASE(op, what, args, body, ...) Case{op, what, args, [](const V& a) -> Tensor { (void)a; return body; }, ##__VA_ARGS__}

std::vector<Case> cases() {
  const Tensor x = F({2, 3}), x3 = F({2, 3, 4}), v4 = F({4}), m34 = F({3, 4});
  const Tensor img = F({1, 2, 5, 5}), w = F({3, 2, 3, 3}), n = I({0, 2}), bad_i = I({0, 7});
  return {
      // ---- creation (a dummy tensor argument lets jit and vmap run them)
      CASE("tensor", "invalid dtype", (V{x}), slope::tensor({1.f, 2.f}, kBad), kEager | kJit),
      CASE("tensor", "ragged nested lists", (V{x}), slope::tensor({{1, 2}, {3}}), kEager | kJit),
      CASE("tensor", "values vs shape", (V{x}), slope::tensor(std::vector<float>{1, 2, 3}, Shape{2, 2}), kEager | kJit),
      CASE("tensor", "scalar with invalid dtype", (V{x}), slope::tensor(slope::Scalar(1), kBad), kEager | kJit),
      CASE("from_bytes", "invalid dtype", (V{x}), slope::from_bytes("abcd", {1}, kBad), kEager | kJit),
      CASE("from_bytes", "negative shape", (V{x}), slope::from_bytes("abcd", {-1}, slope::u8), kEager | kJit),
      CASE("full", "negative shape", (V{x}), slope::full({2, -1}, 1.0), kEager | kJit),
      CASE("full", "invalid dtype", (V{x}), slope::full({2}, 1.0, kBad), kEager | kJit),
      CASE("zeros", "invalid dtype", (V{x}), slope::zeros({2}, kBad), kEager | kJit),
      CASE("zeros", "negative shape", (V{x}), slope::zeros({-2}), kEager | kJit),
      CASE("ones", "invalid dtype", (V{x}), slope::ones({2}, kBad), kEager | kJit),
      CASE("ones", "negative size", (V{x}), slope::ones(2, -5), kEager | kJit),
      CASE("full_like", "invalid dtype", (V{x}), slope::full_like(a[0], 2, kBad)),
      CASE("zeros_like", "invalid dtype", (V{x}), slope::zeros_like(a[0], kBad)),
      CASE("ones_like", "invalid dtype", (V{x}), slope::ones_like(a[0], kBad)),
      CASE("arange", "zero step", (V{x}), slope::arange(0, 5, 0), kEager | kJit),
      CASE("arange", "bool dtype", (V{x}), slope::arange(0, 5, 1, slope::bool_), kEager | kJit),
      CASE("arange", "invalid dtype", (V{x}), slope::arange(5, kBad), kEager | kJit),
      CASE("linspace", "negative steps", (V{x}), slope::linspace(0, 1, -3), kEager | kJit),
      CASE("linspace", "integer dtype", (V{x}), slope::linspace(0, 1, 3, slope::i32), kEager | kJit),
      CASE("linspace", "invalid dtype", (V{x}), slope::linspace(0, 1, 3, kBad), kEager | kJit),
      CASE("eye", "negative size", (V{x}), slope::eye(-1), kEager | kJit),
      CASE("eye", "invalid dtype", (V{x}), slope::eye(2, 2, kBad), kEager | kJit),
      CASE("cast", "invalid dtype", (V{x}), slope::cast(a[0], kBad)),
      CASE("cast", "invalid dtype (method)", (V{x}), a[0].cast(kBad)),
      CASE("to", "invalid dtype", (V{x}), a[0].to(kBad)),
      // ---- elementwise
      CASE("add", "shapes", (V{x, v4}), slope::add(a[0], a[1])),
      CASE("add", "operator+", (V{x, v4}), a[0] + a[1]),
      CASE("sub", "shapes", (V{x, v4}), a[0] - a[1]),
      CASE("sub", "bool", (V{B({2})}), a[0] - true, kEager | kJit | kVmap),
      CASE("mul", "shapes", (V{x, v4}), a[0] * a[1]),
      CASE("div", "shapes", (V{x, v4}), a[0] / a[1]),
      CASE("floor_divide", "integer by zero", (V{I({4, 5}), I({2, 0})}), slope::floor_divide(a[0], a[1]),
           kEager | kJit | kVmap),
      CASE("remainder", "integer by zero", (V{I({4, 5}), I({2, 0})}), slope::remainder(a[0], a[1]), kEager | kJit | kVmap),
      CASE("remainder", "shapes", (V{x, v4}), slope::remainder(a[0], a[1])),
      CASE("pow", "shapes", (V{x, v4}), slope::pow(a[0], a[1])),
      CASE("maximum", "shapes", (V{x, v4}), slope::maximum(a[0], a[1])),
      CASE("minimum", "shapes", (V{x, v4}), slope::minimum(a[0], a[1])),
      CASE("eq", "shapes", (V{x, v4}), a[0] == a[1]),
      CASE("ne", "shapes", (V{x, v4}), a[0].ne(a[1])),
      CASE("lt", "shapes", (V{x, v4}), a[0] < a[1]),
      CASE("le", "shapes", (V{x, v4}), a[0] <= a[1]),
      CASE("gt", "shapes", (V{x, v4}), a[0] > a[1]),
      CASE("ge", "shapes", (V{x, v4}), slope::ge(a[0], a[1])),
      CASE("logical_and", "shapes", (V{x, v4}), slope::logical_and(a[0], a[1])),
      CASE("logical_or", "shapes", (V{x, v4}), a[0] || a[1]),
      CASE("logical_xor", "shapes", (V{x, v4}), slope::logical_xor(a[0], a[1])),
      CASE("where", "float condition", (V{x, x}), slope::where(a[0], a[1], a[1])),
      CASE("where", "shapes", (V{B({2, 3}), x, v4}), slope::where(a[0], a[1], a[2])),
      CASE("where", "method, float condition", (V{x}), a[0].where(a[0], 0)),
      CASE("matmul", "inner dims", (V{x, x}), slope::matmul(a[0], a[1])),
      CASE("matmul", "0-d operand", (V{x}), a[0].matmul(slope::tensor(2.f))),
      CASE("matmul", "batch dims", (V{F({2, 2, 3}), F({3, 3, 2})}), slope::matmul(a[0], a[1])),
      CASE("isclose", "dtypes differ", (V{x}), slope::isclose(a[0], a[0].cast(slope::f64))),
      CASE("isclose", "negative rtol", (V{x}), slope::isclose(a[0], a[0], -1.0)),
      CASE("isclose", "shapes", (V{x, v4}), slope::isclose(a[0], a[1])),
      CASE("allclose", "dtypes differ", (V{x}), slope::tensor(slope::allclose(a[0], a[0].cast(slope::f64))), kEager),
      CASE("allclose", "traced", (V{x}), slope::tensor(slope::allclose(a[0], a[0])), kJit | kVmap),
      // ---- reductions
      CASE("sum", "axis", (V{x}), a[0].sum(5)),
      CASE("sum", "repeated axis", (V{x}), slope::sum(a[0], {1, -1})),
      CASE("mean", "integer", (V{I({1, 2})}), a[0].mean(), kEager | kJit | kVmap),
      CASE("mean", "axis", (V{x}), a[0].mean({-3})),
      CASE("max", "axis", (V{x}), a[0].max({2})),
      CASE("max", "empty dim", (V{F({2, 0})}), a[0].max({1})),
      CASE("max", "dim with indices", (V{x}), a[0].max(2)),
      CASE("min", "axis", (V{x}), a[0].min({2})),
      CASE("min", "empty dim", (V{F({2, 0})}), slope::min(a[0], 1).indices()),
      CASE("prod", "axis", (V{x}), a[0].prod(3)),
      CASE("var", "axis", (V{x}), a[0].var(3)),
      CASE("var", "integer", (V{I({1, 2})}), a[0].var(), kEager | kJit | kVmap),
      CASE("std", "axis", (V{x}), a[0].std(3)),
      CASE("logsumexp", "axis", (V{x}), a[0].logsumexp(3)),
      CASE("any", "axis", (V{x}), a[0].any(3)),
      CASE("all", "axis", (V{x}), a[0].all(3)),
      CASE("argmax", "axis", (V{x}), a[0].argmax(2)),
      CASE("argmax", "empty", (V{F({0})}), a[0].argmax()),
      CASE("argmin", "axis", (V{x}), a[0].argmin(-3)),
      CASE("cumsum", "axis", (V{x}), a[0].cumsum(2)),
      // ---- shape
      CASE("reshape", "size", (V{x}), a[0].reshape({4, 2})),
      CASE("reshape", "two -1", (V{x}), a[0].reshape(-1, -1)),
      CASE("view", "size", (V{x}), a[0].view(5)),
      CASE("flatten", "start", (V{x}), a[0].flatten(3)),
      CASE("squeeze", "axis", (V{x}), a[0].squeeze(4)),
      CASE("unsqueeze", "axis", (V{x}), a[0].unsqueeze(4)),
      CASE("transpose", "axis", (V{x}), a[0].transpose(0, 2)),
      CASE("permute", "not a permutation", (V{x}), a[0].permute(0, 0)),
      CASE("permute", "too few", (V{x}), slope::permute(a[0], {0})),
      CASE("expand", "incompatible", (V{x}), a[0].expand(4, 3)),
      CASE("broadcast_to", "incompatible", (V{x}), a[0].broadcast_to({3, 3})),
      CASE("broadcast_tensors", "incompatible", (V{x, v4}), first(slope::broadcast_tensors({a[0], a[1]}))),
      CASE("stack", "shapes differ", (V{x, v4}), slope::stack({a[0], a[1]})),
      CASE("stack", "empty list", (V{x}), slope::stack({})),
      CASE("cat", "shapes differ", (V{x, m34}), slope::cat({a[0], a[1]}, 1)),
      CASE("cat", "axis", (V{x}), slope::cat({a[0], a[0]}, 2)),
      CASE("split", "size 0", (V{x}), first(a[0].split(0))),
      CASE("split", "sizes do not add up", (V{x}), first(slope::split(a[0], std::vector<int64_t>{1, 3}))),
      CASE("chunk", "n 0", (V{x}), first(a[0].chunk(0))),
      CASE("repeat", "too few repeats", (V{x}), a[0].repeat(2)),
      CASE("repeat", "negative", (V{x}), a[0].repeat(2, -1)),
      CASE("tile", "negative", (V{x}), a[0].tile({-1})),
      CASE("pad", "too many dims", (V{x}), a[0].pad({{1, 1}, {1, 1}, {1, 1}})),
      CASE("pad", "negative", (V{x}), a[0].pad({{-3, 0}})),
      CASE("flip", "axis", (V{x}), a[0].flip({2})),
      CASE("roll", "shifts vs axes", (V{x}), a[0].roll({1, 2}, {0})),
      CASE("tril", "1-d", (V{v4}), a[0].tril()),
      CASE("triu", "1-d", (V{v4}), a[0].triu()),
      CASE("slice", "step 0", (V{x}), a[0].slice(0, 0, 2, 0)),
      CASE("slice", "axis", (V{x}), a[0].slice(3, 0, 2)),
      // ---- indexing: out-of-range indices are data errors, found when the compiled program runs
      CASE("index", "int out of range", (V{x}), a[0][5]),
      CASE("index", "too many indices", (V{x}), a[0].index({0, 0, 0})),
      CASE("index", "tensor index out of range", (V{x, bad_i}), a[0][a[1]]),
      CASE("index", "second tensor index out of range", (V{x, n, bad_i}), a[0].index({a[1], a[2]})),
      CASE("index", "float index", (V{x}), a[0][a[0]]),
      CASE("gather", "index out of range", (V{x, slope::tensor({{0, 5}}, slope::i64)}), a[0].gather(1, a[1])),
      CASE("gather", "rank mismatch", (V{x, n}), slope::gather(a[0], 1, a[1])),
      CASE("gather", "axis", (V{x, slope::tensor({{0}}, slope::i64)}), a[0].gather(2, a[1])),
      CASE("take_along_dim", "index out of range", (V{x, slope::tensor({{3}}, slope::i64)}), a[0].take_along_dim(a[1], 1)),
      CASE("index_select", "index out of range", (V{x, bad_i}), a[0].index_select(1, a[1])),
      CASE("index_select", "2-d index", (V{x, slope::tensor({{0}}, slope::i64)}), a[0].index_select(0, a[1])),
      CASE("scatter_add", "index out of range", (V{x, slope::tensor({{0, 9}}, slope::i64), F({1, 2})}),
           a[0].scatter_add(1, a[1], a[2])),
      CASE("scatter_add", "negative index", (V{x, slope::tensor({{-3}}, slope::i64), F({1, 1})}),
           slope::scatter_add(a[0], 0, a[1], a[2])),
      CASE("scatter_add", "dtype of src", (V{x, slope::tensor({{0}}, slope::i64), I({1}).reshape(1, 1)}),
           slope::scatter_add(a[0], 0, a[1], a[2])),
      CASE("one_hot", "label out of range", (V{I({0, 3})}), a[0].one_hot(3), kEager | kJit | kVmap),
      CASE("one_hot", "negative label", (V{I({-1, 0})}), slope::one_hot(a[0], 2), kEager | kJit | kVmap),
      CASE("one_hot", "float labels", (V{x}), slope::one_hot(a[0], 3)),
      CASE("one_hot", "invalid dtype", (V{I({0})}), slope::one_hot(a[0], 3, kBad), kEager | kJit | kVmap),
      // ---- nn
      CASE("softmax", "axis", (V{x}), a[0].softmax(2)),
      CASE("log_softmax", "axis", (V{x}), nn::log_softmax(a[0], -3)),
      CASE("linear", "shapes", (V{x, m34}), nn::linear(a[0], a[1])),
      CASE("linear", "bias", (V{x, m34, F({3})}), nn::linear(a[0], a[1].T(), a[2])),
      CASE("conv", "channels", (V{img, F({3, 3, 3, 3})}), nn::conv(a[0], a[1])),
      CASE("conv", "stride 0", (V{img, w}), nn::conv(a[0], a[1], std::nullopt, {.stride = {0}})),
      CASE("conv", "groups", (V{img, w}), nn::conv(a[0], a[1], std::nullopt, {.groups = 2})),
      CASE("conv_transpose", "channels", (V{img, F({3, 2, 3, 3})}), nn::conv_transpose(a[0], a[1])),
      CASE("max_pool", "kernel too big", (V{img}), nn::max_pool(a[0], {.kernel = {9, 9}})),
      CASE("max_pool", "kernel rank", (V{img}), nn::max_pool(a[0], {.kernel = {2, 2, 2, 2}})),
      CASE("avg_pool", "kernel too big", (V{img}), nn::avg_pool(a[0], {.kernel = {9, 9}})),
      CASE("avg_pool", "integer input", (V{I({1, 2}).reshape(1, 1, 2)}), nn::avg_pool(a[0], {.kernel = {2}}),
           kEager | kJit | kVmap),
      CASE("batch_norm", "running mean shape", (V{img, v4, v4}), nn::batch_norm(a[0], a[1], a[2], std::nullopt, std::nullopt, false)),
      CASE("layer_norm", "normalized shape", (V{img}), nn::layer_norm(a[0], {4})),
      CASE("dropout", "p > 1", (V{x}), nn::dropout(a[0], 1.5, key())),
      CASE("dropout", "bad key", (V{x}), nn::dropout(a[0], 0.5, slope::zeros({3}, slope::u32))),
      CASE("scaled_dot_product_attention", "shapes", (V{x, m34, m34}), nn::scaled_dot_product_attention(a[0], a[1], a[2])),
      CASE("cross_entropy", "target out of range", (V{x, I({0, 3})}), nn::cross_entropy(a[0], a[1])),
      CASE("cross_entropy", "target shape", (V{x, I({0, 1, 2})}), nn::cross_entropy(a[0], a[1])),
      CASE("nll_loss", "target out of range", (V{x, I({0, 5})}), nn::nll_loss(a[0], a[1])),
      CASE("nll_loss", "negative target", (V{x, I({-2, 0})}), nn::nll_loss(a[0], a[1])),
      CASE("mse_loss", "shapes", (V{x, v4}), nn::mse_loss(a[0], a[1])),
      CASE("binary_cross_entropy", "shapes", (V{x, v4}), nn::binary_cross_entropy(a[0], a[1])),
      CASE("binary_cross_entropy_with_logits", "shapes", (V{x, v4}), nn::binary_cross_entropy_with_logits(a[0], a[1])),
      CASE("relu", "bool", (V{B({2})}), nn::relu(a[0]), kEager | kJit | kVmap),
      CASE("gelu", "integer", (V{I({1})}), nn::gelu(a[0]), kEager | kJit | kVmap),
      // ---- random (keys are u32[2])
      CASE("split", "bad key", (V{x}), R::split(slope::zeros({3}, slope::u32))[0], kEager | kJit),
      CASE("split", "negative n", (V{x}), R::split(key(), -1), kEager | kJit),
      CASE("fold_in", "bad key", (V{x}), R::fold_in(slope::zeros({2}, slope::i32), 1), kEager | kJit),
      CASE("bits", "negative shape", (V{x}), R::bits(key(), {-1}), kEager | kJit),
      CASE("uniform", "invalid dtype", (V{x}), R::uniform(key(), {2}, kBad), kEager | kJit),
      CASE("uniform", "integer dtype", (V{x}), R::uniform(key(), {2}, slope::i32), kEager | kJit),
      CASE("normal", "invalid dtype", (V{x}), R::normal(key(), {2}, kBad), kEager | kJit),
      CASE("normal", "bad key", (V{x}), R::normal(a[0], {2})),
      CASE("bernoulli", "p > 1", (V{x}), R::bernoulli(key(), 1.5, {2}), kEager | kJit),
      CASE("randint", "empty range", (V{x}), R::randint(key(), {2}, 3, 3), kEager | kJit),
      CASE("randint", "invalid dtype", (V{x}), R::randint(key(), {2}, 0, 3, kBad), kEager | kJit),
      CASE("permutation", "negative n", (V{x}), R::permutation(key(), -1), kEager | kJit),
      CASE("rand", "invalid dtype", (V{x}), slope::rand({2}, kBad), kEager),
      CASE("rand", "inside jit", (V{x}), slope::rand(2) + a[0], kJit),
      CASE("randn", "invalid dtype", (V{x}), slope::randn({2}, kBad), kEager),
      CASE("randn", "negative size", (V{x}), slope::randn(key(), 2, -1), kEager | kJit),
      CASE("randint", "global, empty range", (V{x}), slope::randint(3, 3, {2}), kEager),
      // ---- Tensor methods: metadata and data access
      CASE("shape", "axis", (V{x}), slope::tensor(a[0].shape(2))),
      CASE("size", "dim", (V{x}), slope::tensor(a[0].size(-3))),
      CASE("item", "several elements", (V{x}), slope::tensor(a[0].item()), kEager),
      CASE("to_vector", "traced", (V{x}), slope::tensor(a[0].to_vector<float>()[0]), kJit | kGrad | kVmap),
      CASE("item", "traced", (V{v4}), slope::tensor(a[0].sum().item()), kJit | kGrad | kVmap),
      CASE("clamp", "bool", (V{B({2})}), a[0].clamp(0, 1), kEager | kJit | kVmap),
  };
}

// Every op once more with an empty Tensor handle: the message names the op, not a helper.
std::vector<Case> empty_handle_cases() {
  const Tensor e;
  std::vector<std::pair<std::string, std::function<Tensor()>>> fs = {
      {"neg", [e] { return slope::neg(e); }},        {"exp", [e] { return e.exp(); }},
      {"log", [e] { return slope::log(e); }},        {"sin", [e] { return slope::sin(e); }},
      {"cos", [e] { return slope::cos(e); }},        {"tan", [e] { return slope::tan(e); }},
      {"sqrt", [e] { return slope::sqrt(e); }},      {"rsqrt", [e] { return slope::rsqrt(e); }},
      {"tanh", [e] { return slope::tanh(e); }},      {"sigmoid", [e] { return slope::sigmoid(e); }},
      {"erf", [e] { return slope::erf(e); }},        {"reciprocal", [e] { return slope::reciprocal(e); }},
      {"log2", [e] { return slope::log2(e); }},      {"exp2", [e] { return slope::exp2(e); }},
      {"log1p", [e] { return slope::log1p(e); }},    {"expm1", [e] { return slope::expm1(e); }},
      {"abs", [e] { return slope::abs(e); }},        {"sign", [e] { return slope::sign(e); }},
      {"floor", [e] { return slope::floor(e); }},    {"ceil", [e] { return slope::ceil(e); }},
      {"trunc", [e] { return slope::trunc(e); }},    {"round", [e] { return slope::round(e); }},
      {"square", [e] { return slope::square(e); }},  {"clip", [e] { return slope::clip(e, 0, 1); }},
      {"cast", [e] { return slope::cast(e, slope::f64); }},
      {"stop_gradient", [e] { return slope::stop_gradient(e); }},
      {"isnan", [e] { return slope::isnan(e); }},    {"isinf", [e] { return slope::isinf(e); }},
      {"isfinite", [e] { return slope::isfinite(e); }},
      {"logical_not", [e] { return slope::logical_not(e); }},
      {"add", [e] { return e + 1; }},                {"mul", [e] { return slope::mul(e, e); }},
      {"matmul", [e] { return slope::matmul(e, e); }},
      {"sum", [e] { return e.sum(); }},              {"mean", [e] { return slope::mean(e); }},
      {"max", [e] { return e.max(); }},              {"min", [e] { return slope::min(e); }},
      {"prod", [e] { return e.prod(); }},            {"var", [e] { return e.var(); }},
      {"std", [e] { return e.std(); }},              {"logsumexp", [e] { return e.logsumexp(); }},
      {"any", [e] { return e.any(); }},              {"all", [e] { return e.all(); }},
      {"argmax", [e] { return e.argmax(); }},        {"argmin", [e] { return e.argmin(); }},
      {"cumsum", [e] { return e.cumsum(0); }},       {"reshape", [e] { return e.reshape(2, 2); }},
      {"flatten", [e] { return e.flatten(); }},      {"squeeze", [e] { return e.squeeze(); }},
      {"unsqueeze", [e] { return e.unsqueeze(0); }}, {"transpose", [e] { return e.transpose(); }},
      {"permute", [e] { return e.permute(0); }},     {"expand", [e] { return e.expand(2); }},
      {"repeat", [e] { return e.repeat(2); }},       {"tile", [e] { return e.tile({2}); }},
      {"flip", [e] { return e.flip({0}); }},         {"roll", [e] { return e.roll({1}, {0}); }},
      {"tril", [e] { return e.tril(); }},            {"slice", [e] { return e.slice(0, 0, 1); }},
      {"index", [e] { return e[0]; }},               {"gather", [e] { return e.gather(0, e); }},
      {"one_hot", [e] { return e.one_hot(3); }},     {"full_like", [e] { return slope::full_like(e, 1); }},
      {"zeros_like", [e] { return slope::zeros_like(e); }},
      {"rand_like", [e] { return slope::rand_like(e); }},
      {"relu", [e] { return e.relu(); }},            {"softmax", [e] { return e.softmax(); }},
      {"gelu", [e] { return nn::gelu(e); }},         {"layer_norm", [e] { return nn::layer_norm(e, {2}); }},
      {"mse_loss", [e] { return nn::mse_loss(e, e); }},
      {"cross_entropy", [e] { return nn::cross_entropy(e, e); }},
  };
  std::vector<Case> out;
  for (auto& [op, call] : fs)  // (clang 14 cannot capture a structured binding: copy it first)
    out.push_back(Case{op, "empty handle", {}, [fn = std::function<Tensor()>(call)](const V&) { return fn(); }, kEager});
  return out;
}

// Runs c in mode m; returns the error message, or "" when nothing was thrown.
std::string run(const Case& c, Mode m) {
  try {
    switch (m) {
      case kEager: c.f(c.args); break;
      case kJit: slope::jit([&](const V& a) { return c.f(a); })(c.args); break;
      case kGrad: {
        size_t k = 0;
        while (k < c.args.size() && !slope::is_floating(c.args[k].dtype())) ++k;
        if (k == c.args.size()) return "no floating argument";
        slope::grad([&](const Tensor& t) {
          V a = c.args;
          a[k] = t;
          return c.f(a).cast(slope::f32).sum();
        })(c.args[k]);
        break;
      }
      case kVmap: {
        V batched;
        for (const Tensor& t : c.args) batched.push_back(slope::stack({t, t}));
        slope::vmap([&](const V& a) { return c.f(a); })(batched);
        break;
      }
    }
  } catch (const slope::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("non-slope exception: ") + e.what();
  }
  return "";
}

void check_cases(const std::vector<Case>& cs) {
  int runs = 0;
  for (const Case& c : cs) {
    for (Mode m : {kEager, kJit, kGrad, kVmap}) {
      if (!(c.modes & m)) continue;
      if (m == kGrad && std::none_of(c.args.begin(), c.args.end(), [](const Tensor& t) {
            return slope::is_floating(t.dtype());
          }))
        continue;
      const std::string msg = run(c, m);
      ++runs;
      EXPECT_EQ(msg.rfind("[" + c.op + "]", 0), 0u)
          << c.op << " (" << c.what << ") " << mode_name(m) << ": "
          << (msg.empty() ? std::string("did not throw") : "threw \"" + msg + "\"");
    }
  }
  EXPECT_GT(runs, 0);
}

class ErrorMessages : public testing::TestWithParam<std::string> {};

TEST_P(ErrorMessages, NameTheOpTheUserCalled) {
  slope::BackendScope scope(GetParam());
  check_cases(cases());
}

TEST_P(ErrorMessages, EmptyHandlesNameTheOp) {
  slope::BackendScope scope(GetParam());
  check_cases(empty_handle_cases());
}

std::vector<std::string> backends() {
  std::vector<std::string> out = {"reference"};
  for (auto& n : slope::backend_names())
    if (n == "cpu") out.push_back("cpu");
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, ErrorMessages, testing::ValuesIn(backends()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });

// Programs built by hand (the public Program API) are validated before they run.
TEST(ErrorMessagesProgram, InvalidDTypeInAProgram) {
  slope::Program p;
  int v = p.new_var(slope::AVal{{2}, kBad});
  p.inputs.push_back(v);
  p.outputs.push_back(slope::Atom{v, Tensor()});
  try {
    slope::typecheck(p);
    FAIL() << "typecheck accepted an invalid dtype";
  } catch (const slope::Error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid dtype 99"), std::string::npos) << e.what();
  }
  EXPECT_THROW(slope::make_array(slope::AVal{{2}, kBad}), slope::Error);
  EXPECT_THROW(slope::prims::cast(F({2}), kBad), slope::Error);
  EXPECT_THROW(slope::prims::full({2}, 1.0, kBad), slope::Error);
  EXPECT_THROW(slope::itemsize(kBad), slope::Error);
  EXPECT_STREQ(slope::name(kBad), "invalid");
  EXPECT_THROW(slope::promote_types(slope::f32, kBad), slope::Error);
  try {
    slope::zeros({2}, kBad);
    FAIL();
  } catch (const slope::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[zeros] invalid dtype 99", 0), 0u) << e.what();
  }
}

}  // namespace
