// random::categorical (Gumbel-max over threefry bits, like jax.random.categorical): its draws have
// the frequencies softmax(logits) within a binomial bound, never pick a -inf logit, repeat for a
// key and differ between keys, on both backends, eager, jitted and vmapped over keys.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "slope/slope.h"

namespace {

using namespace slope;
namespace R = slope::random;

std::vector<std::string> backends() {
  std::vector<std::string> out;
  for (auto& n : backend_names())
    if (n == "reference" || n == "cpu") out.push_back(n);
  return out;
}

// Each category's count among `draws` is within 5 binomial standard deviations of n * p.
void expect_frequencies(const std::vector<int64_t>& draws, const std::vector<double>& logits, const std::string& what) {
  double mx = -std::numeric_limits<double>::infinity(), z = 0;
  for (double l : logits) mx = std::max(mx, l);
  for (double l : logits) z += std::exp(l - mx);
  std::vector<double> count(logits.size(), 0);
  for (int64_t d : draws) {
    ASSERT_TRUE(d >= 0 && d < static_cast<int64_t>(logits.size())) << what << ": drew " << d;
    count[static_cast<size_t>(d)] += 1;
  }
  const double n = static_cast<double>(draws.size());
  for (size_t k = 0; k < logits.size(); ++k) {
    const double p = std::exp(logits[k] - mx) / z;
    if (p == 0) {
      EXPECT_EQ(count[k], 0) << what << ": category " << k << " has logit -inf but was drawn";
      continue;
    }
    EXPECT_NEAR(count[k], n * p, 5 * std::sqrt(n * p * (1 - p)) + 1) << what << ": category " << k;
  }
}

const double kNegInf = -std::numeric_limits<double>::infinity();

TEST(Categorical, FrequenciesMatchSoftmax) {
  const std::vector<double> logits = {0.5, -1.0, kNegInf, 2.0, 0.0, -3.0};
  const int64_t n = 20000;
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    for (DType d : {f32, f64, f16}) {
      Tensor l = tensor(logits, {6}, d);
      Tensor draws = R::categorical(R::key(17), l, -1, Shape{n});
      ASSERT_EQ(draws.aval(), (AVal{{n}, i64}));
      expect_frequencies(draws.to_vector<int64_t>(), logits, b + " " + name(d));
    }
  }
}

// Rows of a batch draw from their own distributions; `axis` picks the categories.
TEST(Categorical, BatchesAndAxes) {
  const std::vector<double> row0 = {3.0, 0.0, 0.0}, row1 = {kNegInf, 1.0, 1.0};
  Tensor l = tensor(std::vector<double>{row0[0], row0[1], row0[2], row1[0], row1[1], row1[2]}, {2, 3}, f32);
  const int64_t n = 8000;
  Tensor draws = R::categorical(R::key(3), l, 1, Shape{n, 2});
  ASSERT_EQ(draws.shape(), (Shape{n, 2}));
  std::vector<int64_t> all = draws.to_vector<int64_t>(), a, b;
  for (int64_t i = 0; i < n; ++i) {
    a.push_back(all[static_cast<size_t>(2 * i)]);
    b.push_back(all[static_cast<size_t>(2 * i + 1)]);
  }
  expect_frequencies(a, row0, "row 0");
  expect_frequencies(b, row1, "row 1");
  // categories along axis 0 of the transpose: the same distributions
  Tensor t = R::categorical(R::key(4), l.T(), 0, Shape{n, 2});
  std::vector<int64_t> tv = t.to_vector<int64_t>(), tb;
  for (int64_t i = 0; i < n; ++i) tb.push_back(tv[static_cast<size_t>(2 * i + 1)]);
  expect_frequencies(tb, row1, "row 1 along axis 0");
  // without a shape: one draw per row
  EXPECT_EQ(R::categorical(R::key(5), l).shape(), (Shape{2}));
  // size-1 batch dims of the logits broadcast to the shape
  EXPECT_EQ(R::categorical(R::key(5), tensor({0.f, 1.f}).reshape({1, 2}), -1, Shape{4, 3}).shape(), (Shape{4, 3}));
}

TEST(Categorical, DeterministicPerKey) {
  Tensor l = tensor({0.f, 0.f, 0.f, 0.f});
  Tensor a = R::categorical(R::key(1), l, -1, Shape{64}), b = R::categorical(R::key(1), l, -1, Shape{64});
  Tensor c = R::categorical(R::key(2), l, -1, Shape{64});
  EXPECT_EQ(a.to_vector<int64_t>(), b.to_vector<int64_t>());
  EXPECT_NE(a.to_vector<int64_t>(), c.to_vector<int64_t>());
  for (const std::string& be : backends()) {  // every backend draws the same numbers
    BackendScope scope(be);
    EXPECT_EQ(R::categorical(R::key(1), l, -1, Shape{64}).to_vector<int64_t>(), a.to_vector<int64_t>()) << be;
  }
}

TEST(Categorical, UnderJitAndVmap) {
  Tensor l = tensor({1.f, -1.f, static_cast<float>(kNegInf), 0.5f});
  auto draw = [](const Tensor& key, const Tensor& logits) { return R::categorical(key, logits, -1, Shape{500}); };
  Tensor keys = R::split(R::key(9), 4);  // [4, 2]
  std::vector<int64_t> loop;
  for (int64_t i = 0; i < 4; ++i) {
    auto row = draw(keys[i], l).to_vector<int64_t>();
    loop.insert(loop.end(), row.begin(), row.end());
  }
  for (const std::string& b : backends()) {
    BackendScope scope(b);
    SCOPED_TRACE(b);
    EXPECT_EQ(jit(draw)(R::key(9), l).to_vector<int64_t>(), draw(R::key(9), l).to_vector<int64_t>());
    Tensor vm = vmap(draw, {0, std::nullopt})(keys, l);
    ASSERT_EQ(vm.shape(), (Shape{4, 500}));
    EXPECT_EQ(vm.to_vector<int64_t>(), loop);
    for (int64_t v : vm.to_vector<int64_t>()) ASSERT_NE(v, 2) << "a -inf logit was drawn";
  }
}

TEST(Categorical, Errors) {
  auto expect_error = [](const std::function<void()>& f, const std::string& has) {
    try {
      f();
      ADD_FAILURE() << "no error: " << has;
    } catch (const Error& e) {
      std::string w = e.what();
      EXPECT_EQ(w.rfind("[categorical]", 0), 0u) << w;
      EXPECT_NE(w.find(has), std::string::npos) << w;
    }
  };
  Tensor l = zeros({2, 3});
  expect_error([&] { R::categorical(R::key(1), l, 2); }, "out of range");
  expect_error([&] { R::categorical(R::key(1), l.cast(i32)); }, "floating");
  expect_error([&] { R::categorical(R::key(1), l, -1, Shape{3}); }, "must end with");
  expect_error([&] { R::categorical(R::key(1), l, -1, Shape{4, 3}); }, "must end with");
  expect_error([&] { R::categorical(R::key(1), zeros({2, 0})); }, "at least one category");
  expect_error([&] { R::categorical(tensor({1.f, 2.f}), l); }, "key");
  expect_error([&] { R::categorical(R::key(1), tensor(1.f)); }, "axis of categories");
}

}  // namespace
