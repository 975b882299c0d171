// interpolate and the pooling options beyond the PyTorch goldens (tests/torch/gen_golden.py
// compares values and gradients with torch, ties included): check_grads to order 2, the same
// values and gradients under jit on both backends and under vmap, max_pool's tie rule by hand, and
// the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "expect_error.h"
#include "slope/check_grads.h"
#include "slope/slope.h"

namespace {

using namespace slope;
using slope_test::expect_error;
namespace nn = slope::nn;
using Mode = nn::InterpolateMode;

std::vector<std::string> backends() {
  std::vector<std::string> out;
  for (auto& n : backend_names())
    if (n == "reference" || n == "cpu") out.push_back(n);
  return out;
}

nn::InterpolateOptions sized(Shape size, Mode m = Mode::nearest, std::optional<bool> ac = std::nullopt) {
  nn::InterpolateOptions o;
  o.size = std::move(size);
  o.mode = m;
  o.align_corners = ac;
  return o;
}
nn::InterpolateOptions scaled(std::vector<double> s, Mode m = Mode::nearest) {
  nn::InterpolateOptions o;
  o.scale_factor = std::move(s);
  o.mode = m;
  return o;
}

TEST(Interpolate, CheckGradsOrder2) {
  manual_seed(8);
  Tensor x = randn({1, 2, 3, 4}, f64);
  for (const auto& o : {sized({5, 7}), sized({2, 2}), scaled({1.5}), sized({5, 7}, Mode::bilinear),
                        sized({2, 3}, Mode::bilinear, true), sized({5, 7}, Mode::bilinear, true),
                        scaled({1.7, 0.6}, Mode::bilinear)}) {
    check_grads([&](const Tensor& t) { return nn::interpolate(t, o); }, {x}, 2);
  }
  check_grads([](const Tensor& t) { return nn::interpolate(t, sized({7}, Mode::linear)); }, {randn({2, 2, 4}, f64)}, 2);
  check_grads([](const Tensor& t) { return nn::interpolate(t, sized({3, 2, 5}, Mode::trilinear, true)); },
              {randn({1, 1, 2, 3, 4}, f64)}, 2);
}

TEST(Interpolate, SameUnderJitAndVmap) {
  manual_seed(9);
  Tensor x = randn({2, 3, 6, 5});
  const auto o = sized({9, 4}, Mode::bilinear);
  auto f = [&](const Tensor& t) { return (nn::interpolate(t, o) * nn::interpolate(t, sized({9, 4}))).sum(); };
  Tensor want_y, want_g;
  {
    BackendScope s("reference");
    want_y = f(x);
    want_g = grad(f)(x);
  }
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    SCOPED_TRACE(b);
    EXPECT_NEAR(jit(f)(x).item<double>(), want_y.item<double>(), 1e-5 * (1 + std::abs(want_y.item<double>())));
    auto g = jit(grad(f))(x).to_vector<double>(), w = want_g.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], w[i], 1e-5) << i;
    // vmap over the batch: each item alone gives the same
    Tensor vm = vmap([&](const Tensor& t) { return nn::interpolate(t, o); })(x.unsqueeze(1));
    Tensor direct = nn::interpolate(x, o);
    EXPECT_EQ(vm.reshape(direct.shape()).to_vector<float>(), direct.to_vector<float>());
  }
}

TEST(Interpolate, KnownValues) {
  Tensor x = arange(4).cast(f32).reshape({1, 1, 4});
  // nearest 4 -> 6: floor(i * 4/6) = 0 0 1 2 2 3
  EXPECT_EQ(nn::interpolate(x, sized({6})).to_vector<float>(), (std::vector<float>{0, 0, 1, 2, 2, 3}));
  // linear, align_corners: positions i * 3/3 -> exact copies; 4 -> 7: steps of 0.5
  EXPECT_EQ(nn::interpolate(x, sized({7}, Mode::linear, true)).to_vector<float>(),
            (std::vector<float>{0, 0.5, 1, 1.5, 2, 2.5, 3}));
  // linear without align_corners, 4 -> 2: source positions 0.5 and 2.5
  EXPECT_EQ(nn::interpolate(x, sized({2}, Mode::linear)).to_vector<float>(), (std::vector<float>{0.5, 2.5}));
  // integer tensors resample with nearest
  EXPECT_EQ(nn::interpolate(arange(3).reshape({1, 1, 3}), scaled({2.0})).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 1, 1, 2, 2}));
}

TEST(Interpolate, ErrorsNameInterpolate) {
  Tensor x = zeros({1, 2, 4, 4});
  expect_error([&] { nn::interpolate(x, {}); }, "[interpolate]", "exactly one of size and scale_factor");
  auto both = sized({2, 2});
  both.scale_factor = {2.0};
  expect_error([&] { nn::interpolate(x, both); }, "[interpolate]", "both");
  expect_error([&] { nn::interpolate(x, sized({2, 2, 2})); }, "[interpolate]", "size needs 1 or 2 values");
  expect_error([&] { nn::interpolate(x, sized({0, 2})); }, "[interpolate]", "positive");
  expect_error([&] { nn::interpolate(x, scaled({-1.0})); }, "[interpolate]", "positive");
  expect_error([&] { nn::interpolate(x, scaled({1e300})); }, "[interpolate]", "int64");
  expect_error([&] { nn::interpolate(x, sized({2, 2}, Mode::nearest, true)); }, "[interpolate]", "align_corners");
  expect_error([&] { nn::interpolate(x, sized({2}, Mode::linear)); }, "[interpolate]", "linear mode needs a 3-d input");
  expect_error([&] { nn::interpolate(x.cast(i32), sized({2, 2}, Mode::bilinear)); }, "[interpolate]", "floating");
  expect_error([&] { nn::interpolate(zeros({4, 4}), sized({2})); }, "[interpolate]", "1-3 spatial dims");
  expect_error([&] { nn::interpolate(x.cast(bool_), sized({2, 2})); }, "[interpolate]", "bool");
}

// ---------------------------------------------------------------- pools
// max_pool's gradient goes to the first maximum of each window in row-major order (the last NaN if
// the window holds NaN), never to the padding: eager and jitted, on both backends.
TEST(Pools, MaxPoolTiesGoToTheFirstMaximum) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Tensor x = tensor(std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, -inf, -inf, nan, 0, -inf, -inf, 0, nan}, {1, 1, 4, 4});
  auto f = [](const Tensor& t) { return nn::max_pool(t, {{2, 2}}).sum(); };
  const std::vector<float> want = {1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  // an all -inf window padded with -inf: the first element inside the input
  Tensor y = tensor(std::vector<float>{-inf, -inf, -inf}, {1, 1, 3});
  auto h = [](const Tensor& t) { return nn::max_pool(t, {{3}, {1}, {1}}).sum(); };
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    SCOPED_TRACE(b);
    EXPECT_EQ(grad(f)(x).to_vector<float>(), want);
    EXPECT_EQ(jit(grad(f))(x).to_vector<float>(), want);
    EXPECT_EQ(grad(h)(y).to_vector<float>(), (std::vector<float>{2, 1, 0}));
    EXPECT_EQ(jit(grad(h))(y).to_vector<float>(), (std::vector<float>{2, 1, 0}));
  }
}

TEST(Pools, CheckGradsOrder2) {
  manual_seed(10);
  Tensor x = randn({1, 2, 5, 6}, f64);
  check_grads([](const Tensor& t) { return nn::max_pool(t, {{3, 2}, {2, 2}, {1, 1}, {}, true}); }, {x}, 2);
  nn::PoolOptions o{{3, 3}, {2, 2}, {1, 1}, {}, true};
  o.count_include_pad = false;
  check_grads([&](const Tensor& t) { return nn::avg_pool(t, o); }, {x}, 2);
  o.divisor_override = 4;
  check_grads([&](const Tensor& t) { return nn::avg_pool(t, o); }, {x}, 2);
}

TEST(Pools, AvgPoolDivisors) {
  Tensor x = ones({1, 1, 3});
  nn::PoolOptions o{{3}, {1}, {1}};
  EXPECT_EQ(nn::avg_pool(x, o).to_vector<float>(), (std::vector<float>{2.f / 3, 1, 2.f / 3}));  // padding counted
  o.count_include_pad = false;
  EXPECT_EQ(nn::avg_pool(x, o).to_vector<float>(), (std::vector<float>{1, 1, 1}));
  o.divisor_override = 2;
  EXPECT_EQ(nn::avg_pool(x, o).to_vector<float>(), (std::vector<float>{1, 1.5, 1}));
  o.divisor_override = 0;
  expect_error([&] { nn::avg_pool(x, o); }, "[avg_pool]", "divisor_override");
  nn::PoolOptions m{{3}};
  m.count_include_pad = false;
  expect_error([&] { nn::max_pool(x, m); }, "[max_pool]", "avg_pool options");
}

}  // namespace
