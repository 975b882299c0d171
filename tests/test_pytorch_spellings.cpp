// The spellings a PyTorch user types first. Values are checked against PyTorch by the golden
// cases (tests/torch/golden/spellings.py); this file checks what golden files cannot express:
// that each spelling compiles with the literal types users write (int, int64_t, size_t) and picks
// the intended overload, and the behaviour around it (global generator, pytrees, item()).
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <slope/slope.h>

namespace {

using slope::Tensor;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(PyTorchSpellings, DTypeNames) {
  EXPECT_EQ(slope::float32, slope::f32);
  EXPECT_EQ(slope::float64, slope::f64);
  EXPECT_EQ(slope::float16, slope::f16);
  EXPECT_EQ(slope::bfloat16_, slope::bf16);  // slope::bfloat16 is the C++ element type
  EXPECT_EQ(slope::int64, slope::i64);
  EXPECT_EQ(slope::int32, slope::i32);
  EXPECT_EQ(slope::int8, slope::i8);
  EXPECT_EQ(slope::uint8, slope::u8);
  EXPECT_EQ(slope::uint32, slope::u32);
  EXPECT_EQ(slope::zeros({2}, slope::float64).dtype(), slope::f64);
}

TEST(PyTorchSpellings, WhereTakesTheValuesFromThisTensor) {
  Tensor x = slope::tensor({-1.f, 2.f, -3.f, 4.f});
  EXPECT_EQ(values(x.where(x > 0, 0)), (std::vector<double>{0, 2, 0, 4}));  // PyTorch's relu idiom
  EXPECT_EQ(x.where(x > 0, 0).dtype(), slope::f32);
  Tensor other = slope::tensor({10.f, 20.f, 30.f, 40.f});
  EXPECT_EQ(values(x.where(x < 0, other)), (std::vector<double>{-1, 20, -3, 40}));
  EXPECT_EQ(values(x.where(x < 0, other)), values(slope::where(x < 0, x, other)));
  EXPECT_THROW(x.where(x, 0), slope::Error);  // a float condition
}

TEST(PyTorchSpellings, SizesAsSeparateIntegers) {
  const size_t rows = 2;
  const int64_t cols = 5;
  Tensor a = slope::ones(2, 5);
  EXPECT_EQ(a.shape(), slope::Shape({2, 5}));
  EXPECT_EQ(a.dtype(), slope::f32);
  EXPECT_EQ(slope::zeros(rows, cols).shape(), slope::Shape({2, 5}));
  EXPECT_EQ(slope::zeros(3).shape(), slope::Shape({3}));
  EXPECT_EQ(slope::ones({2, 5}, slope::i8).dtype(), slope::i8);  // the Shape overloads stay

  Tensor x = slope::arange(10);
  EXPECT_EQ(x.reshape(5, 2).shape(), slope::Shape({5, 2}));
  EXPECT_EQ(x.reshape(rows, -1).shape(), slope::Shape({2, 5}));
  EXPECT_EQ(x.view(cols, 2).shape(), slope::Shape({5, 2}));
  EXPECT_EQ(x.view(-1).shape(), slope::Shape({10}));
  EXPECT_EQ(x.reshape({5, 2}).shape(), slope::Shape({5, 2}));
  Tensor m = x.reshape(2, 5);
  EXPECT_EQ(values(m.permute(1, 0)), values(m.T()));
  EXPECT_EQ(m.reshape(2, 1, 5).expand(2, 3, -1).shape(), slope::Shape({2, 3, 5}));
  EXPECT_EQ(m.repeat(2, 1).shape(), slope::Shape({4, 5}));
  EXPECT_EQ(m.reshape(1, 2, 5).squeeze(0).shape(), slope::Shape({2, 5}));
}

TEST(PyTorchSpellings, SizeAndItem) {
  Tensor x = slope::zeros(2, 3, 4);
  EXPECT_EQ(x.size(), slope::Shape({2, 3, 4}));
  EXPECT_EQ(x.size(0), 2);
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(x.size(size_t{1}), 3);
  EXPECT_THROW(x.size(3), slope::Error);

  double f = slope::tensor(2.5f).item();
  EXPECT_EQ(f, 2.5);
  EXPECT_EQ(slope::tensor(int64_t{1} << 40).item(), 1099511627776.0);
  EXPECT_EQ(slope::tensor(true).item(), 1.0);
  EXPECT_EQ(slope::tensor({7}, slope::u8).sum().item(), 7.0);
  std::ostringstream os;
  os << slope::tensor(3).item() << " " << slope::tensor(0.25f).item();
  EXPECT_EQ(os.str(), "3 0.25");
  EXPECT_EQ(slope::tensor(7).item<int64_t>(), 7);  // the typed form stays
  EXPECT_THROW(slope::zeros(2).item(), slope::Error);
}

TEST(PyTorchSpellings, CloneIsTheSameValue) {
  Tensor x = slope::arange(6).reshape(2, 3);
  Tensor y = x.clone();
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.dtype(), x.dtype());
  EXPECT_EQ(values(y), values(x));
  EXPECT_EQ(slope::grad([](Tensor v) { return (v.clone() * v).sum(); })(slope::tensor({3.f}))
                .item<float>(),
            6.f);
}

// `x.sum({}, true)` used to pick the sum(int64_t) overload (`{}` is the integer 0) and reduce dim 0.
TEST(PyTorchSpellings, BracedEmptyAxesMeansEveryAxis) {
  Tensor x = slope::arange(6).reshape(2, 3);
  EXPECT_EQ(x.sum({}, true).shape(), slope::Shape({1, 1}));
  EXPECT_EQ(x.sum({}, true).item<int64_t>(), 15);
  EXPECT_EQ(x.max({}, true).item<int64_t>(), 5);
  EXPECT_EQ(slope::max(x, {}, true).shape(), slope::Shape({1, 1}));
  EXPECT_EQ(x.sum(1).shape(), slope::Shape({2}));
  EXPECT_EQ(x.sum({1}).shape(), slope::Shape({2}));
}

TEST(PyTorchSpellings, MaxWithIndices) {
  Tensor x = slope::tensor({{1.f, 5.f, 5.f}, {7.f, 0.f, -1.f}});
  auto [v, i] = x.max(1);
  EXPECT_EQ(values(v), (std::vector<double>{5, 7}));
  EXPECT_EQ(i.dtype(), slope::i64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));  // the first of ties
  auto [mv, mi] = slope::min(x, 0, true);
  EXPECT_EQ(mv.shape(), slope::Shape({1, 3}));
  EXPECT_EQ(mi.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
  // Existing code that wants only the values keeps reading it as a tensor.
  Tensor only = x.max(1);
  EXPECT_EQ(values(only), (std::vector<double>{5, 7}));
  EXPECT_EQ(x.max(1, true).reshape({-1}).shape(), slope::Shape({2}));
  EXPECT_EQ(values(x.max(1) + 1), (std::vector<double>{6, 8}));
  EXPECT_EQ(x.max(1).indices().to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  // Through transformations it is the pytree (values, indices).
  auto f = [](Tensor t) { return t.max(0); };
  auto [jv, ji] = slope::jit(f)(x);
  EXPECT_EQ(values(jv), (std::vector<double>{7, 5, 5}));
  EXPECT_EQ(ji.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
  auto [bv, bi] = slope::vmap(f)(x);
  EXPECT_EQ(values(bv), (std::vector<double>{5, 7}));
  EXPECT_EQ(bi.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  auto paths = slope::tree_paths(x.max(1));
  EXPECT_EQ(paths, (std::vector<std::string>{"values", "indices"}));
}

TEST(PyTorchSpellings, RandomWithSeparateSizes) {
  slope::manual_seed(3);
  Tensor a = slope::randn(50, 2);
  slope::manual_seed(3);
  Tensor b = slope::randn({50, 2});
  EXPECT_EQ(a.shape(), slope::Shape({50, 2}));
  EXPECT_EQ(values(a), values(b)) << "randn(50, 2) draws from the global generator like randn({50, 2})";
  EXPECT_EQ(slope::rand(4).shape(), slope::Shape({4}));
  Tensor key = slope::random::key(11);
  EXPECT_EQ(values(slope::randn(key, 50, 2)), values(slope::random::normal(key, {50, 2})));
  EXPECT_EQ(values(slope::rand(key, size_t{3})), values(slope::random::uniform(key, {3})));
  EXPECT_EQ(values(slope::randn(key, {4}, slope::f64)), values(slope::random::normal(key, {4}, slope::f64)));
  // With a key they work inside jit, where the global generator refuses.
  auto draw = slope::jit([](Tensor k) { return slope::randn(k, 3, 2); });
  EXPECT_EQ(values(draw(key)), values(slope::random::normal(key, {3, 2})));
  EXPECT_THROW(slope::jit([](Tensor k) { return slope::randn(3, 2) + k.sum(); })(key), slope::Error);
}

TEST(PyTorchSpellings, AllcloseIsEagerOnly) {
  Tensor a = slope::tensor({1.f, 2.f});
  EXPECT_TRUE(slope::allclose(a, a + 1e-7));
  EXPECT_FALSE(slope::allclose(a, a + 1e-3));
  try {
    slope::jit([](Tensor t) { return slope::tensor(slope::allclose(t, t)); })(a);
    FAIL() << "allclose of traced values returned";
  } catch (const slope::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[allclose]", 0), 0u) << e.what();
  }
}

}  // namespace
