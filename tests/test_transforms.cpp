// Transformations: the f(x) = 2cos(2x) values through every composition, pytrees, vmap vs loops,
// jacobians and hessians, and misuse errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "slope/slope.h"
#include "slope/transforms.h"

using namespace slope;

namespace {
Tensor f(Tensor x) { return (x * 2).cos() * 2; }  // f(x) = 2cos(2x)
constexpr double kF = 1.9203404, kF1 = 1.1176620, kF2 = -7.6813617;

void expect_close(const Tensor& a, double v, double tol = 1e-5) {
  ASSERT_EQ(a.numel(), 1);
  EXPECT_NEAR(a.item<double>(), v, tol * std::max(1.0, std::abs(v)));
}
void expect_allclose(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.shape(), b.shape());
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << "at " << i;
}
}  // namespace

TEST(Transforms, CosValuesThroughEveryComposition) {
  Tensor x = tensor(3.0f);
  expect_close(f(x), kF);
  expect_close(grad(f)(x), kF1);
  expect_close(grad(grad(f))(x), kF2);
  auto [y, t] = jvp(f, {x}, {ones_like(x)});
  expect_close(y, kF);
  expect_close(t, kF1);
  // jvp of grad: the second derivative.
  auto df = [](Tensor v) { return grad(f)(v); };
  auto [g, h] = jvp(df, {x}, {ones_like(x)});
  expect_close(g, kF1);
  expect_close(h, kF2);
  // grad of a jvp tangent
  auto tangent = [](Tensor v) { return jvp(f, {v}, {ones_like(v)}).second; };
  expect_close(grad(tangent)(x), kF2);
  // vjp
  auto [out, pull] = vjp(f, x);
  expect_close(out, kF);
  expect_close(std::get<0>(pull(ones_like(out))), kF1);
  // linearize
  auto [out2, lin] = linearize(f, x);
  expect_close(lin(ones_like(x)), kF1);
  // value_and_grad
  auto [v, gv] = value_and_grad(f)(x);
  expect_close(v, kF);
  expect_close(gv, kF1);
  // third order: f''' = 16 sin(2x) * 2 ... check against finite difference of f''
  double e = 1e-3;
  double fd = (grad(grad(f))(tensor(3.0 + e, f64)).item<double>() - grad(grad(f))(tensor(3.0 - e, f64)).item<double>()) / (2 * e);
  expect_close(grad(grad(grad(f)))(tensor(3.0, f64)), fd, 1e-4);
}

struct Mlp {
  Tensor w, b;
  float scale;
};
SLOPE_PYTREE(Mlp, w, b, scale)

TEST(Transforms, GradOverStructsReturnsTheStructType) {
  Mlp m{tensor({{1.f, 2.f}, {3.f, 4.f}}), tensor({0.5f, -0.5f}), 2.f};
  Tensor xb = tensor({{1.f, 1.f}, {2.f, 0.f}});
  auto loss = [](const Mlp& p, const Tensor& x) { return (matmul(x, p.w) + p.b).square().sum() * p.scale; };
  auto [l, g] = value_and_grad(loss)(m, xb);
  // d/dw = 2*scale * x^T (xw + b), d/db = 2*scale * sum_rows(xw + b)
  Tensor r = matmul(xb, m.w) + m.b;
  expect_allclose(g.w, matmul(xb.transpose(), r) * 4.f);
  expect_allclose(g.b, r.sum(0) * 4.f);
  EXPECT_EQ(g.scale, 2.f);  // static fields carry over
  expect_close(l, (r.square().sum() * 2.f).item<double>());
  // several argnums and containers
  std::map<std::string, Tensor> params{{"a", tensor(2.f)}, {"b", tensor(3.f)}};
  auto h = [](const std::map<std::string, Tensor>& p, const Tensor& y) { return p.at("a") * p.at("b") * y; };
  auto [ga, gy] = grad<0, 1>(h)(params, tensor(5.f));
  expect_close(ga.at("a"), 15);
  expect_close(ga.at("b"), 10);
  expect_close(gy, 6);
}

TEST(Transforms, HasAux) {
  auto fa = [](Tensor x) { return std::make_pair(f(x), x * 2); };
  auto [g, aux] = grad(fa)(tensor(3.f));
  expect_close(g, kF1);
  expect_close(aux, 6);
  auto [va, g2] = value_and_grad(fa)(tensor(3.f));
  expect_close(va.first, kF);
  expect_close(va.second, 6);
}

TEST(Transforms, VmapMatchesALoop) {
  manual_seed(0);
  Tensor xs = randn({4, 3, 5});
  Tensor w = randn({5, 2});
  auto g = [&](Tensor x) { return matmul(x, w).tanh().sum(0); };
  Tensor batched = vmap(g)(xs);
  for (int i = 0; i < 4; ++i) expect_allclose(batched[i], g(xs[i]));
  // in_dims = 1 and nullopt, out_dims = 1
  Tensor ys = randn({3, 4, 5});
  auto h = [](Tensor a, Tensor b) { return (a * b).sum(1); };
  Tensor r = vmap(h, {1, std::nullopt}, {1})(ys, w.transpose().index({0}).reshape({1, 5}).expand({3, 5}));
  ASSERT_EQ(r.shape(), (Shape{3, 4}));
  // per-example gradients
  auto loss1 = [](Tensor wt, Tensor x) { return matmul(x, wt).square().sum(); };
  Tensor pe = vmap(grad(loss1), {std::nullopt, 0})(w, xs);
  ASSERT_EQ(pe.shape(), (Shape{4, 5, 2}));
  for (int i = 0; i < 4; ++i) expect_allclose(pe[i], grad(loss1)(w, xs[i]));
}

TEST(Transforms, JacobiansAndHessians) {
  Tensor x = tensor({0.5f, -1.f, 2.f});
  auto g = [](Tensor v) { return v.sin() * v.sum(); };
  Tensor jf = jacfwd(g)(x), jr = jacrev(g)(x);
  expect_allclose(jf, jr);
  // J_ij = cos(x_i) s δ_ij + sin(x_i)
  auto xv = x.to_vector<double>();
  double s = xv[0] + xv[1] + xv[2];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(jf.index({i, j}).item<double>(), (i == j ? std::cos(xv[i]) * s : 0) + std::sin(xv[i]), 1e-5);
  auto q = [](Tensor v) { return (v * v * v).sum(); };
  Tensor H = hessian(q)(x);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(H.index({i, j}).item<double>(), i == j ? 6 * xv[i] : 0, 1e-5);
}

TEST(Transforms, Misuse) {
  auto nonscalar = [](Tensor x) { return x * 2; };
  EXPECT_THROW(grad(nonscalar)(tensor({1.f, 2.f})), Error);
  auto intout = [](Tensor x) { return x.sum().cast(i64); };
  EXPECT_THROW(grad(intout)(tensor({1.f, 2.f})), Error);
  EXPECT_THROW(jvp(f, {tensor(1.f)}, {tensor({1.f, 2.f})}), Error);
  auto h = [](Tensor a, Tensor b) { return a + b; };
  EXPECT_THROW(vmap(h)(zeros({3}), zeros({4})), Error);
  try {
    grad(nonscalar)(tensor({1.f, 2.f}));
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[grad]", 0), 0u) << e.what();
  }
}

TEST(Transforms, LongChainDoesNotOverflowTheStack) {
  auto chain = [](Tensor x) {
    for (int i = 0; i < 100000; ++i) x = x * 1.0f;
    return x.sum();
  };
  expect_close(grad(chain)(tensor({1.f, 2.f})).sum(), 2);
}

TEST(Transforms, JacobiansOfSeveralArguments) {
  auto f = [](const Tensor& a, const Tensor& b) { return (a * b).sin() + a; };
  Tensor a = tensor({0.3f, -0.2f}), b = tensor({1.5f, 2.0f});
  // d/da = diag(b cos(ab) + 1), d/db = diag(a cos(ab))
  Tensor ca = (a * b).cos();
  Tensor ja = jacrev(f)(a, b), jb = jacfwd<1>(f)(a, b);
  auto [ra, rb] = jacrev<0, 1>(f)(a, b);
  auto [fa, fb] = jacfwd<0, 1>(f)(a, b);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      float da = i == j ? b[i].item<float>() * ca[i].item<float>() + 1 : 0.0f;
      float db = i == j ? a[i].item<float>() * ca[i].item<float>() : 0.0f;
      EXPECT_NEAR(ja[i][j].item<float>(), da, 1e-6);
      EXPECT_NEAR(ra[i][j].item<float>(), da, 1e-6);
      EXPECT_NEAR(fa[i][j].item<float>(), da, 1e-6);
      EXPECT_NEAR(jb[i][j].item<float>(), db, 1e-6);
      EXPECT_NEAR(rb[i][j].item<float>(), db, 1e-6);
      EXPECT_NEAR(fb[i][j].item<float>(), db, 1e-6);
    }
  // hessian w.r.t. the second argument of a scalar function: d2/db2 sum(a^2 b^3) = diag(6 a^2 b)
  auto g = [](const Tensor& a, const Tensor& b) { return (a * a * b * b * b).sum(); };
  Tensor h = hessian<1>(g)(a, b);
  EXPECT_NEAR(h[0][0].item<float>(), 6 * 0.09f * 1.5f, 1e-5);
  EXPECT_NEAR(h[1][1].item<float>(), 6 * 0.04f * 2.0f, 1e-5);
  EXPECT_NEAR(h[0][1].item<float>(), 0.0f, 1e-6);
}

// Leaf names follow PyTorch's state_dict: fields by name, sequence elements by index, map keys,
// optional fields transparent, static fields skipped.
struct NamedLayer {
  Tensor weight;
  std::optional<Tensor> bias;
  int64_t features;
};
SLOPE_PYTREE(NamedLayer, weight, bias, features)
struct NamedNet {
  NamedLayer fc1;
  std::vector<NamedLayer> layers;
  std::map<std::string, Tensor> extra;
};
SLOPE_PYTREE(NamedNet, fc1, layers, extra)

TEST(PyTreePaths, NamesLikeStateDict) {
  NamedNet net{{ones({2}), zeros({1}), 2},
               {{ones({3}), std::nullopt, 3}, {ones({4}), ones({4}), 4}},
               {{"scale", ones({1})}}};
  std::vector<std::string> want = {"fc1.weight", "fc1.bias", "layers.0.weight", "layers.1.weight", "layers.1.bias",
                                   "extra.scale"};
  EXPECT_EQ(tree_paths(net), want);
  auto named = tree_named_leaves(net);
  ASSERT_EQ(named.size(), want.size());
  EXPECT_EQ(named[3].second.shape(), (Shape{4}));
  EXPECT_EQ(named[5].first, "extra.scale");
  std::vector<std::string> tuple_paths = tree_paths(std::tuple<Tensor, std::pair<Tensor, Tensor>>{ones({1}), {ones({1}), ones({1})}});
  EXPECT_EQ(tuple_paths, (std::vector<std::string>{"0", "1.0", "1.1"}));
}
