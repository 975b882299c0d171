// Hand-computed expectations for the subtle semantics of the elementwise, reduction and shape
// procedures (promotion, weak scalars, unsigned min, exact prod, rounding, remainder signs, ...).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "slope/ops.h"

using namespace slope;

namespace {
template <class T>
std::vector<T> vec(const Tensor& t) { return t.to_vector<T>(); }
const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(ProcBasicPromotion, TensorTensor) {
  Tensor a = tensor({1, 2}, i32), b = tensor({1.f, 2.f}), c = tensor({true, false});
  EXPECT_EQ((a + b).dtype(), f32);
  EXPECT_EQ((a + tensor({int64_t(1), int64_t(2)})).dtype(), i64);
  EXPECT_EQ((c + c).dtype(), bool_);
  EXPECT_EQ((c + a).dtype(), i32);
  EXPECT_EQ((tensor({uint8_t(1)}) + tensor({int8_t(1)})).dtype(), i32);  // u8 + i8 -> i32? (torch: i16; we have no i16)
  EXPECT_EQ((tensor({1.f}, f16) + tensor({1.f}, bf16)).dtype(), f32);
  EXPECT_EQ(div(a, a).dtype(), f32);
  EXPECT_EQ(vec<float>(div(tensor({1, 3}), tensor({2, 2}))), (std::vector<float>{0.5f, 1.5f}));
}

TEST(ProcBasicPromotion, WeakScalars) {
  Tensor x = tensor({1.f, 2.f});
  EXPECT_EQ((x * 2.0).dtype(), f32);
  EXPECT_EQ((tensor({1.0, 2.0}, f64) * 2.0).dtype(), f64);
  Tensor xi = tensor({1, 2}, i32);
  EXPECT_EQ((xi * 2).dtype(), i32);
  Tensor y = xi * 1.5;
  EXPECT_EQ(y.dtype(), f32);
  EXPECT_EQ(vec<float>(y), (std::vector<float>{1.5f, 3.f}));
  EXPECT_EQ((tensor({true, false}) + 1).dtype(), i64);
  EXPECT_EQ((tensor({uint8_t(250)}) + 10).dtype(), u8);
  EXPECT_EQ(vec<int>(tensor({uint8_t(250)}) + 10), (std::vector<int>{4}));  // wraps like torch
  EXPECT_EQ(vec<float>(1.0 - x), (std::vector<float>{0.f, -1.f}));
  EXPECT_EQ(vec<float>(2.0 / x), (std::vector<float>{2.f, 1.f}));
  EXPECT_EQ((xi / 2).dtype(), f32);
  EXPECT_EQ(vec<bool>(xi < 1.5), (std::vector<bool>{true, false}));
}

TEST(ProcBasicPromotion, ZeroDimTensors) {
  // PyTorch: a 0-d tensor only matters when it lifts the category.
  EXPECT_EQ(add(tensor({1}, i32), Tensor(5)).dtype(), i32);
  EXPECT_EQ(mul(tensor({1.f}, f16), Tensor(0.5)).dtype(), f16);
  EXPECT_EQ(add(tensor({1}, i32), tensor(0.5, f64)).dtype(), f64);
  EXPECT_EQ(add(tensor({true}), tensor(3, i32)).dtype(), i32);
  EXPECT_EQ(add(tensor({uint8_t(1)}), Tensor(-3)).dtype(), u8);
  EXPECT_EQ(where(tensor({true}), tensor({1}, i32), Tensor(2.5)).dtype(), f32);
  EXPECT_EQ(maximum(tensor({1}, i32), Tensor(0)).dtype(), i32);
  EXPECT_EQ(add(Tensor(1), tensor(2, i32)).dtype(), i64);  // both 0-d: ordinary promotion
}

TEST(ProcBasicBroadcast, Shapes) {
  Tensor a = tensor({{1.f}, {2.f}});  // [2,1]
  Tensor b = tensor({10.f, 20.f, 30.f});  // [3]
  Tensor c = a + b;
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(vec<float>(c), (std::vector<float>{11, 21, 31, 12, 22, 32}));
  EXPECT_THROW(tensor({1.f, 2.f}) + tensor({1.f, 2.f, 3.f}), Error);
  Tensor w = where(tensor({true, false}), tensor({{1}, {2}}), tensor(0.5f));
  EXPECT_EQ(w.dtype(), f32);
  EXPECT_EQ(vec<float>(w), (std::vector<float>{1, 0.5f, 2, 0.5f}));
  EXPECT_THROW(where(tensor({1, 0}), tensor({1}), tensor({2})), Error);
}

TEST(ProcBasicElementwise, SubBoolThrows) {
  EXPECT_THROW(tensor({true}) - tensor({false}), Error);
  EXPECT_THROW(tensor({true}) - 1, Error);
  EXPECT_THROW(-tensor({true}), Error);
}

TEST(ProcBasicElementwise, MinimumMaximum) {
  Tensor a = tensor({uint8_t(0), uint8_t(200), uint8_t(5)}), b = tensor({uint8_t(255), uint8_t(100), uint8_t(5)});
  EXPECT_EQ(vec<int>(minimum(a, b)), (std::vector<int>{0, 100, 5}));
  EXPECT_EQ(vec<int>(maximum(a, b)), (std::vector<int>{255, 200, 5}));
  Tensor f = tensor({1.f, (float)kNaN, 3.f}), g = tensor({(float)kNaN, 2.f, 1.f});
  auto m = vec<float>(minimum(f, g));
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_EQ(m[2], 1.f);
  auto M = vec<float>(maximum(f, g));
  EXPECT_TRUE(std::isnan(M[0]) && std::isnan(M[1]));
  EXPECT_EQ(M[2], 3.f);
  Tensor imin = tensor({std::numeric_limits<int64_t>::min(), int64_t(0)});
  EXPECT_EQ(vec<int64_t>(minimum(imin, tensor({int64_t(0), int64_t(-1)}))),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1}));
}

TEST(ProcBasicElementwise, Comparisons) {
  Tensor a = tensor({1.f, (float)kNaN, 2.f}), b = tensor({1.f, 1.f, 1.f});
  EXPECT_EQ(vec<bool>(a <= b), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(vec<bool>(a >= b), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(vec<bool>(a != a), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(vec<bool>(a == 1.0), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(vec<bool>(logical_xor(tensor({1, 0, 2}), tensor({true, true, true}))), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(vec<bool>(~tensor({true, false})), (std::vector<bool>{false, true}));
  EXPECT_EQ(vec<int>(~tensor({0, 5, -1}, i32)), (std::vector<int>{-1, -6, 0}));
  EXPECT_EQ(vec<int>(~tensor({uint8_t(0), uint8_t(5)})), (std::vector<int>{255, 250}));
  EXPECT_THROW(tensor({1, 2}) & tensor({1, 2}), Error);
}

TEST(ProcBasicElementwise, FloorDivRemainder) {
  Tensor a = tensor({-7, 7, -7, 7, 6}), b = tensor({2, -2, -2, 2, 3});
  EXPECT_EQ(vec<int64_t>(floor_divide(a, b)), (std::vector<int64_t>{-4, -4, 3, 3, 2}));
  EXPECT_EQ(vec<int64_t>(remainder(a, b)), (std::vector<int64_t>{1, -1, -1, 1, 0}));
  Tensor fa = tensor({-7.f, 7.f, -7.f, 7.f}), fb = tensor({2.f, -2.f, -2.f, 2.f});
  EXPECT_EQ(vec<float>(remainder(fa, fb)), (std::vector<float>{1, -1, -1, 1}));
  EXPECT_EQ(vec<float>(floor_divide(fa, fb)), (std::vector<float>{-4, -4, 3, 3}));
  // PyTorch builds these on an exact fmod: 1 // 0.1 == 9 and 1 % 0.1 == 0.09999999999999995.
  EXPECT_EQ(floor_divide(tensor(1.0, f64), tensor(0.1, f64)).item<double>(), 9.0);
  EXPECT_EQ(remainder(tensor(1.0, f64), tensor(0.1, f64)).item<double>(), 0.09999999999999995);
  Tensor sa = tensor({-1., 1., -1., 1., kInf, -kInf, 5., 0., 3.}, f64);
  Tensor sb = tensor({kInf, kInf, -kInf, -kInf, 2., 2., 0., -2., kNaN}, f64);
  auto r = vec<double>(remainder(sa, sb));
  std::vector<double> er{kInf, 1, -1, -kInf, kNaN, kNaN, kNaN, 0, kNaN};
  auto q = vec<double>(floor_divide(sa, sb));
  std::vector<double> eq{-1, 0, 0, -1, kNaN, kNaN, kInf, -0.0, kNaN};
  for (size_t i = 0; i < er.size(); ++i) {
    EXPECT_TRUE(r[i] == er[i] || (std::isnan(r[i]) && std::isnan(er[i]))) << i << ": " << r[i];
    EXPECT_TRUE(q[i] == eq[i] || (std::isnan(q[i]) && std::isnan(eq[i]))) << i << ": " << q[i];
  }
  EXPECT_TRUE(std::signbit(q[7]));
  EXPECT_THROW(pow(tensor({true}), tensor({true})), Error);
}

TEST(ProcBasicElementwise, RoundingFamily) {
  Tensor x = tensor({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 0.49999997f, -2.7f, 3.2f});
  EXPECT_EQ(vec<float>(round(x)), (std::vector<float>{0, 2, 2, -0.f, -2, 0, -3, 3}));
  EXPECT_EQ(vec<float>(trunc(x)), (std::vector<float>{0, 1, 2, -0.f, -1, 0, -2, 3}));
  EXPECT_EQ(vec<float>(ceil(x)), (std::vector<float>{1, 2, 3, -0.f, -1, 1, -2, 4}));
  EXPECT_EQ(vec<float>(floor(x)), (std::vector<float>{0, 1, 2, -1, -2, 0, -3, 3}));
  EXPECT_EQ(round(tensor({3})).dtype(), i64);
  EXPECT_EQ(vec<int>(abs(tensor({-3, 4}, i32))), (std::vector<int>{3, 4}));
  EXPECT_EQ(vec<int>(sign(tensor({-3, 0, 4}, i32))), (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(vec<float>(sign(tensor({-3.f, 0.f, (float)kNaN}))), (std::vector<float>{-1, 0, 0}));
}

TEST(ProcBasicElementwise, UnaryMath) {
  EXPECT_EQ(exp(tensor({1, 2})).dtype(), f32);
  Tensor s = sigmoid(tensor({-100.f, 0.f, 100.f, -20.f}));
  auto v = vec<float>(s);
  EXPECT_GT(v[0], 0.f);
  EXPECT_NEAR(v[0], 3.7200760e-44f, 1e-45f);
  EXPECT_EQ(v[1], 0.5f);
  EXPECT_EQ(v[2], 1.f);
  EXPECT_NEAR(v[3] / 2.0611537e-09f, 1.f, 1e-5f);
  auto l = vec<double>(log1p(tensor({1e-10, 0.0, -1.0, kInf, 1.0}, f64)));
  EXPECT_NEAR(l[0] / (1e-10 - 0.5e-20), 1.0, 1e-15);
  EXPECT_EQ(l[1], 0.0);
  EXPECT_EQ(l[2], -kInf);
  EXPECT_EQ(l[3], kInf);
  EXPECT_NEAR(l[4], std::log(2.0), 1e-15);
  auto e = vec<double>(expm1(tensor({1e-10, 0.0, -1000.0, 1000.0, 1.0}, f64)));
  EXPECT_NEAR(e[0] / (1e-10 + 0.5e-20), 1.0, 1e-15);
  EXPECT_EQ(e[1], 0.0);
  EXPECT_EQ(e[2], -1.0);
  EXPECT_EQ(e[3], kInf);
  EXPECT_NEAR(e[4], std::expm1(1.0), 1e-15);
  auto c = vec<float>(cos(tensor({0.f, 1.5707964f, 3.1415927f, -1.f})));
  EXPECT_EQ(c[0], 1.f);
  EXPECT_NEAR(c[1], std::cos(1.5707964f), 1e-12);
  EXPECT_EQ(c[2], -1.f);
  EXPECT_FLOAT_EQ(c[3], std::cos(1.f));
  EXPECT_EQ(vec<float>(log2(tensor({8.f, 1024.f}))), (std::vector<float>{3.f, 10.f}));
  EXPECT_EQ(vec<float>(exp2(tensor({3.f, -1.f}))), (std::vector<float>{8.f, 0.5f}));
  EXPECT_EQ(vec<bool>(isfinite(tensor({1.f, (float)kInf, (float)kNaN}))), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(vec<bool>(isinf(tensor({1.f, -(float)kInf, (float)kNaN}))), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(vec<float>(clip(tensor({-2.f, 0.5f, 3.f}), Scalar(0.0), Scalar(1.0))), (std::vector<float>{0, 0.5f, 1}));
  EXPECT_EQ(vec<int64_t>(clip(tensor({-2, 5}), Scalar(0), std::nullopt)), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(clip(tensor({-2, 5}), Scalar(0.5), std::nullopt).dtype(), f32);
}

TEST(ProcBasicElementwise, CompoundAssign) {
  Tensor a = tensor({1.f, 2.f});
  a += tensor({1.f, 1.f});
  a *= tensor(2.f);
  EXPECT_EQ(vec<float>(a), (std::vector<float>{4.f, 6.f}));
  Tensor i = tensor({1, 2});
  EXPECT_THROW(i += tensor({0.5f, 0.5f}), Error);
  EXPECT_THROW(a += tensor({{1.f, 1.f}, {1.f, 1.f}}), Error);
}

TEST(ProcBasicReduce, SumMeanDtypes) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, i32);
  EXPECT_EQ(sum(x).dtype(), i64);
  EXPECT_EQ(sum(x).item<int64_t>(), 21);
  EXPECT_EQ(vec<int64_t>(sum(x, {1})), (std::vector<int64_t>{6, 15}));
  EXPECT_EQ(sum(x, {-1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(sum(tensor({true, true, false})).item<int64_t>(), 2);
  EXPECT_THROW(mean(x), Error);
  EXPECT_FLOAT_EQ(mean(tensor({1.f, 2.f, 4.f})).item<float>(), 7.f / 3);
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item<float>()));
  EXPECT_EQ(sum(zeros({2, 0}), {1}).shape(), (Shape{2}));
}

TEST(ProcBasicReduce, MinMaxUnsignedBool) {
  Tensor u = tensor({uint8_t(3), uint8_t(0), uint8_t(255)});
  EXPECT_EQ(min(u).item<int>(), 0);
  EXPECT_EQ(max(u).item<int>(), 255);
  EXPECT_EQ(min(tensor({true, false})).item<bool>(), false);
  EXPECT_EQ(max(tensor({true, false})).item<bool>(), true);
  Tensor big = tensor({std::numeric_limits<int64_t>::min(), int64_t(0)});
  EXPECT_EQ(min(big).item<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(std::isnan(min(tensor({1.f, (float)kNaN})).item<float>()));
  EXPECT_THROW(max(zeros({0})), Error);
}

TEST(ProcBasicReduce, ProdExact) {
  Tensor x = tensor({{2, -3, 0}, {-1, -2, -5}}, i32);
  EXPECT_EQ(prod(x).dtype(), i64);
  EXPECT_EQ(vec<int64_t>(prod(x, {1})), (std::vector<int64_t>{0, -10}));
  EXPECT_EQ(vec<int64_t>(prod(x, {0})), (std::vector<int64_t>{-2, 6, 0}));
  EXPECT_EQ(prod(tensor({-1.f, -2.f, -3.f, 0.5f, 7.f})).item<float>(), -21.f);
  EXPECT_EQ(prod(zeros({0})).item<float>(), 1.f);
  Tensor t = arange(1, 8);  // 7 elements: odd lengths along the tree
  EXPECT_EQ(prod(t).item<int64_t>(), 5040);
  EXPECT_EQ(prod(t.reshape({7, 1}), {0}, true).shape(), (Shape{1, 1}));
}

TEST(ProcBasicReduce, VarStdLogsumexp) {
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f});
  EXPECT_FLOAT_EQ(var(x).item<float>(), 5.f / 3);
  EXPECT_FLOAT_EQ(var(x, {}, 0).item<float>(), 1.25f);
  EXPECT_FLOAT_EQ(slope::std(x, {}, 0).item<float>(), std::sqrt(1.25f));
  EXPECT_TRUE(std::isinf(var(tensor({1.f}), {}, 1).item<float>()) || std::isnan(var(tensor({1.f}), {}, 1).item<float>()));
  Tensor l = tensor({{1000.f, 1000.f}, {-(float)kInf, -(float)kInf}});
  auto v = vec<float>(logsumexp(l, {1}));
  EXPECT_FLOAT_EQ(v[0], 1000.f + std::log(2.f));
  EXPECT_EQ(v[1], -(float)kInf);
  EXPECT_EQ(logsumexp(zeros({0})).item<float>(), -(float)kInf);
}

TEST(ProcBasicReduce, AnyAllArg) {
  Tensor x = tensor({{0, 2}, {0, 0}});
  EXPECT_EQ(vec<bool>(any(x, {1})), (std::vector<bool>{true, false}));
  EXPECT_EQ(vec<bool>(all(tensor({{1, 2}, {0, 3}}), {1})), (std::vector<bool>{true, false}));
  EXPECT_EQ(all(zeros({0})).item<bool>(), true);
  EXPECT_EQ(any(zeros({0})).item<bool>(), false);
  Tensor a = tensor({{1.f, 5.f, 5.f}, {7.f, 7.f, 2.f}});
  EXPECT_EQ(argmax(a).item<int64_t>(), 3);
  EXPECT_EQ(argmax(a).dtype(), i64);
  EXPECT_EQ(vec<int64_t>(argmax(a, 1)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(vec<int64_t>(argmin(a, 0)), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(argmax(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(argmax(tensor({1.f, (float)kNaN, (float)kNaN})).item<int64_t>(), 1);
  EXPECT_EQ(argmin(tensor({uint8_t(3), uint8_t(0), uint8_t(0)})).item<int64_t>(), 1);
}

TEST(ProcBasicReduce, Cumsum) {
  Tensor x = tensor({{1, 2, 3, 4, 5}, {1, 1, 1, 1, 1}}, i32);
  Tensor c = cumsum(x, 1);
  EXPECT_EQ(c.dtype(), i64);
  EXPECT_EQ(vec<int64_t>(c), (std::vector<int64_t>{1, 3, 6, 10, 15, 1, 2, 3, 4, 5}));
  EXPECT_EQ(vec<int64_t>(cumsum(x, 0)), (std::vector<int64_t>{1, 2, 3, 4, 5, 2, 3, 4, 5, 6}));
  EXPECT_EQ(vec<float>(cumsum(tensor({0.5f, 0.25f, 0.25f}), -1)), (std::vector<float>{0.5f, 0.75f, 1.f}));
  EXPECT_EQ(cumsum(zeros({0}), 0).shape(), (Shape{0}));
}

TEST(ProcBasicShape, ReshapeSqueeze) {
  Tensor x = arange(6);
  EXPECT_EQ(reshape(x, {2, -1}).shape(), (Shape{2, 3}));
  EXPECT_THROW(reshape(x, {-1, -1}), Error);
  EXPECT_THROW(reshape(x, {4, -1}), Error);
  EXPECT_THROW(reshape(x, {7}), Error);
  Tensor y = zeros({1, 3, 1});
  EXPECT_EQ(squeeze(y).shape(), (Shape{3}));
  EXPECT_EQ(squeeze(y, {1}).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(squeeze(y, {-1}).shape(), (Shape{1, 3}));
  EXPECT_EQ(unsqueeze(y, -1).shape(), (Shape{1, 3, 1, 1}));
  EXPECT_EQ(unsqueeze(y, 3).shape(), (Shape{1, 3, 1, 1}));
  EXPECT_THROW(unsqueeze(y, 4), Error);
  EXPECT_EQ(flatten(zeros({2, 3, 4}), 1).shape(), (Shape{2, 12}));
  EXPECT_EQ(expand(tensor({1, 2}), {3, -1}).shape(), (Shape{3, 2}));
  EXPECT_EQ(permute(zeros({2, 3, 4}), {-1, 0, 1}).shape(), (Shape{4, 2, 3}));
  EXPECT_THROW(permute(zeros({2, 3}), {0, 0}), Error);
}

TEST(ProcBasicShape, SplitChunkCat) {
  Tensor x = arange(5);
  auto c = chunk(x, 3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(vec<int64_t>(c[2]), (std::vector<int64_t>{4}));
  auto c2 = chunk(arange(6), 4);  // ceil(6/4) = 2 -> 3 pieces, like torch
  EXPECT_EQ(c2.size(), 3u);
  auto s = split(x, std::vector<int64_t>{1, 4});
  EXPECT_EQ(vec<int64_t>(s[1]), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_THROW(split(x, std::vector<int64_t>{1, 2}), Error);
  Tensor k = cat({tensor({1}, i32), tensor({2.5f})});
  EXPECT_EQ(k.dtype(), f32);
  EXPECT_EQ(vec<float>(k), (std::vector<float>{1, 2.5f}));
  EXPECT_EQ(stack({tensor({1, 2}), tensor({3, 4})}, 1).shape(), (Shape{2, 2}));
  EXPECT_EQ(vec<int64_t>(stack({tensor({1, 2}), tensor({3, 4})}, 1)), (std::vector<int64_t>{1, 3, 2, 4}));
}

TEST(ProcBasicShape, RepeatTilePadRoll) {
  Tensor x = tensor({1, 2});
  EXPECT_EQ(vec<int64_t>(repeat(x, {2, 2})), (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(repeat(x, {2, 2}).shape(), (Shape{2, 4}));
  EXPECT_EQ(tile(tensor({{1, 2}}), {2}).shape(), (Shape{1, 4}));
  EXPECT_EQ(vec<int64_t>(pad(tensor({1, 2, 3}), {{1, -1}}, 9)), (std::vector<int64_t>{9, 1, 2}));
  EXPECT_EQ(vec<int64_t>(pad(tensor({1, 2, 3}), {{-2, 1}})), (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(vec<int64_t>(roll(arange(5), {2}, {0})), (std::vector<int64_t>{3, 4, 0, 1, 2}));
  EXPECT_EQ(vec<int64_t>(roll(arange(5), {-1}, {})), (std::vector<int64_t>{1, 2, 3, 4, 0}));
  EXPECT_EQ(vec<int64_t>(flip(arange(3), {-1})), (std::vector<int64_t>{2, 1, 0}));
}

TEST(ProcBasicShape, SliceNegativeStep) {
  Tensor x = arange(6);
  EXPECT_EQ(vec<int64_t>(slice(x, 0, 5, 0, -2)), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(vec<int64_t>(slice(x, 0, -1, -100, -1)), (std::vector<int64_t>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(vec<int64_t>(slice(x, 0, 100, 2, -3)), (std::vector<int64_t>{5}));
  EXPECT_EQ(vec<int64_t>(slice(x, 0, 1, 100, 2)), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(vec<int64_t>(slice(x, 0, -2, 100)), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(slice(x, 0, 4, 2).numel(), 0);
  EXPECT_EQ(slice(x, 0, 2, 4, -1).numel(), 0);
  EXPECT_THROW(slice(x, 0, 0, 1, 0), Error);
}

TEST(ProcBasicShape, TrilTriu) {
  Tensor x = ones({3, 4}, i32);
  EXPECT_EQ(vec<int>(tril(x)), (std::vector<int>{1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0}));
  EXPECT_EQ(vec<int>(triu(x, 1)), (std::vector<int>{0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1}));
  EXPECT_EQ(vec<int>(tril(x, -1)), (std::vector<int>{0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}));
  Tensor b = ones({2, 2, 2});
  EXPECT_EQ(vec<float>(triu(b)), (std::vector<float>{1, 1, 0, 1, 1, 1, 0, 1}));
  EXPECT_THROW(tril(ones({3})), Error);
}
