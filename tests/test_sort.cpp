// sort, argsort and topk beyond the PyTorch goldens (tests/torch/gen_golden.py checks values,
// indices, ties, NaN and gradients against torch): long rows against std::stable_sort, the
// gradient's route, check_grads to order 2, and the transformations (jit on both backends, vmap,
// grad of jit), with the errors naming the op the user called.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "expect_error.h"
#include "slope/check_grads.h"
#include "slope/slope.h"

namespace {

using namespace slope;
using slope_test::expect_error;

std::vector<std::string> backends() {
  std::vector<std::string> out;
  for (auto& n : backend_names())
    if (n == "reference" || n == "cpu") out.push_back(n);
  return out;
}

// Positions that sort v stably, NaN largest (PyTorch's stable sort), by std::stable_sort.
std::vector<int64_t> expected_order(const std::vector<double>& v, bool descending) {
  std::vector<int64_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  auto less = [](double a, double b) { return std::isnan(a) ? false : std::isnan(b) ? true : a < b; };
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    return descending ? less(v[b], v[a]) : less(v[a], v[b]);
  });
  return idx;
}

// Values with many ties (0..49) and some NaN.
std::vector<double> tied_values(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = g() % 97 == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(g() % 50);
  return v;
}

TEST(Sort, LongRowsMatchStdStableSort) {
  const size_t rows = 3, n = 2500;
  std::vector<double> all;
  for (size_t r = 0; r < rows; ++r) {
    auto v = tied_values(n, static_cast<unsigned>(r));
    all.insert(all.end(), v.begin(), v.end());
  }
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    for (DType d : {f32, f64, f16}) {
      Tensor x = tensor(all, {static_cast<int64_t>(rows), static_cast<int64_t>(n)}, d);
      for (bool descending : {false, true}) {
        SCOPED_TRACE(b + " " + name(d) + (descending ? " descending" : " ascending"));
        auto [values, indices] = sort(x, -1, descending);
        auto got = indices.to_vector<int64_t>();
        auto vals = values.to_vector<double>();
        for (size_t r = 0; r < rows; ++r) {
          std::vector<double> row(all.begin() + static_cast<long>(r * n), all.begin() + static_cast<long>((r + 1) * n));
          auto want = expected_order(row, descending);
          ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin() + static_cast<long>(r * n))) << "row " << r;
          for (size_t k = 0; k < n; ++k) {
            double w = row[static_cast<size_t>(want[k])], v = vals[r * n + k];
            ASSERT_TRUE((std::isnan(w) && std::isnan(v)) || w == v) << "row " << r << " position " << k;
          }
        }
        EXPECT_EQ(argsort(x, 1, descending).to_vector<int64_t>(), got);
      }
    }
  }
}

// The gradient of sort's values goes to the element each value came from; indices carry none.
TEST(Sort, GradientFollowsTheIndices) {
  Tensor x = tensor({3.0, -1.0, 2.0, 5.0, 0.5}, f64);
  Tensor w = tensor({1.0, 10.0, 100.0, 1000.0, 10000.0}, f64);
  Tensor g = grad([&](const Tensor& t) { return (sort(t).values * w).sum(); })(x);
  // ascending order is -1 (1), 0.5 (4), 2 (2), 3 (0), 5 (3)
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{1000, 1, 100, 10000, 10}));
  Tensor gt = grad([&](const Tensor& t) { return (topk(t, 2).values * tensor({1.0, 10.0}, f64)).sum(); })(x);
  EXPECT_EQ(gt.to_vector<double>(), (std::vector<double>{10, 0, 0, 1, 0}));
  // ties: the whole cotangent of each value goes to its own source (stable order)
  Tensor tied = tensor({2.0, 2.0, 1.0}, f64);
  Tensor gtie = grad([](const Tensor& t) { return (topk(t, 1).values * 7.0).sum(); })(tied);
  EXPECT_EQ(gtie.to_vector<double>(), (std::vector<double>{7, 0, 0}));
}

TEST(Sort, CheckGradsOrder2) {
  manual_seed(11);
  Tensor x = randn({3, 5}, f64), y = randn({4, 3, 2}, f64);
  check_grads([](const Tensor& t) { return sort(t).values; }, {x}, 2);
  check_grads([](const Tensor& t) { return sort(t, 0, true).values; }, {x}, 2);
  check_grads([](const Tensor& t) { return sort(t, -2).values * t; }, {y}, 2);
  check_grads([](const Tensor& t) { return topk(t, 2).values; }, {x}, 2);
  check_grads([](const Tensor& t) { return topk(t, 3, 0, false).values.square(); }, {y}, 2);
}

TEST(Sort, UnderJitVmapAndGrad) {
  manual_seed(5);
  Tensor x = floor(randn({6, 40}) * 3.0);  // ties
  auto f = [](const Tensor& t) { return sort(t, -1, true); };
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    SCOPED_TRACE(b);
    SortResult eager = f(x);
    SortResult jitted = jit(f)(x);  // a pytree result
    EXPECT_EQ(jitted.values.to_vector<float>(), eager.values.to_vector<float>());
    EXPECT_EQ(jitted.indices.to_vector<int64_t>(), eager.indices.to_vector<int64_t>());
    // vmap over rows (batch axis 0) and over columns of the transpose (batch axis 1)
    Tensor vm = vmap([](const Tensor& r) { return argsort(r, 0, true); })(x);
    EXPECT_EQ(vm.to_vector<int64_t>(), eager.indices.to_vector<int64_t>());
    Tensor vt = vmap([](const Tensor& r) { return topk(r, 5).indices; }, {1})(x.T());
    EXPECT_EQ(vt.to_vector<int64_t>(), topk(x, 5).indices.to_vector<int64_t>());
    // grad of jit and jit of grad
    auto loss = [](const Tensor& t) { return (topk(t, 7).values * arange(7).cast(f32)).sum(); };
    Tensor g0 = grad(loss)(x);
    EXPECT_EQ(grad(jit(loss))(x).to_vector<float>(), g0.to_vector<float>());
    EXPECT_EQ(jit(grad(loss))(x).to_vector<float>(), g0.to_vector<float>());
  }
}

TEST(Sort, ZeroDAndEmpty) {
  Tensor s = tensor(2.5f);
  auto [v, i] = s.sort();
  EXPECT_EQ(v.shape(), Shape{});
  EXPECT_EQ(i.item<int64_t>(), 0);
  EXPECT_EQ(s.topk(1).values.item<float>(), 2.5f);
  EXPECT_EQ(s.topk(0).values.item<float>(), 2.5f);  // torch.topk(0-d, 0) gives the element too
  EXPECT_EQ(zeros({2, 0}).topk(0).values.shape(), (Shape{2, 0}));
  EXPECT_EQ(zeros({0, 3}).argsort().shape(), (Shape{0, 3}));
}

TEST(Sort, ErrorsNameTheOpCalled) {
  Tensor x = zeros({4, 3});
  expect_error([&] { sort(x, 2); }, "[sort]", "out of range");
  expect_error([&] { argsort(x, -3); }, "[argsort]", "out of range");
  expect_error([&] { topk(x, 4); }, "[topk]", "k = 4 is out of range for dim 1 of size 3");
  expect_error([&] { topk(x, -1, 0); }, "[topk]", "k = -1");
  expect_error([&] { topk(tensor(1.0f), 2); }, "[topk]", "k = 2");
  expect_error([&] { sort(Tensor()); }, "[sort]", "empty Tensor handle");
}

}  // namespace
