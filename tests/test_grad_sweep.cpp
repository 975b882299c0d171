// Gradient sweep: check_grads (order 2, forward and reverse) over every differentiable primitive and
// composite op, vmap against explicit loops for every primitive, custom_jvp / custom_vjp /
// checkpoint against the plain functions, and a hessian / jacobian against PyTorch's numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "slope/check_grads.h"
#include "slope/custom.h"
#include "slope/primitive_ops.h"
#include "slope/slope.h"
#include "slope/transforms.h"

using namespace slope;
namespace nn = slope::nn;

namespace {

// Random f64 values uniform in [lo, hi): distinct almost surely, which keeps max/min/pools off ties.
Tensor U(const Shape& s, double lo, double hi) { return rand(s, f64) * (hi - lo) + lo; }
Tensor N(const Shape& s) { return randn(s, f64); }
Tensor I64(std::vector<int64_t> v, const Shape& s) { return tensor(v, s, i64); }
Tensor D(std::vector<double> v, const Shape& s) { return tensor(v, s, f64); }

void expect_allclose(const Tensor& a, const Tensor& b, double tol = 1e-9) {
  ASSERT_EQ(a.shape(), b.shape());
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << "at " << i;
}

struct Case {
  std::string name;
  TensorFn f;
  std::vector<Tensor> args;
};

Tensors one(Tensor t) { return {std::move(t)}; }

std::vector<Case> primitive_cases() {
  manual_seed(1);
  std::vector<Case> c;
  auto un = [&](std::string n, std::function<Tensor(const Tensor&)> g, Tensor x) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0])); }, {x}});
  };
  auto bin = [&](std::string n, std::function<Tensor(const Tensor&, const Tensor&)> g, Tensor x, Tensor y) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0], a[1])); }, {x, y}});
  };
  un("prims::neg", prims::neg, N({2, 3}));
  un("prims::exp", prims::exp, N({2, 3}));
  un("prims::log", prims::log, U({2, 3}, 0.5, 1.5));
  un("prims::sin", prims::sin, N({2, 3}));
  un("prims::sqrt", prims::sqrt, U({2, 3}, 0.5, 1.5));
  un("prims::tanh", prims::tanh, N({2, 3}));
  un("prims::erf", prims::erf, N({2, 3}));
  un("prims::cast f64->f64", [](const Tensor& x) { return prims::cast(x, f64); }, N({2, 3}));
  // f64 -> f32 -> f64 is differentiable but loses precision: compare against an f32-accurate tolerance
  // by scaling: the round trip is checked separately in CastRoundTrip below.
  bin("prims::add", prims::add, N({2, 3}), N({2, 3}));
  bin("prims::sub", prims::sub, N({2, 3}), N({2, 3}));
  bin("prims::mul", prims::mul, N({2, 3}), N({2, 3}));
  bin("prims::div", prims::div, N({2, 3}), U({2, 3}, 0.5, 1.5));
  bin("prims::pow", prims::pow, U({2, 3}, 0.5, 1.5), N({2, 3}));
  bin("prims::maximum", prims::maximum, U({2, 3}, 0, 1), U({2, 3}, 2, 3) * D({1.0, -1.0, 1.0}, {3}));
  bin("prims::atan2", prims::atan2, N({2, 3}), U({2, 3}, 0.5, 1.5) * D({1.0, -1.0, 1.0}, {3}));
  c.push_back({"prims::where",
               [](const Tensors& a) {
                 Tensor cnd = prims::less(D({0, 1, 0, 1, 1, 0}, {2, 3}), D({1, 0, 1, 0, 0, 1}, {2, 3}));
                 return one(prims::where(cnd, a[0], a[1]));
               },
               {N({2, 3}), N({2, 3})}});
  un("prims::sum", [](const Tensor& x) { return prims::sum(x, {0, 2}); }, N({2, 3, 4}));
  un("prims::max", [](const Tensor& x) { return prims::max(x, {1}); }, N({2, 5}));
  un("prims::reshape", [](const Tensor& x) { return prims::reshape(x, {3, 2}); }, N({2, 3}));
  un("prims::expand", [](const Tensor& x) { return prims::expand(x, {2, 4, 3}); }, N({2, 1, 3}));
  un("prims::permute", [](const Tensor& x) { return prims::permute(x, {2, 0, 1}); }, N({2, 3, 4}));
  un("prims::pad", [](const Tensor& x) { return prims::pad(x, {1, 0}, {0, 2}, {1, 0}, Scalar(0.5)); }, N({2, 3}));
  un("prims::slice", [](const Tensor& x) { return prims::slice(x, {0, 1}, {2, 5}, {1, 2}); }, N({2, 5}));
  un("prims::flip", [](const Tensor& x) { return prims::flip(x, {1}); }, N({2, 3}));
  bin("prims::cat", [](const Tensor& x, const Tensor& y) { return prims::cat({x, y, x}, 1); }, N({2, 3}), N({2, 1}));
  bin("prims::matmul", prims::matmul, N({2, 3, 4}), N({2, 4, 2}));
  bin("prims::conv",
      [](const Tensor& x, const Tensor& w) { return prims::conv(x, w, ConvParams{{2}, {1}, {1}, {0}, 2}); },
      N({1, 4, 6}), N({2, 2, 3}));
  bin("prims::conv 2d",
      [](const Tensor& x, const Tensor& w) { return prims::conv(x, w, ConvParams{{1, 1}, {2, 1}, {1, 0}, {0, 1}, 1}); },
      N({2, 2, 4, 3}), N({3, 2, 2, 2}));
  un("prims::gather", [](const Tensor& x) { return prims::gather(x, I64({2, 0, 2, 1}, {2, 2}), 1); }, N({2, 3}));
  bin("prims::scatter_add",
      [](const Tensor& x, const Tensor& u) { return prims::scatter_add(x, I64({2, 0, 2}, {3}), u, 1); }, N({2, 3}),
      N({2, 3}));
  return c;
}

std::vector<Case> composite_cases() {
  manual_seed(2);
  std::vector<Case> c;
  auto un = [&](std::string n, std::function<Tensor(const Tensor&)> g, Tensor x) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0])); }, {x}});
  };
  auto bin = [&](std::string n, std::function<Tensor(const Tensor&, const Tensor&)> g, Tensor x, Tensor y) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0], a[1])); }, {x, y}});
  };
  auto tri = [&](std::string n, std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)> g, Tensor x,
                 Tensor y, Tensor z) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0], a[1], a[2])); }, {x, y, z}});
  };
  Tensor pos = U({2, 3}, 0.5, 1.5), x = N({2, 3}), small = U({2, 3}, -0.7, 0.7);
  // math
  un("neg", [](const Tensor& t) { return neg(t); }, x);
  un("exp", [](const Tensor& t) { return exp(t); }, x);
  un("log", [](const Tensor& t) { return log(t); }, pos);
  un("sin", [](const Tensor& t) { return sin(t); }, x);
  un("cos", [](const Tensor& t) { return cos(t); }, x);
  un("tan", [](const Tensor& t) { return tan(t); }, small);
  un("sqrt", [](const Tensor& t) { return sqrt(t); }, pos);
  un("rsqrt", [](const Tensor& t) { return rsqrt(t); }, pos);
  un("tanh", [](const Tensor& t) { return tanh(t); }, x);
  un("sigmoid", [](const Tensor& t) { return sigmoid(t); }, x);
  un("erf", [](const Tensor& t) { return erf(t); }, x);
  un("reciprocal", [](const Tensor& t) { return reciprocal(t); }, pos);
  un("log2", [](const Tensor& t) { return log2(t); }, pos);
  un("exp2", [](const Tensor& t) { return exp2(t); }, x);
  un("log1p", [](const Tensor& t) { return log1p(t); }, small);
  un("expm1", [](const Tensor& t) { return expm1(t); }, x);
  un("abs", [](const Tensor& t) { return abs(t); }, pos * D({1.0, -1.0, 1.0}, {3}));
  un("square", [](const Tensor& t) { return square(t); }, x);
  un("clip", [](const Tensor& t) { return clip(t, Scalar(-0.5), Scalar(0.5)); },
     D({-1.0, -0.2, 0.3, 0.9, -0.8, 0.1}, {2, 3}));
  bin("add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, N({2, 3}), N({3}));
  bin("sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, N({2, 1}), N({3}));
  bin("mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, N({2, 3}), N({1, 3}));
  bin("div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, N({2, 3}), U({3}, 0.5, 1.5));
  bin("pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, U({2, 3}, 0.5, 1.5), N({3}));
  bin("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, U({2, 3}, 0, 1), U({2, 3}, 1.5, 2) * D({1.0, -1.0, 1.0}, {3}));
  bin("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, U({2, 3}, 0, 1), U({2, 3}, 1.5, 2) * D({1.0, -1.0, 1.0}, {3}));
  bin("where", [](const Tensor& a, const Tensor& b) { return where(gt(a, b), a * 2, b.sin()); }, U({2, 3}, 0, 1), U({2, 3}, 1.5, 2) * D({1.0, -1.0, 1.0}, {3}));
  bin("matmul 2x2", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, N({2, 3}), N({3, 2}));
  bin("matmul 1-D", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, N({3}), N({3, 2}));
  bin("matmul batch bcast", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, N({2, 2, 3}), N({3, 2}));
  // reductions
  un("sum", [](const Tensor& t) { return sum(t, {1}, true); }, N({2, 3, 2}));
  un("mean", [](const Tensor& t) { return mean(t, {0, 2}); }, N({2, 3, 2}));
  un("max", [](const Tensor& t) { return max(t, {1}); }, N({2, 4}));
  un("min", [](const Tensor& t) { return min(t, {0}, true); }, N({3, 2}));
  un("max all", [](const Tensor& t) { return max(t); }, N({2, 3}));
  un("prod", [](const Tensor& t) { return prod(t, {1}); }, U({2, 3}, 0.5, 1.5));
  un("var", [](const Tensor& t) { return var(t, {1}); }, N({2, 4}));
  un("std", [](const Tensor& t) { return slope::std(t, {1}, 0); }, N({2, 4}));
  un("logsumexp", [](const Tensor& t) { return logsumexp(t, {1}); }, N({2, 4}));
  un("cumsum", [](const Tensor& t) { return cumsum(t, 1); }, N({2, 4}));
  // shape ops
  un("reshape", [](const Tensor& t) { return reshape(t, {3, -1}); }, N({2, 3}));
  un("flatten", [](const Tensor& t) { return flatten(t, 1); }, N({2, 3, 2}));
  un("squeeze", [](const Tensor& t) { return squeeze(t); }, N({2, 1, 3}));
  un("unsqueeze", [](const Tensor& t) { return unsqueeze(t, 1); }, N({2, 3}));
  un("transpose", [](const Tensor& t) { return transpose(t, 0, 2); }, N({2, 3, 2}));
  un("permute", [](const Tensor& t) { return permute(t, {1, 2, 0}); }, N({2, 3, 2}));
  un("expand", [](const Tensor& t) { return expand(t, {2, 4, 3}); }, N({2, 1, 3}));
  un("broadcast_to", [](const Tensor& t) { return broadcast_to(t, {2, 2, 3}); }, N({3}));
  bin("stack", [](const Tensor& a, const Tensor& b) { return stack({a, b}, 1); }, N({2, 3}), N({2, 3}));
  bin("cat", [](const Tensor& a, const Tensor& b) { return cat({a, b}, 0); }, N({2, 3}), N({1, 3}));
  un("split", [](const Tensor& t) { auto p = split(t, std::vector<int64_t>{1, 3}, 1); return p[1] * 2 + p[0]; }, N({2, 4}));
  un("chunk", [](const Tensor& t) { auto p = chunk(t, 2, 1); return p[0] * p[1]; }, N({2, 4}));
  un("repeat", [](const Tensor& t) { return repeat(t, {2, 1}); }, N({2, 3}));
  un("tile", [](const Tensor& t) { return tile(t, {1, 2}); }, N({2, 3}));
  un("pad", [](const Tensor& t) { return pad(t, {{1, 2}, {0, 1}}, 0.5); }, N({2, 3}));
  un("flip", [](const Tensor& t) { return flip(t, {0, 1}); }, N({2, 3}));
  un("roll", [](const Tensor& t) { return roll(t, {1, -1}, {0, 1}); }, N({2, 3}));
  un("tril", [](const Tensor& t) { return tril(t); }, N({3, 3}));
  un("triu", [](const Tensor& t) { return triu(t, 1); }, N({3, 3}));
  un("slice neg step", [](const Tensor& t) { return slice(t, 1, 4, 0, -2); }, N({2, 5}));
  // indexing
  un("index", [](const Tensor& t) { return index(t, {Index(1), Index(Slice{0, 3, 2})}); }, N({2, 4}));
  un("index int tensor", [](const Tensor& t) { return index(t, {Index(I64({1, 0, 1}, {3}))}); }, N({2, 4}));
  un("gather", [](const Tensor& t) { return gather(t, 1, I64({0, 2, 2, 1}, {2, 2})); }, N({2, 3}));
  un("take_along_dim", [](const Tensor& t) { return take_along_dim(t, I64({1, 0, 1}, {1, 3}), 0); }, N({2, 3}));
  un("index_select", [](const Tensor& t) { return index_select(t, 1, I64({2, 2, 0}, {3})); }, N({2, 3}));
  bin("scatter_add", [](const Tensor& t, const Tensor& s) { return scatter_add(t, 1, I64({0, 2, 0, 1}, {2, 2}), s); }, N({2, 3}), N({2, 2}));
  // activations
  un("relu", [](const Tensor& t) { return nn::relu(t); }, pos * D({1.0, -1.0, 1.0}, {3}));
  un("leaky_relu", [](const Tensor& t) { return nn::leaky_relu(t, 0.1); }, pos * D({1.0, -1.0, 1.0}, {3}));
  un("elu", [](const Tensor& t) { return nn::elu(t, 0.7); }, pos * D({1.0, -1.0, 1.0}, {3}));
  un("gelu", [](const Tensor& t) { return nn::gelu(t); }, x);
  un("gelu tanh", [](const Tensor& t) { return nn::gelu(t, true); }, x);
  un("silu", [](const Tensor& t) { return nn::silu(t); }, x);
  un("softplus", [](const Tensor& t) { return nn::softplus(t, 2.0); }, x);
  un("softmax", [](const Tensor& t) { return nn::softmax(t, 0); }, x);
  un("log_softmax", [](const Tensor& t) { return nn::log_softmax(t); }, x);
  tri("linear", [](const Tensor& a, const Tensor& w, const Tensor& b) { return nn::linear(a, w, b); }, N({2, 3}), N({4, 3}), N({4}));
  // convolutions and pools
  tri("conv 1d", [](const Tensor& a, const Tensor& w, const Tensor& b) { return nn::conv(a, w, b, {{2}, {1}, {1}, 1, {}}); },
      N({2, 2, 5}), N({3, 2, 3}), N({3}));
  bin("conv 2d groups", [](const Tensor& a, const Tensor& w) { return nn::conv(a, w, std::nullopt, {{1}, {1, 0}, {1, 2}, 2, {}}); },
      N({1, 4, 4, 5}), N({2, 2, 2, 2}));
  tri("conv_transpose 1d", [](const Tensor& a, const Tensor& w, const Tensor& b) { return nn::conv_transpose(a, w, b, {{2}, {1}, {1}, 1, {1}}); },
      N({1, 2, 4}), N({2, 3, 3}), N({3}));
  bin("conv_transpose 2d", [](const Tensor& a, const Tensor& w) { return nn::conv_transpose(a, w, std::nullopt, {{1, 2}, {0, 1}, {}, 1, {}}); },
      N({1, 2, 3, 3}), N({2, 2, 2, 2}));
  un("max_pool 2d", [](const Tensor& t) { return nn::max_pool(t, {{2, 2}, {1, 2}, {}, {}, false}); }, N({1, 2, 4, 4}));
  un("max_pool 1d pad", [](const Tensor& t) { return nn::max_pool(t, {{3}, {2}, {1}, {}, true}); }, N({2, 1, 6}));
  un("avg_pool 2d", [](const Tensor& t) { return nn::avg_pool(t, {{2, 2}, {}, {1, 0}, {}, false}); }, N({1, 2, 4, 4}));
  // normalisation
  tri("batch_norm train", [](const Tensor& a, const Tensor& w, const Tensor& b) { return nn::batch_norm(a, std::nullopt, std::nullopt, w, b, true); },
      N({3, 2, 2}), N({2}), N({2}));
  bin("batch_norm eval", [](const Tensor& a, const Tensor& w) { return nn::batch_norm(a, zeros({2}, f64) + 0.1, ones({2}, f64) * 1.5, w, std::nullopt, false); },
      N({3, 2, 2}), N({2}));
  tri("layer_norm", [](const Tensor& a, const Tensor& w, const Tensor& b) { return nn::layer_norm(a, {3}, w, b); }, N({2, 3}), N({3}), N({3}));
  tri("sdpa", [](const Tensor& q, const Tensor& k, const Tensor& v) { return nn::scaled_dot_product_attention(q, k, v); },
      N({2, 3, 4}), N({2, 3, 4}), N({2, 3, 4}));
  tri("sdpa causal", [](const Tensor& q, const Tensor& k, const Tensor& v) { return nn::scaled_dot_product_attention(q, k, v, std::nullopt, true); },
      N({1, 3, 2}), N({1, 3, 2}), N({1, 3, 2}));
  // dropout with a fixed key is a fixed mask times 1/(1-p): linear in x
  un("dropout", [](const Tensor& t) { return nn::dropout(t, 0.3, random::key(7)); }, N({3, 4}));
  // losses
  un("cross_entropy idx", [](const Tensor& l) { return nn::cross_entropy(l, I64({2, 0}, {2})); }, N({2, 3}));
  bin("cross_entropy probs smooth", [](const Tensor& l, const Tensor& p) { return nn::cross_entropy(l, nn::softmax(p), nn::Reduction::sum, 0.1); }, N({2, 3}), N({2, 3}));
  un("nll_loss", [](const Tensor& l) { return nn::nll_loss(l, I64({1, 1}, {2}), nn::Reduction::none); }, N({2, 3}));
  bin("mse_loss", [](const Tensor& a, const Tensor& b) { return nn::mse_loss(a, b); }, N({2, 3}), N({2, 3}));
  bin("binary_cross_entropy", [](const Tensor& p, const Tensor& y) { return nn::binary_cross_entropy(p, y); }, U({2, 3}, 0.2, 0.8), U({2, 3}, 0, 1));
  bin("bce_with_logits", [](const Tensor& l, const Tensor& y) { return nn::binary_cross_entropy_with_logits(l, y, nn::Reduction::sum); }, N({2, 3}), U({2, 3}, 0, 1));
  return c;
}

// The trigonometric / hyperbolic / log-space functions, the new activations, cumprod, norms, diagonals,
// losses and group_norm, each away from its kinks (where finite differences would straddle them).
std::vector<Case> math_ops_cases() {
  manual_seed(4);
  std::vector<Case> c;
  auto un = [&](std::string n, std::function<Tensor(const Tensor&)> g, Tensor x) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0])); }, {x}});
  };
  auto bin = [&](std::string n, std::function<Tensor(const Tensor&, const Tensor&)> g, Tensor x, Tensor y) {
    c.push_back({n, [g](const Tensors& a) { return one(g(a[0], a[1])); }, {x, y}});
  };
  Tensor x = N({2, 3}), unit = U({2, 3}, -0.9, 0.9), above1 = U({2, 3}, 1.2, 3);
  Tensor signs = D({1.0, -1.0, 1.0}, {3});
  un("sinh", [](const Tensor& t) { return sinh(t); }, x);
  un("sinh near 0", [](const Tensor& t) { return sinh(t); }, x * 1e-3);
  un("cosh", [](const Tensor& t) { return cosh(t); }, x);
  un("asin", [](const Tensor& t) { return asin(t); }, unit);
  un("acos", [](const Tensor& t) { return acos(t); }, unit);
  un("atan", [](const Tensor& t) { return atan(t); }, x * 3);
  un("asinh", [](const Tensor& t) { return asinh(t); }, x * 3);
  un("acosh", [](const Tensor& t) { return acosh(t); }, above1);
  un("atanh", [](const Tensor& t) { return atanh(t); }, unit);
  bin("atan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); }, N({2, 3}), U({3}, 0.5, 1.5) * signs);
  bin("hypot", [](const Tensor& a, const Tensor& b) { return hypot(a, b); }, N({2, 3}), N({3}));
  bin("logaddexp", [](const Tensor& a, const Tensor& b) { return logaddexp(a, b); }, N({2, 3}), N({2, 1}));
  un("log_sigmoid", [](const Tensor& t) { return nn::log_sigmoid(t); }, x * 3);
  un("hardtanh", [](const Tensor& t) { return nn::hardtanh(t, -0.5, 0.5); }, D({-1.0, -0.2, 0.3, 0.9, -0.8, 0.1}, {2, 3}));
  un("mish", [](const Tensor& t) { return nn::mish(t); }, x * 2);
  un("cumprod", [](const Tensor& t) { return cumprod(t, 1); }, N({2, 5}));
  un("cumprod with a zero", [](const Tensor& t) { return cumprod(t, 0); }, D({1.5, 0.0, -2.0, 0.5}, {4}));
  un("vector_norm 2", [](const Tensor& t) { return vector_norm(t, 2, {1}); }, N({2, 4}));
  un("vector_norm 1", [](const Tensor& t) { return vector_norm(t, 1, {0}, true); }, N({3, 2}));
  un("vector_norm inf", [](const Tensor& t) { return vector_norm(t, INFINITY); }, N({2, 3}));
  un("vector_norm -inf", [](const Tensor& t) { return vector_norm(t, -INFINITY, {1}); }, N({2, 3}));
  un("vector_norm 3", [](const Tensor& t) { return vector_norm(t, 3, {1}); }, N({2, 4}));
  un("vector_norm 0.5", [](const Tensor& t) { return vector_norm(t, 0.5); }, N({2, 3}));
  un("vector_norm -1.5", [](const Tensor& t) { return vector_norm(t, -1.5, {0}); }, N({3, 2}));
  un("norm", [](const Tensor& t) { return norm(t, 2, {0, 2}); }, N({2, 2, 3}));
  un("diag 1-D", [](const Tensor& t) { return diag(t, -1); }, N({3}));
  un("diag 2-D", [](const Tensor& t) { return diag(t, 1); }, N({3, 4}));
  un("trace", [](const Tensor& t) { return trace(t); }, N({3, 3}));
  bin("outer", [](const Tensor& a, const Tensor& b) { return outer(a, b); }, N({3}), N({2}));
  bin("l1_loss", [](const Tensor& a, const Tensor& b) { return nn::l1_loss(a, b); }, N({2, 3}), N({2, 3}) + 5);
  bin("smooth_l1_loss", [](const Tensor& a, const Tensor& b) { return nn::smooth_l1_loss(a, b, nn::Reduction::sum, 2.0); },
      D({0.1, 3.0, -0.5, -4.0, 1.2, 0.7}, {2, 3}), zeros({2, 3}, f64));
  bin("huber_loss", [](const Tensor& a, const Tensor& b) { return nn::huber_loss(a, b, nn::Reduction::none, 0.8); },
      D({0.1, 3.0, -0.5, -4.0, 1.2, 0.3}, {2, 3}), zeros({2, 3}, f64));
  bin("kl_div", [](const Tensor& a, const Tensor& b) { return nn::kl_div(a, b, nn::Reduction::batchmean); },
      nn::log_softmax(N({2, 3})), U({2, 3}, 0.1, 0.9));
  bin("kl_div log_target", [](const Tensor& a, const Tensor& b) { return nn::kl_div(a, b, nn::Reduction::sum, true); },
      nn::log_softmax(N({2, 3})), nn::log_softmax(N({2, 3})));
  c.push_back({"group_norm",
               [](const Tensors& a) { return one(nn::group_norm(a[0], 2, a[1], a[2])); },
               {N({2, 4, 3}), N({4}), N({4})}});
  return c;
}

int run_cases(const std::vector<Case>& cases) {
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CheckGradsOptions o;
    o.order = 2;
    o.modes = GradModes::both;
    try {
      check_grads(c.f, c.args, o);
      ++n;
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": " << e.what();
    }
  }
  return n;
}

}  // namespace

TEST(GradSweep, EveryPrimitiveOrder2) {
  auto cases = primitive_cases();
  int n = run_cases(cases);
  std::printf("[GradSweep] check_grads order 2 passed on %d / %zu primitive cases\n", n, cases.size());
}

TEST(GradSweep, EveryCompositeOrder2) {
  auto cases = composite_cases();
  int n = run_cases(cases);
  std::printf("[GradSweep] check_grads order 2 passed on %d / %zu composite cases\n", n, cases.size());
}

TEST(GradSweep, TrigNormsLossesOrder2) {
  auto cases = math_ops_cases();
  int n = run_cases(cases);
  std::printf("[GradSweep] check_grads order 2 passed on %d / %zu math/norm/loss cases\n", n, cases.size());
}

TEST(GradSweep, CastRoundTrip) {
  // f64 -> f32 -> f64: the derivative is 1 through both casts, but the cotangent of the f32 value is
  // itself f32 (like JAX), so the reverse-mode result is only f32-accurate.
  Tensor x = D({0.25, -1.5, 3.0}, {3});
  auto f = [](Tensor t) { return prims::cast(prims::cast(t, f32), f64).sin().sum(); };
  expect_allclose(grad(f)(x), cos(cast(cast(x, f32), f64)), 1e-7);
  auto [y, ty] = jvp(f, {x}, {ones_like(x)});
  EXPECT_NEAR(ty.item<double>(), cos(cast(cast(x, f32), f64)).sum().item<double>(), 1e-6);
}

// ---------------- vmap vs an explicit loop ----------------
namespace {
Tensor take(const Tensor& t, int64_t axis, int64_t i) { return squeeze(slice(t, axis, i, i + 1), {axis}); }

// vmap(f, dims)(args...)[i] must equal f(args sliced at i along their dims...).
template <class F, class... T>
void vmap_vs_loop(const std::string& name, F f, std::vector<std::optional<int64_t>> dims, const T&... args) {
  SCOPED_TRACE("vmap " + name);
  constexpr size_t n = sizeof...(T);
  std::array<Tensor, n> a{args...};
  int64_t batch = -1;
  for (size_t k = 0; k < n; ++k)
    if (dims[k]) batch = a[k].shape()[static_cast<size_t>(*dims[k])];
  ASSERT_GT(batch, 0);
  Tensor batched;
  try {
    batched = vmap(f, dims)(args...);
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": " << e.what();
    return;
  }
  ASSERT_EQ(batched.shape()[0], batch);
  for (int64_t i = 0; i < batch; ++i) {
    std::array<Tensor, n> s;
    for (size_t k = 0; k < n; ++k) s[k] = dims[k] ? take(a[k], *dims[k], i) : a[k];
    Tensor want = std::apply(f, s);
    Tensor got = take(batched, 0, i);
    ASSERT_EQ(got.dtype(), want.dtype());
    if (is_floating(want.dtype())) expect_allclose(got, want, 1e-12);
    else expect_allclose(cast(got, f64), cast(want, f64), 0);
  }
}
using T1 = const Tensor&;
}  // namespace

TEST(GradSweep, VmapEveryPrimitiveVsLoop) {
  manual_seed(3);
  using std::nullopt;
  Tensor x = N({3, 2, 4}), y = N({3, 2, 4}), p = U({3, 2, 4}, 0.5, 1.5);
  // unary elementwise, batched along axis 0 and along axis 2
  for (int64_t d : {0, 2}) {
    std::string sd = " in_dim " + std::to_string(d);
    vmap_vs_loop("neg" + sd, [](T1 t) { return prims::neg(t); }, {d}, x);
    vmap_vs_loop("exp" + sd, [](T1 t) { return prims::exp(t); }, {d}, x);
    vmap_vs_loop("log" + sd, [](T1 t) { return prims::log(t); }, {d}, p);
    vmap_vs_loop("sin" + sd, [](T1 t) { return prims::sin(t); }, {d}, x);
    vmap_vs_loop("sqrt" + sd, [](T1 t) { return prims::sqrt(t); }, {d}, p);
    vmap_vs_loop("tanh" + sd, [](T1 t) { return prims::tanh(t); }, {d}, x);
    vmap_vs_loop("erf" + sd, [](T1 t) { return prims::erf(t); }, {d}, x);
    vmap_vs_loop("floor" + sd, [](T1 t) { return prims::floor(t); }, {d}, x);
    vmap_vs_loop("stop_gradient" + sd, [](T1 t) { return prims::stop_gradient(t); }, {d}, x);
    vmap_vs_loop("cast" + sd, [](T1 t) { return prims::cast(t, f32); }, {d}, x);
    vmap_vs_loop("logical_not" + sd, [](T1 t) { return prims::logical_not(t); }, {d}, prims::less(x, y));
  }
  // binary: both batched at different axes, and one operand unbatched
  Tensor xt = permute(x, {1, 0, 2}), row = N({2, 4}), prow = U({2, 4}, 0.5, 1.5);
  auto bins = std::vector<std::pair<std::string, std::function<Tensor(T1, T1)>>>{
      {"add", prims::add}, {"sub", prims::sub}, {"mul", prims::mul}, {"div", prims::div},
      {"maximum", prims::maximum}, {"equal", prims::equal}, {"less", prims::less}, {"greater", prims::greater},
      {"atan2", prims::atan2}};
  for (auto& [nm, g] : bins) {
    vmap_vs_loop(nm + " (0,0)", g, {0, 0}, x, y);
    vmap_vs_loop(nm + " (1,0)", g, {1, 0}, xt, y);
    vmap_vs_loop(nm + " (0,none)", g, {0, nullopt}, x, row);
    vmap_vs_loop(nm + " (none,0)", g, {nullopt, 0}, row, x);
  }
  vmap_vs_loop("pow (0,none)", [](T1 a, T1 b) { return prims::pow(a, b); }, {0, nullopt}, p, row);
  vmap_vs_loop("pow (none,2)", [](T1 a, T1 b) { return prims::pow(a, b); }, {nullopt, 2}, prow, permute(x, {1, 2, 0}));
  Tensor c = prims::less(x, y);
  vmap_vs_loop("where (0,0,0)", [](T1 k, T1 a, T1 b) { return prims::where(k, a, b); }, {0, 0, 0}, c, x, y);
  vmap_vs_loop("where (0,none,1)", [](T1 k, T1 a, T1 b) { return prims::where(k, a, b); }, {0, nullopt, 1}, c, row, xt);
  vmap_vs_loop("where (none,0,none)", [](T1 k, T1 a, T1 b) { return prims::where(k, a, b); }, {nullopt, 0, nullopt},
               prims::less(row, prow), x, row);
  // reductions
  vmap_vs_loop("sum axes {1} in_dim 0", [](T1 t) { return prims::sum(t, {1}); }, {0}, x);
  vmap_vs_loop("sum axes {0,1} in_dim 1", [](T1 t) { return prims::sum(t, {0, 1}); }, {1}, x);
  vmap_vs_loop("max axes {0} in_dim 2", [](T1 t) { return prims::max(t, {0}); }, {2}, x);
  vmap_vs_loop("max axes {} in_dim 0", [](T1 t) { return prims::max(t, {}); }, {0}, x);
  // shape ops
  vmap_vs_loop("reshape in_dim 1", [](T1 t) { return prims::reshape(t, {2, 2, 2}); }, {1}, permute(N({2, 3, 4}), {0, 1, 2}));
  vmap_vs_loop("expand in_dim 2", [](T1 t) { return prims::expand(t, {3, 4}); }, {2}, N({1, 4, 3}));
  vmap_vs_loop("permute in_dim 1", [](T1 t) { return prims::permute(t, {1, 0}); }, {1}, x);
  vmap_vs_loop("pad in_dim 2", [](T1 t) { return prims::pad(t, {1, 0}, {0, 2}, {0, 1}, Scalar(0.5)); }, {2}, x);
  vmap_vs_loop("slice in_dim 0", [](T1 t) { return prims::slice(t, {0, 1}, {2, 4}, {1, 2}); }, {0}, x);
  vmap_vs_loop("slice in_dim 1", [](T1 t) { return prims::slice(t, {1, 0}, {3, 4}, {2, 3}); }, {1}, x);
  vmap_vs_loop("flip in_dim 2", [](T1 t) { return prims::flip(t, {0, 1}); }, {2}, x);
  vmap_vs_loop("cat (0,none)", [](T1 a, T1 b) { return prims::cat({a, b, a}, 1); }, {0, nullopt}, x, row);
  vmap_vs_loop("cat (2,0)", [](T1 a, T1 b) { return prims::cat({a, b}, 0); }, {2, 0}, permute(N({2, 3, 4}), {0, 2, 1}), N({3, 1, 4}));
  // matmul
  Tensor a = N({3, 2, 4}), b = N({4, 5}), bb = N({4, 3, 5});
  vmap_vs_loop("matmul (0,none)", [](T1 u, T1 v) { return prims::matmul(u, v); }, {0, nullopt}, a, b);
  vmap_vs_loop("matmul (none,1)", [](T1 u, T1 v) { return prims::matmul(u, v); }, {nullopt, 1}, N({2, 4}), bb);
  vmap_vs_loop("matmul (2,1)", [](T1 u, T1 v) { return prims::matmul(u, v); }, {2, 1}, permute(a, {1, 2, 0}), bb);
  // conv: batched x, batched w, both
  ConvParams cp{{2}, {1}, {1}, {0}, 2};
  auto cf = [cp](T1 u, T1 v) { return prims::conv(u, v, cp); };
  Tensor cx = N({3, 2, 4, 6}), cw = N({3, 2, 2, 3}), cx1 = N({2, 4, 6}), cw1 = N({2, 2, 3});
  vmap_vs_loop("conv (0,none)", cf, {0, nullopt}, cx, cw1);
  vmap_vs_loop("conv (none,0)", cf, {nullopt, 0}, cx1, cw);
  vmap_vs_loop("conv (0,0)", cf, {0, 0}, cx, cw);
  vmap_vs_loop("conv (3,1)", cf, {3, 1}, permute(cx, {1, 2, 3, 0}), permute(cw, {1, 0, 2, 3}));
  // gather / scatter_add with batched indices
  Tensor gi = I64({0, 2, 1, 1, 2, 0, 2, 2, 0}, {3, 3}), gx = N({3, 2, 3}), gx1 = N({2, 3});
  vmap_vs_loop("gather (0,0)", [](T1 u, T1 i) { return prims::gather(u, i, 1); }, {0, 0}, gx, gi);
  vmap_vs_loop("gather (none,1)", [](T1 u, T1 i) { return prims::gather(u, i, 1); }, {nullopt, 1}, gx1, gi);
  vmap_vs_loop("gather (2,none)", [](T1 u, T1 i) { return prims::gather(u, i, 0); }, {2, nullopt}, permute(gx, {1, 2, 0}),
               I64({1, 0, 1}, {3}));
  Tensor su = N({3, 2, 3});
  auto sf = [](T1 u, T1 i, T1 w) { return prims::scatter_add(u, i, w, 1); };
  vmap_vs_loop("scatter_add (0,0,0)", sf, {0, 0, 0}, gx, gi, su);
  vmap_vs_loop("scatter_add (none,0,0)", sf, {nullopt, 0, 0}, gx1, gi, su);
  vmap_vs_loop("scatter_add (0,none,2)", sf, {0, nullopt, 2}, gx, I64({2, 2, 0}, {3}), permute(su, {1, 2, 0}));
  vmap_vs_loop("scatter_add (1,1,none)", sf, {1, 1, nullopt}, permute(gx, {1, 0, 2}), permute(gi, {1, 0}), N({2, 3}));
  // threefry with batched keys
  Tensor keys = cast(I64({1, 2, 3, 4, 5, 6}, {3, 2}), u32), counts = cast(I64({0, 1, 2, 3, 4}, {5}), u32);
  vmap_vs_loop("threefry (0,none)", [](T1 k, T1 n) { return prims::threefry(k, n); }, {0, nullopt}, keys, counts);
  vmap_vs_loop("threefry (0,0)", [](T1 k, T1 n) { return prims::threefry(k, n); }, {0, 0}, keys,
               cast(I64({0, 1, 2, 3, 4, 5}, {3, 2}), u32));
  // argsort: the batch axis before, after and at the sorted axis' old place; ties (rounded values)
  Tensor st = floor(x * 2.0);
  vmap_vs_loop("argsort axis 1 in_dim 0", [](T1 t) { return prims::argsort(t, 1, false); }, {0}, st);
  vmap_vs_loop("argsort axis 0 in_dim 2", [](T1 t) { return prims::argsort(t, 0, true); }, {2}, st);
  vmap_vs_loop("argsort axis 1 in_dim 1", [](T1 t) { return prims::argsort(t, 1, true); }, {1}, st);
}

// ---------------- custom_jvp / custom_vjp / checkpoint ----------------
TEST(GradSweep, CustomJvpStableLogsumexp) {
  // logsumexp with its derivative softmax(x) . t, stable for large inputs.
  auto plain = [](const Tensor& x) { return log(exp(x).sum()); };
  auto stable = custom_jvp(
      std::function<Tensor(const Tensor&)>([](const Tensor& x) {
        Tensor m = stop_gradient(max(x));
        return log(exp(x - m).sum()) + m;
      }),
      [](const Tensor& x, const Tensor& t) {
        Tensor m = stop_gradient(max(x));
        Tensor y = log(exp(x - m).sum()) + m;
        return std::make_pair(y, (nn::softmax(x) * t).sum());
      });
  Tensor x = D({0.3, -1.2, 2.0, 0.7}, {4});
  expect_allclose(stable(x), plain(x));
  expect_allclose(grad(stable)(x), grad(plain)(x));
  auto [y1, t1] = jvp(stable, {x}, {ones_like(x) * 0.5});
  auto [y2, t2] = jvp(plain, {x}, {ones_like(x) * 0.5});
  expect_allclose(t1, t2);
  expect_allclose(hessian(stable)(x), hessian(plain)(x), 1e-8);
  check_grads(stable, {x}, 2, GradModes::both);
  // where the plain form overflows, the custom one stays finite
  Tensor big = D({1000.0, 999.0}, {2});
  auto g = grad(stable)(big).to_vector<double>();
  EXPECT_NEAR(g[0], 1 / (1 + std::exp(-1.0)), 1e-12);
  EXPECT_NEAR(g[1], 1 / (1 + std::exp(1.0)), 1e-12);
}

TEST(GradSweep, CustomVjpUserBackward) {
  auto plain = [](const Tensor& x) { return x.sin() * x; };
  auto custom = custom_vjp(
      std::function<Tensor(const Tensor&)>(plain),
      [](const Tensor& x) { return std::make_pair(x.sin() * x, Tensors{x}); },
      [](const Tensors& res, const Tensor& ct) { return ct * (res[0].cos() * res[0] + res[0].sin()); });
  Tensor x = D({0.3, -1.2, 2.0}, {3});
  expect_allclose(custom(x), plain(x));
  auto sum_of = [](auto f) { return [f](const Tensor& v) { return f(v).sum(); }; };
  expect_allclose(grad(sum_of(custom))(x), grad(sum_of(plain))(x));
  expect_allclose(jacrev(custom)(x), jacrev(plain)(x));
  // The user's bwd is differentiable, so grad of grad works too.
  auto gc = [&](const Tensor& v) { return grad(sum_of(custom))(v).sum(); };
  auto gp = [&](const Tensor& v) { return grad(sum_of(plain))(v).sum(); };
  expect_allclose(grad(gc)(x), grad(gp)(x));
  check_grads(custom, {x}, 2, GradModes::reverse);
}

TEST(GradSweep, CheckpointMlpBlock) {
  manual_seed(4);
  Tensor x = N({4, 3}), w1 = N({3, 5}), w2 = N({5, 2});
  TensorsFn block = [](const Tensors& a) { return Tensors{matmul(matmul(a[0], a[1]).tanh(), a[2]).tanh()}; };
  TensorsFn ck = checkpoint(block);
  auto loss_of = [](TensorsFn f) {
    return [f](const Tensor& a, const Tensor& b, const Tensor& c) { return f({a, b, c})[0].square().sum(); };
  };
  expect_allclose(ck({x, w1, w2})[0], block({x, w1, w2})[0]);
  auto [g1, g2, g3] = grad<0, 1, 2>(loss_of(ck))(x, w1, w2);
  auto [h1, h2, h3] = grad<0, 1, 2>(loss_of(block))(x, w1, w2);
  expect_allclose(g1, h1);
  expect_allclose(g2, h2);
  expect_allclose(g3, h3);
  // grad of grad through checkpoint: d/dw1 of sum(d loss / d x).
  auto gg = [&](TensorsFn f) {
    auto outer = [f](const Tensor& b, const Tensor& a, const Tensor& c) {
      auto l = [f](const Tensor& a2, const Tensor& b2, const Tensor& c2) { return f({a2, b2, c2})[0].square().sum(); };
      return grad<0>(l)(a, b, c).square().sum();
    };
    return grad<0>(outer)(w1, x, w2);
  };
  expect_allclose(gg(ck), gg(block), 1e-8);
  // Both modes to order 2: forward over forward differentiates the recomputation (the primals
  // are operands of the linear call, so the outer jvp sees them).
  check_grads(ck, {x, w1, w2});
  // a scalar-function checkpoint composed with hessian
  auto sc = checkpoint(std::function<Tensor(const Tensor&)>([](const Tensor& v) { return (v.sin() * v.sum()).sum(); }));
  auto sp = [](const Tensor& v) { return (v.sin() * v.sum()).sum(); };
  Tensor v = D({0.5, -0.3, 1.2}, {3});
  expect_allclose(hessian(sc)(v), hessian(sp)(v), 1e-10);
}

// ---------------- hessian / jacobian vs PyTorch ----------------
// Numbers computed once with PyTorch 1.13 (/usr/bin/python3):
//   import torch; from torch.autograd.functional import hessian, jacobian
//   x = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64)
//   A = torch.tensor([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [0.1, 0.4, 0.9]], dtype=torch.float64)
//   f = lambda v: torch.logsumexp(v, 0) * (v ** 3).sum() + v.prod()
//   g = lambda v: torch.tanh(A @ v) * v
//   print([float(a) for a in hessian(f, x).flatten()])
//   print([float(a) for a in jacobian(g, x).flatten()])
TEST(GradSweep, HessianJacobianVsPyTorch) {
  const std::vector<double> H = {3.196518473348823,  1.5078053267572011, 0.302462237095099,
                                 1.5078053267572011, -6.2379804568798365, 1.5176945172269192,
                                 0.302462237095099,  1.5176945172269192,  15.157776713530067};
  const std::vector<double> J = {0.015525748364472736, 0.13957529191833803, -0.055830116767335215,
                                 -0.027764406367019163, 1.0240997058386054, -0.07403841697871777,
                                 0.06645940024562379,  0.26583760098249515, 1.2272797636246495};
  Tensor x = D({0.3, -0.7, 1.1}, {3});
  Tensor A = D({1.0, 0.5, -0.2, 0.3, -1.0, 0.8, 0.1, 0.4, 0.9}, {3, 3});
  auto f = [](const Tensor& v) { return logsumexp(v, {0}) * pow(v, tensor(3.0, f64)).sum() + prod(v); };
  auto g = [A](const Tensor& v) { return tanh(matmul(A, v)) * v; };
  Tensor h = hessian(f)(x), jf = jacfwd(g)(x), jr = jacrev(g)(x);
  ASSERT_EQ(h.shape(), (Shape{3, 3}));
  ASSERT_EQ(jf.shape(), (Shape{3, 3}));
  expect_allclose(h, D(H, {3, 3}), 1e-10);
  expect_allclose(jf, D(J, {3, 3}), 1e-12);
  expect_allclose(jr, D(J, {3, 3}), 1e-12);
  // the other compositions of forward and reverse give the same hessian
  expect_allclose(jacrev(jacrev(f))(x), h, 1e-10);
  expect_allclose(jacfwd(jacfwd(f))(x), h, 1e-10);
}

// The sweep is only meaningful if check_grads rejects wrong derivatives: a custom_jvp with a rule
// off by a factor of 2 must fail in both modes.
TEST(GradSweep, CheckGradsRejectsAWrongRule) {
  auto wrong = custom_jvp(std::function<Tensor(const Tensor&)>([](const Tensor& x) { return x.sin(); }),
                          [](const Tensor& x, const Tensor& t) { return std::make_pair(x.sin(), x.cos() * t * 2); });
  Tensor x = D({0.3, -1.2, 2.0}, {3});
  EXPECT_THROW(check_grads(wrong, {x}, 1, GradModes::forward), Error);
  EXPECT_THROW(check_grads(wrong, {x}, 1, GradModes::reverse), Error);
}
