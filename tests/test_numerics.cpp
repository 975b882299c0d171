// Numerics of the composite ops' derivatives at extreme inputs (where differentiating a naive
// decomposition gives inf, NaN or the wrong one-sided derivative), compared with PyTorch 1.13's
// numbers; second derivatives through the same code at ordinary points; and custom_jvp /
// custom_vjp / checkpoint under vmap, which must keep their own rules.
//
// Expected values are derived analytically; where PyTorch was consulted the torch expression is
// quoted (torch 1.13, f32 unless stated: y = f(x); y.sum().backward(); x.grad).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "slope/check_grads.h"
#include "slope/custom.h"
#include "slope/nn_functional.h"
#include "slope/slope.h"
#include "slope/transforms.h"

using namespace slope;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kInfF = std::numeric_limits<float>::infinity();

Tensor F(std::vector<float> v) { return tensor(v, Shape{static_cast<int64_t>(v.size())}, f32); }
Tensor D(std::vector<double> v) { return tensor(v, Shape{static_cast<int64_t>(v.size())}, f64); }

// Elementwise comparison that treats infinities and NaN exactly (same sign of inf, NaN only
// where NaN is expected) and finite values with a relative tolerance.
void expect_values(const Tensor& got, std::vector<double> want, double tol = 1e-6, const char* what = "") {
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size()) << what;
  auto g = got.to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " at " << i << ": got " << g[i] << ", want NaN";
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(g[i], want[i]) << what << " at " << i;
    } else {
      EXPECT_FALSE(std::isnan(g[i])) << what << " at " << i << ": got NaN, want " << want[i];
      EXPECT_NEAR(g[i], want[i], tol * (1 + std::abs(want[i]))) << what << " at " << i;
    }
  }
}

// Value and gradient of sum(f(x)).
template <class Fn>
void expect_value_and_grad(Fn f, const Tensor& x, std::vector<double> value, std::vector<double> g, double tol = 1e-6) {
  expect_values(f(x), value, tol, "value");
  expect_values(grad([&](const Tensor& v) { return sum(f(v)); })(x), g, tol, "gradient");
}

double sigm(double x) { return 1 / (1 + std::exp(-x)); }
}  // namespace

// ---------------------------------------------------------------- reductions

TEST(Numerics, LogsumexpLargeAndInfiniteEntries) {
  auto lse = [](const Tensor& x) { return logsumexp(x, {0}); };
  // The gradient is softmax(x): exactly 1/2 for two equal maxima, 0 for -inf. (PyTorch's own
  // backward, exp(x - result) with result rounded to f32, gives 0.49998546 here.)
  expect_value_and_grad(lse, F({1000, 1000, -kInfF}), {1000 + std::log(2.0)}, {0.5, 0.5, 0}, 1e-7);
  // torch.logsumexp(tensor([-1e30, 0.]), 0) = 0, grad [0, 1]
  expect_value_and_grad(lse, F({-1e30f, 0}), {0}, {0, 1});
  // Large spread in f64: softmax of (1000, 999) without overflow.
  expect_value_and_grad(lse, D({1000, 999}), {1000 + std::log1p(std::exp(-1.0))}, {sigm(1), sigm(-1)}, 1e-12);
  // A row of -inf: value -inf like PyTorch (its gradient is NaN in PyTorch too: 0/0).
  expect_values(lse(F({-kInfF, -kInfF})), {-kInf});
  // keepdim and several axes
  Tensor x2 = tensor({{1000.0, 1000.0}, {-kInf, 0.0}}, f64);
  expect_values(grad([](const Tensor& v) { return sum(logsumexp(v, {1}, true)); })(x2), {0.5, 0.5, 0, 1}, 1e-12);
  expect_values(grad([](const Tensor& v) { return logsumexp(v, {0, 1}); })(x2), {0.5, 0.5, 0, 0}, 1e-12);
}

TEST(Numerics, MaxMinTiesShareTheGradient) {
  // torch.amax(x, 0) and torch.max(x) (no dim) split the gradient evenly among ties:
  // amax([1, 3, 3, 2]) -> grad [0, .5, .5, 0]; amin([1, 1, 3, 1]) -> [1/3, 1/3, 0, 1/3].
  expect_value_and_grad([](const Tensor& x) { return max(x, {0}); }, F({1, 3, 3, 2}), {3}, {0, 0.5, 0.5, 0});
  expect_value_and_grad([](const Tensor& x) { return max(x); }, F({1, 3, 3, 2}), {3}, {0, 0.5, 0.5, 0});
  expect_value_and_grad([](const Tensor& x) { return min(x, {0}); }, F({1, 1, 3, 1}), {1}, {1.0 / 3, 1.0 / 3, 0, 1.0 / 3});
  // Per row, with keepdim.
  Tensor x = tensor({{1.0, 5.0, 5.0}, {7.0, 7.0, 7.0}}, f64);
  expect_values(grad([](const Tensor& v) { return sum(max(v, {1}, true)); })(x), {0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  // torch.maximum(x, y) at x == y: 1/2 to each side. torch.clamp(x, 0, 1) at x = 0 and x = 1:
  // gradient 1 (the bounds are inclusive), 0 outside.
  expect_value_and_grad([](const Tensor& x) { return maximum(x, F({1, 1})); }, F({1, 0}), {1, 1}, {0.5, 0});
  // torch.minimum(x, [1, 1, 1]) at x = [1, 2, 0]: grad [0.5, 0, 1]; NaN propagates from either side.
  expect_value_and_grad([](const Tensor& x) { return minimum(x, F({1, 1, 1})); }, F({1, 2, 0}), {1, 1, 0}, {0.5, 0, 1});
  expect_values(minimum(F({std::nanf(""), 1}), F({0, std::nanf("")})), {std::nan(""), std::nan("")});
  expect_values(minimum(tensor({3, -2}, i32), tensor({1, 5}, i32)), {1, -2});
  check_grads([](const Tensor& a, const Tensor& b) { return minimum(a, b); }, {D({0.3, -1.2}), D({0.5, -2.0})}, 2);
  expect_value_and_grad([](const Tensor& x) { return clip(x, 0.0, 1.0); }, F({0, 1, 0.5, 2, -1}), {0, 1, 0.5, 1, 0},
                        {1, 1, 1, 0, 0});
  expect_value_and_grad([](const Tensor& x) { return clip(x, std::nullopt, 1.0); }, F({1, 2}), {1, 1}, {1, 0});
  // NaN passes through clip, and lo > hi gives hi everywhere (torch.clamp).
  expect_values(clip(F({std::nanf(""), 3}), 0.0, 1.0), {std::nan(""), 1});
  expect_values(clip(F({-5, 0.5, 5}), 2.0, 1.0), {1, 1, 1});
  expect_values(clip(tensor({-3, 4, 9}, i32), 0, 5), {0, 4, 5});
  check_grads([](const Tensor& x) { return clip(x, -0.5, 0.5); }, {D({-0.9, 0.1, 0.3, 0.8})}, 2);
  check_grads([](const Tensor& x) { return max(x, {0}); }, {D({0.3, -1.2, 2.0})}, 2);
}

TEST(Numerics, StdAndNormalisationAtConstantInput) {
  // std at constant input is sqrt(var) at var = 0: its gradient is 0 * inf = NaN, which is what
  // tests/torch/gen_golden.py expects (it defines std as torch.sqrt(var)); torch.std itself masks
  // it to 0. layer_norm and batch_norm stay finite there thanks to eps.
  expect_values(slope::std(F({1, 1, 1})), {0});
  // Away from 0, d std / dx_i = (x_i - mean) / ((n - 1) std): x = (1, 3): std = sqrt(2), grad = -+1/sqrt(2).
  expect_value_and_grad([](const Tensor& x) { return slope::std(x); }, D({1, 3}), {std::sqrt(2.0)},
                        {-1 / std::sqrt(2.0), 1 / std::sqrt(2.0)}, 1e-12);
  check_grads([](const Tensor& x) { return slope::std(x, {0}); }, {D({0.3, -1.2, 2.0})}, 2);
  // layer_norm of a constant row: y = 0, and the gradient of sum(w * y) is finite:
  // w - mean(w) scaled by 1/sqrt(eps): torch.nn.functional.layer_norm(x, (3,)) with
  // x = [[1., 1., 1.]], weights [1, 2, 3] -> grad [-316.2278, 0, 316.2278].
  Tensor w = D({1, 2, 3});
  auto ln = [&](const Tensor& x) { return sum(mul(nn::layer_norm(x, {3}), w)); };
  expect_values(grad(ln)(tensor({{1.0, 1.0, 1.0}}, f64)), {-1 / std::sqrt(1e-5), 0, 1 / std::sqrt(1e-5)}, 1e-9);
  // batch_norm (training) over a constant channel: the same 1/sqrt(eps) scaling, finite.
  auto bn = [&](const Tensor& x) {
    return sum(mul(nn::batch_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, true), reshape(w, {3, 1})));
  };
  expect_values(grad(bn)(full({3, 1}, 2.0, f64)), {-1 / std::sqrt(1e-5), 0, 1 / std::sqrt(1e-5)}, 1e-9);
  check_grads([&](const Tensor& x) { return ln(x); }, {tensor({{0.3, -1.2, 2.0}}, f64)}, 2);
}

// ---------------------------------------------------------------- elementwise

TEST(Numerics, SqrtAbsAndFriendsAtZero) {
  // torch.sqrt(0) has gradient inf; torch.rsqrt(0) = inf with gradient -inf.
  expect_value_and_grad([](const Tensor& x) { return sqrt(x); }, F({0, 4}), {0, 2}, {kInf, 0.25});
  expect_value_and_grad([](const Tensor& x) { return rsqrt(x); }, F({0, 4}), {kInf, 0.5}, {-kInf, -0.0625});
  // torch.abs: gradient sign(x), 0 at 0 (and at -0.0); abs(-0.0) = +0.0; NaN propagates.
  expect_value_and_grad([](const Tensor& x) { return abs(x); }, F({0, -0.0f, -2, 3}), {0, 0, 2, 3}, {0, 0, -1, 1});
  EXPECT_FALSE(std::signbit(abs(F({-0.0f})).item<float>()));
  expect_values(abs(F({std::nanf("")})), {std::nan("")});
  expect_values(abs(tensor({-3, 0, 4}, i64)), {3, 0, 4});
  // relu'(0) = 0; pow(x, 2)' at 0 = 0; pow(x, 0.5)' at 0 = inf (torch.pow(x, 0.5)).
  expect_value_and_grad([](const Tensor& x) { return nn::relu(x); }, F({0, 1, -1}), {0, 1, 0}, {0, 1, 0});
  expect_value_and_grad([](const Tensor& x) { return pow(x, full({}, 2.0)); }, F({0}), {0}, {0});
  expect_value_and_grad([](const Tensor& x) { return pow(x, full({}, 0.5)); }, F({0}), {0}, {kInf});
  check_grads([](const Tensor& x) { return abs(x); }, {D({0.3, -1.2, 2.0})}, 2);
}

TEST(Numerics, CosTanDerivatives) {
  // cos has no primitive; its derivative must still be -sin(x) to full accuracy, including next to
  // the zeros of sin (x = pi) and for large arguments.
  const double pi = 3.14159265358979323846;
  std::vector<double> xs{0, 0.25, pi / 2, pi, 3, 1e5, -7.5};
  std::vector<double> c, ms, t, dt;
  for (double v : xs) {
    c.push_back(std::cos(v));
    ms.push_back(-std::sin(v));
    t.push_back(std::tan(v));
    dt.push_back(1 / (std::cos(v) * std::cos(v)));
  }
  expect_value_and_grad([](const Tensor& x) { return cos(x); }, D(xs), c, ms, 1e-14);
  xs.erase(xs.begin() + 2);  // tan(pi/2) is 1.6e16, far from any pole in double; keep it out
  t.erase(t.begin() + 2);
  dt.erase(dt.begin() + 2);
  expect_value_and_grad([](const Tensor& x) { return tan(x); }, D(xs), t, dt, 1e-13);
  check_grads([](const Tensor& x) { return cos(x); }, {D({-2.5, 0.0, 0.3, 3.0})}, 2);
  check_grads([](const Tensor& x) { return tan(x); }, {D({-1.2, 0.0, 0.3, 1.0})}, 2);
  // Higher derivatives use the rule again (never cos's formula, whose untaken 0/0 branch at x = 0
  // would give NaN in reverse mode): cos'' = -cos, cos''' = sin, at 0 and at a large argument.
  auto d1 = [](const Tensor& x) { return grad([](const Tensor& v) { return sum(cos(v)); })(x); };
  auto d2 = [&](const Tensor& x) { return grad([&](const Tensor& v) { return sum(d1(v)); })(x); };
  auto d3 = [&](const Tensor& x) { return grad([&](const Tensor& v) { return sum(d2(v)); })(x); };
  expect_values(d2(D({0, 1e5})), {-1, -std::cos(1e5)}, 1e-14, "cos''");
  expect_values(d3(D({0, 1e5})), {0, std::sin(1e5)}, 1e-14, "cos'''");
  expect_values(vmap(d2)(D({0, 1e5})), {-1, -std::cos(1e5)}, 1e-14, "vmap(cos'')");
  // sin' = cos to full accuracy for large arguments too (sin(x + pi/2) would be off by ~ulp(x)),
  // in f32 as well: x = 1e4 has ulp 0.001.
  std::vector<double> big{1e5, -3e4, 12345.678};
  std::vector<double> s, dc;
  for (double v : big) {
    s.push_back(std::sin(v));
    dc.push_back(std::cos(v));
  }
  expect_value_and_grad([](const Tensor& x) { return sin(x); }, D(big), s, dc, 1e-14);
  float xf = 1e4f;
  expect_value_and_grad([](const Tensor& x) { return sin(x); }, F({xf}), {std::sin(double(xf))}, {std::cos(double(xf))},
                        1e-6);
}

TEST(Numerics, SigmoidTanhFamilyAtExtremes) {
  // Saturated: value 0/1 (or +-1), gradient exactly 0 -- never NaN. At 0: sigmoid' = 1/4.
  expect_value_and_grad([](const Tensor& x) { return sigmoid(x); }, F({-1000, 1000, 0, -100, 100}), {0, 1, 0.5, 0, 1},
                        {0, 0, 0.25, 0, 0});
  expect_value_and_grad([](const Tensor& x) { return tanh(x); }, F({-1000, 1000, 0}), {-1, 1, 0}, {0, 0, 1});
  // sigmoid'(x) = s (1 - s) in the tails keeps full relative accuracy: at x = -30 it is e^-30.
  expect_value_and_grad([](const Tensor& x) { return sigmoid(x); }, D({-30, 30}), {sigm(-30), sigm(30)},
                        {sigm(-30) * sigm(30), sigm(-30) * sigm(30)}, 1e-12);
  // silu = x sigmoid(x): torch.nn.functional.silu([-1000., 1000., 0.]) -> [-0., 1000., 0.],
  // grad [0, 1, 0.5]. gelu (both forms) -> [0, 1000, 0], grad [0, 1, 0.5]. elu -> [-1, 1000, 0],
  // grad [0, 1, 1].
  expect_value_and_grad([](const Tensor& x) { return nn::silu(x); }, F({-1000, 1000, 0}), {0, 1000, 0}, {0, 1, 0.5});
  expect_value_and_grad([](const Tensor& x) { return nn::gelu(x, true); }, F({-1000, 1000, 0}), {0, 1000, 0}, {0, 1, 0.5});
  expect_value_and_grad([](const Tensor& x) { return nn::gelu(x); }, F({-1000, 1000, 0}), {0, 1000, 0}, {0, 1, 0.5});
  expect_value_and_grad([](const Tensor& x) { return nn::elu(x); }, F({-1000, 1000, 0}), {-1, 1000, 0}, {0, 1, 1});
  for (auto f : {+[](const Tensor& x) { return sigmoid(x); }, +[](const Tensor& x) { return nn::silu(x); },
                 +[](const Tensor& x) { return nn::gelu(x, true); }})
    check_grads(f, {D({-2.5, -0.3, 0.0, 0.7, 3.0})}, 2);
}

TEST(Numerics, SoftplusAtExtremes) {
  // softplus' = sigmoid. torch.nn.functional.softplus([-100., 100., 0., -1000., 1000.]) ->
  // [3.7835e-44, 100, 0.6931472, 0, 1000], grad [3.7835e-44, 1, 0.5, 0, 1]. (e^-100 is an f32
  // subnormal; it must not flush to 0 in the value and must not become NaN in the gradient.)
  double e100 = std::exp(-100.0);
  Tensor x = F({-100, 100, 0, -1000, 1000});
  Tensor y = nn::softplus(x);
  expect_values(y, {e100, 100, std::log(2.0), 0, 1000}, 1e-6);
  Tensor g = grad([](const Tensor& v) { return sum(nn::softplus(v)); })(x);
  expect_values(g, {e100, 1, 0.5, 0, 1}, 1e-6);
  EXPECT_GT(g.to_vector<float>()[0], 0.f);
  // beta = 2, threshold 20: x itself only where beta x > 20 (strictly), so x = 10 is still the
  // soft branch: value log1p(e^20) / 2, gradient sigmoid(20). torch (f64):
  // softplus(tensor([-100., 100., 0., 10., 10.5], dtype=float64), beta=2) -> grad
  // [1.38e-87, 1, 0.5, 0.9999999979388464, 1].
  expect_value_and_grad([](const Tensor& v) { return nn::softplus(v, 2.0); }, D({-100, 100, 0, 10, 10.5}),
                        {std::exp(-200.0) / 2, 100, std::log(2.0) / 2, std::log1p(std::exp(20.0)) / 2, 10.5},
                        {sigm(-200), 1, 0.5, sigm(20), 1}, 1e-12);
  // In f64 the tails are exact: softplus(-30) = log1p(e^-30), softplus'(x) = sigmoid(x).
  expect_value_and_grad([](const Tensor& v) { return nn::softplus(v); }, D({-30, -1e-3, 1e-3, 15}),
                        {std::log1p(std::exp(-30.0)), std::log1p(std::exp(-1e-3)), std::log1p(std::exp(1e-3)),
                         std::log1p(std::exp(15.0))},
                        {sigm(-30), sigm(-1e-3), sigm(1e-3), sigm(15)}, 1e-13);
  check_grads([](const Tensor& v) { return nn::softplus(v); }, {D({-2.5, -0.3, 0.0, 0.7, 3.0})}, 2);
  check_grads([](const Tensor& v) { return nn::softplus(v, 0.5, 1.0); }, {D({-2.5, -0.3, 0.7, 3.0})}, 2);
}

TEST(Numerics, Log1pExpm1Tails) {
  // torch.log1p([-1., 0., 1e30]) -> [-inf, 0, 69.07755], grad [inf, 1, 1e-30];
  // torch.expm1([-1000., 0., 88.]) -> [-1, 0, 1.6516363e38], grad [0, 1, 1.6516363e38].
  expect_value_and_grad([](const Tensor& x) { return log1p(x); }, F({-1, 0, 1e30f}), {-kInf, 0, 69.07755279},
                        {kInf, 1, 1e-30});
  expect_value_and_grad([](const Tensor& x) { return expm1(x); }, F({-1000, 0, 88}), {-1, 0, std::expm1(88.0)},
                        {0, 1, std::exp(88.0)}, 1e-6);
  // In f64 the derivatives are 1/(1+x) and e^x to full relative accuracy, tiny x included.
  expect_value_and_grad([](const Tensor& x) { return log1p(x); }, D({1e-20, -0.5, 1e-8, 3}),
                        {1e-20, std::log1p(-0.5), std::log1p(1e-8), std::log1p(3.0)},
                        {1, 2, 1 / (1 + 1e-8), 0.25}, 1e-14);
  expect_value_and_grad([](const Tensor& x) { return expm1(x); }, D({1e-20, -40, 1e-8, 3}),
                        {1e-20, std::expm1(-40.0), std::expm1(1e-8), std::expm1(3.0)},
                        {1, std::exp(-40.0), std::exp(1e-8), std::exp(3.0)}, 1e-14);
  check_grads([](const Tensor& x) { return log1p(x); }, {D({-0.5, 1e-3, 0.7, 3.0})}, 2);
  check_grads([](const Tensor& x) { return expm1(x); }, {D({-2.5, 1e-3, 0.7, 3.0})}, 2);
}

// ---------------------------------------------------------------- softmax family and losses

TEST(Numerics, SoftmaxFamilyAtExtremes) {
  Tensor w = F({1, 2, 3});
  // torch.log_softmax(tensor([1000., 0., -inf]), 0) = [0, -1000, -inf];
  // grad of sum(w * log_softmax) = w - softmax * sum(w) = [-5, 2, 3].
  expect_value_and_grad([&](const Tensor& x) { return mul(nn::log_softmax(x, 0), w); }, F({1000, 0, -kInfF}),
                        {0, -2000, -kInf}, {-5, 2, 3});
  // softmax there is [1, 0, 0] and every gradient is 0 (softmax saturates).
  expect_value_and_grad([&](const Tensor& x) { return mul(nn::softmax(x, 0), w); }, F({1000, 0, -kInfF}), {1, 0, 0},
                        {0, 0, 0});
  expect_value_and_grad([&](const Tensor& x) { return mul(nn::log_softmax(x, 0), w); }, F({-1000, 1000, 0}),
                        {-2000, 0, -3000}, {1, -4, 3});
  // cross_entropy with a confident correct logit: loss 0, gradient softmax - onehot = 0.
  Tensor logits = tensor({{1000.f, -1000.f, 0.f}});
  auto ce = [](const Tensor& l) { return nn::cross_entropy(l, tensor({int64_t{0}})); };
  expect_values(ce(logits), {0});
  expect_values(grad(ce)(logits), {0, 0, 0});
  // binary_cross_entropy_with_logits(x, y, reduction='none') for x = [-1000, -1000, 1000, 1000],
  // y = [1, 0, 1, 0]: loss [1000, 0, 0, 1000], grad sigmoid(x) - y = [-1, 0, 0, 1].
  Tensor y = F({1, 0, 1, 0});
  expect_value_and_grad([&](const Tensor& x) { return nn::binary_cross_entropy_with_logits(x, y, nn::Reduction::none); },
                        F({-1000, -1000, 1000, 1000}), {1000, 0, 0, 1000}, {-1, 0, 0, 1});
  check_grads([](const Tensor& x) { return nn::log_softmax(x, 0); }, {D({0.3, -1.2, 2.0})}, 2);
  check_grads([](const Tensor& x) { return nn::softmax(x, 0); }, {D({0.3, -1.2, 2.0})}, 2);
  check_grads([](const Tensor& x) { return logsumexp(x, {0}); }, {D({0.3, -1.2, 2.0})}, 2);
}

// ---------------------------------------------------------------- custom rules under vmap

namespace {
// sin with a deliberately wrong derivative rule (3 t instead of cos(x) t), so a test can tell
// whether the rule or the decomposition was differentiated.
std::function<Tensor(const Tensor&)> sin_rule3() {
  return custom_jvp(std::function<Tensor(const Tensor&)>([](const Tensor& x) { return sin(x); }),
                    [](const Tensor& x, const Tensor& t) { return std::make_pair(sin(x), t * 3.0); });
}
std::function<Tensor(const Tensor&)> sin_bwd3() {
  return custom_vjp(std::function<Tensor(const Tensor&)>([](const Tensor& x) { return sin(x); }),
                    [](const Tensor& x) { return std::make_pair(sin(x), Tensors{x}); },
                    [](const Tensors&, const Tensor& ct) { return ct * 3.0; });
}
}  // namespace

TEST(NumericsVmap, CustomJvpRuleSurvivesVmap) {
  auto f = sin_rule3();
  Tensor x = D({0.1, 0.2, 0.3});
  std::vector<double> three{3, 3, 3};
  // vmap(grad(f)): the rule runs on batched values.
  expect_values(vmap([&](const Tensor& v) { return grad(f)(v); })(x), three, 1e-12, "vmap(grad)");
  // grad(vmap(f)): vmap must not trace through the body, or the result would be cos(x).
  expect_values(grad([&](const Tensor& v) { return sum(vmap(f)(v)); })(x), three, 1e-12, "grad(vmap)");
  auto [y, t] = jvp([&](const Tensor& v) { return vmap(f)(v); }, {x}, {D({1, 2, 3})});
  expect_values(y, {std::sin(0.1), std::sin(0.2), std::sin(0.3)}, 1e-12);
  expect_values(t, {3, 6, 9}, 1e-12, "jvp(vmap)");
  expect_values(jacfwd([&](const Tensor& v) { return vmap(f)(v); })(x), {3, 0, 0, 0, 3, 0, 0, 0, 3}, 1e-12, "jacfwd");
  expect_values(jacrev([&](const Tensor& v) { return vmap(f)(v); })(x), {3, 0, 0, 0, 3, 0, 0, 0, 3}, 1e-12, "jacrev");
  // Batch axis not at 0, and vmap of vmap.
  Tensor m = tensor({{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}}, f64);  // mapped over axis 1
  Tensor gm = grad([&](const Tensor& v) { return sum(vmap(f, {1}, {1})(v)); })(m);
  expect_values(gm, {3, 3, 3, 3, 3, 3}, 1e-12, "in_dim 1");
  Tensor gmm = grad([&](const Tensor& v) { return sum(vmap(vmap(f))(v)); })(m);
  expect_values(gmm, {3, 3, 3, 3, 3, 3}, 1e-12, "vmap(vmap)");
  // Second order: the rule's tangent 3 t is linear with constant slope, so d2 = 0 (cos would
  // give -sin).
  auto df = [&](const Tensor& v) { return grad([&](const Tensor& u) { return sum(vmap(f)(u)); })(v); };
  expect_values(grad([&](const Tensor& v) { return sum(df(v)); })(x), {0, 0, 0}, 1e-12, "grad(grad(vmap))");
}

TEST(NumericsVmap, CustomJvpSeveralOperandsOneUnbatched) {
  // f(a, b) = a * b with rule ta * b * 3 + a * tb * 5; b is not mapped.
  TensorsFn f = custom_jvp([](const Tensors& v) { return Tensors{mul(v[0], v[1])}; },
                           [](const Tensors& p, const Tensors& t) {
                             return std::make_pair(Tensors{mul(p[0], p[1])},
                                                   Tensors{add(mul(t[0], p[1]) * 3.0, mul(p[0], t[1]) * 5.0)});
                           });
  auto g = [&](const Tensor& a, const Tensor& b) { return f({a, b})[0]; };
  Tensor a = D({1, 2, 3}), b = full({}, 2.0, f64);
  auto loss = [&](const Tensor& av, const Tensor& bv) { return sum(vmap(g, {0, std::nullopt})(av, bv)); };
  // d/da_i = 3 b = 6; d/db = sum_i 5 a_i = 30.
  expect_values(grad<0>(loss)(a, b), {6, 6, 6}, 1e-12);
  expect_values(grad<1>(loss)(a, b), {30}, 1e-12);
}

TEST(NumericsVmap, CustomVjpRuleSurvivesVmap) {
  auto f = sin_bwd3();
  Tensor x = D({0.1, 0.2, 0.3});
  expect_values(vmap([&](const Tensor& v) { return grad(f)(v); })(x), {3, 3, 3}, 1e-12, "vmap(grad)");
  expect_values(grad([&](const Tensor& v) { return sum(vmap(f)(v)); })(x), {3, 3, 3}, 1e-12, "grad(vmap)");
  expect_values(jacrev([&](const Tensor& v) { return vmap(f)(v); })(x), {3, 0, 0, 0, 3, 0, 0, 0, 3}, 1e-12, "jacrev");
  // Several operands, one unmapped: f(a, w) = a * w, bwd gives (3 ct w, 5 ct a). The unmapped
  // operand's cotangent is summed over the batch.
  TensorsFn h = custom_vjp([](const Tensors& v) { return Tensors{mul(v[0], v[1])}; },
                           [](const Tensors& v) { return std::make_pair(Tensors{mul(v[0], v[1])}, v); },
                           [](const Tensors& res, const Tensors& ct) {
                             return Tensors{mul(ct[0], res[1]) * 3.0, mul(ct[0], res[0]) * 5.0};
                           });
  auto hv = [&](const Tensor& a, const Tensor& w) { return h({a, w})[0]; };
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, f64), w = D({10, 20});
  auto loss = [&](const Tensor& av, const Tensor& wv) { return sum(vmap(hv, {0, std::nullopt})(av, wv)); };
  expect_values(grad<0>(loss)(a, w), {30, 60, 30, 60, 30, 60}, 1e-12);
  expect_values(grad<1>(loss)(a, w), {45, 60}, 1e-12);  // 5 * column sums (9, 12)
  // Mapped over axis 1 of a.
  Tensor w3 = D({10, 20, 30});
  auto loss1 = [&](const Tensor& av) { return sum(vmap(hv, {1, std::nullopt})(av, w3)); };
  expect_values(grad(loss1)(a), {30, 30, 60, 60, 90, 90}, 1e-12);
}

TEST(NumericsVmap, CheckpointUnderVmapMatchesPlain) {
  auto plain = [](const Tensor& x) { return sum(sin(x) * x); };
  auto ck = checkpoint(std::function<Tensor(const Tensor&)>(plain));
  Tensor x = tensor({{0.3, -1.2, 2.0}, {0.5, 0.1, -0.7}}, f64);
  auto via = [](auto f) { return [f](const Tensor& v) { return sum(vmap(f)(v)); }; };
  Tensor g1 = grad(via(ck))(x), g2 = grad(via(plain))(x);
  expect_values(g1, g2.to_vector<double>(), 1e-12, "grad(vmap(checkpoint))");
  Tensor h1 = vmap([&](const Tensor& v) { return grad(ck)(v); })(x);
  expect_values(h1, g2.to_vector<double>(), 1e-12, "vmap(grad(checkpoint))");
  // second order through the batched checkpoint
  auto gg = [&](auto f) { return [f](const Tensor& v) { return sum(grad(f)(v)); }; };
  expect_values(grad(gg(via(ck)))(x), grad(gg(via(plain)))(x).to_vector<double>(), 1e-12, "grad(grad(vmap(checkpoint)))");
  check_grads([&](const Tensor& v) { return vmap(ck)(v); }, {x}, 2);
}
