// The reference backend against hand-computed answers: the cases where an index formula is easy
// to get subtly wrong (interior padding, strided slices, conv with groups/stride/dilation/padding,
// gather/scatter_add with repeated indices), dtype edge cases (wrapping, saturating casts, NaN),
// known-answer tests for threefry, and zero-size tensors for every primitive.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "slope/backend.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace {

using namespace slope;

class ReferenceBackend : public ::testing::Test {
 protected:
  BackendScope scope_{"reference"};
};

template <class T>
std::vector<T> vals(const Tensor& t) {
  return t.to_vector<T>();
}

template <class T>
Tensor make(std::vector<T> v, Shape s, DType d) {
  return tensor(v, s, d);
}

// ---------------------------------------------------------------- unary
TEST_F(ReferenceBackend, UnaryIntegerNegWraps) {
  Tensor x = make<int64_t>({std::numeric_limits<int32_t>::min(), 5, -7}, {3}, i32);
  EXPECT_EQ(vals<int64_t>(prims::neg(x)), (std::vector<int64_t>{std::numeric_limits<int32_t>::min(), -5, 7}));
}

TEST_F(ReferenceBackend, UnaryFloatFunctions) {
  Tensor x = make<double>({0.0, 1.0, 4.0}, {3}, f64);
  EXPECT_EQ(vals<double>(prims::exp(x)), (std::vector<double>{1.0, std::exp(1.0), std::exp(4.0)}));
  EXPECT_EQ(vals<double>(prims::sqrt(x)), (std::vector<double>{0.0, 1.0, 2.0}));
  EXPECT_EQ(vals<double>(prims::tanh(x))[1], std::tanh(1.0));
  EXPECT_EQ(vals<double>(prims::erf(x))[1], std::erf(1.0));
  EXPECT_EQ(vals<double>(prims::sin(x))[1], std::sin(1.0));
  EXPECT_EQ(vals<double>(prims::log(x))[2], std::log(4.0));
  // f16 computes in float and rounds once.
  Tensor h = make<float>({2.f, 4.f}, {2}, f16);
  std::vector<float> r = vals<float>(prims::sqrt(h));
  EXPECT_EQ(r[0], static_cast<float>(half(std::sqrt(2.f))));
  EXPECT_EQ(r[1], 2.f);
}

TEST_F(ReferenceBackend, UnaryFloorLogicalNotStopGradient) {
  EXPECT_EQ(vals<float>(prims::floor(make<float>({-1.5f, 2.5f, 3.f}, {3}, f32))), (std::vector<float>{-2.f, 2.f, 3.f}));
  EXPECT_EQ(vals<int64_t>(prims::floor(make<int64_t>({-3, 4}, {2}, i8))), (std::vector<int64_t>{-3, 4}));
  EXPECT_EQ(vals<bool>(prims::logical_not(make<bool>({true, false}, {2}, bool_))), (std::vector<bool>{false, true}));
  Tensor b = make<float>({1.f, 2.f}, {2}, bf16);
  EXPECT_EQ(vals<float>(prims::stop_gradient(b)), (std::vector<float>{1.f, 2.f}));
}

TEST_F(ReferenceBackend, CastSaturatesAndHandlesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = make<float>({1e10f, -1e10f, nan, 2.7f, -2.7f}, {5}, f32);
  EXPECT_EQ(vals<int64_t>(prims::cast(x, i32)),
            (std::vector<int64_t>{std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 0, 2, -2}));
  EXPECT_EQ(vals<int64_t>(prims::cast(x, u8)), (std::vector<int64_t>{255, 0, 0, 2, 0}));
  // Anything -> bool is "!= 0", so NaN is true and -0.0 is false.
  Tensor z = make<float>({0.f, -0.f, 0.5f, nan}, {4}, f32);
  EXPECT_EQ(vals<bool>(prims::cast(z, bool_)), (std::vector<bool>{false, false, true, true}));
  // Integer narrowing wraps (two's complement).
  EXPECT_EQ(vals<int64_t>(prims::cast(make<int64_t>({300, -129}, {2}, i64), i8)), (std::vector<int64_t>{44, 127}));
  // bool -> float, float -> f16 -> float round trip.
  EXPECT_EQ(vals<double>(prims::cast(make<bool>({true, false}, {2}, bool_), f64)), (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(vals<float>(prims::cast(make<float>({0.1f}, {1}, f32), f16))[0], static_cast<float>(half(0.1f)));
}

// ---------------------------------------------------------------- binary and where
TEST_F(ReferenceBackend, BinaryArithmetic) {
  Tensor a = make<int64_t>({250, 7, -7, 2}, {4}, i32);
  Tensor b = make<int64_t>({10, 2, 2, 10}, {4}, i32);
  EXPECT_EQ(vals<int64_t>(prims::add(a, b)), (std::vector<int64_t>{260, 9, -5, 12}));
  EXPECT_EQ(vals<int64_t>(prims::sub(a, b)), (std::vector<int64_t>{240, 5, -9, -8}));
  EXPECT_EQ(vals<int64_t>(prims::mul(a, b)), (std::vector<int64_t>{2500, 14, -14, 20}));
  EXPECT_EQ(vals<int64_t>(prims::div(a, b)), (std::vector<int64_t>{25, 3, -3, 0}));  // truncates toward 0
  EXPECT_EQ(vals<int64_t>(prims::pow(a, b))[3], 1024);
  EXPECT_EQ(vals<int64_t>(prims::maximum(a, b)), (std::vector<int64_t>{250, 7, 2, 10}));
  // u8 wraps.
  EXPECT_EQ(vals<int64_t>(prims::add(make<int64_t>({250}, {1}, u8), make<int64_t>({10}, {1}, u8))),
            (std::vector<int64_t>{4}));
  // bool add is or, mul is and.
  Tensor t = make<bool>({true, true, false, false}, {4}, bool_);
  Tensor f = make<bool>({true, false, true, false}, {4}, bool_);
  EXPECT_EQ(vals<bool>(prims::add(t, f)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(vals<bool>(prims::mul(t, f)), (std::vector<bool>{true, false, false, false}));
}

TEST_F(ReferenceBackend, MaximumPropagatesNaNAndComparisons) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = make<float>({nan, 1.f, 3.f}, {3}, f32);
  Tensor b = make<float>({0.f, nan, 2.f}, {3}, f32);
  std::vector<float> m = vals<float>(prims::maximum(a, b));
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_TRUE(std::isnan(m[1]));
  EXPECT_EQ(m[2], 3.f);
  EXPECT_EQ(vals<bool>(prims::equal(a, a)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(vals<bool>(prims::less(a, b)), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(vals<bool>(prims::greater(a, b)), (std::vector<bool>{false, false, true}));
  Tensor c = make<bool>({true, false, true}, {3}, bool_);
  std::vector<float> w = vals<float>(prims::where(c, b, a));
  EXPECT_EQ(w[0], 0.f);
  EXPECT_EQ(w[1], 1.f);
  EXPECT_EQ(w[2], 2.f);
}

// ---------------------------------------------------------------- reductions
TEST_F(ReferenceBackend, SumOverSeveralAxes) {
  // x[i, j, k] = 6i + 2j + k, shape [2, 3, 2]; summing axes {0, 2} leaves j.
  Tensor x = prims::reshape(prims::arange(12, Scalar(0), Scalar(1), f32), {2, 3, 2});
  // out[j] = sum_{i,k} 6i + 2j + k = 4*2j + (0+0+6+6) + (0+1+0+1) = 8j + 14
  EXPECT_EQ(vals<float>(prims::sum(x, {0, 2})), (std::vector<float>{14.f, 22.f, 30.f}));
  EXPECT_EQ(vals<float>(prims::sum(x, {1})), (std::vector<float>{6.f, 9.f, 24.f, 27.f}));
  EXPECT_EQ(vals<float>(prims::sum(x, {0, 1, 2})), (std::vector<float>{66.f}));
  EXPECT_EQ(vals<float>(prims::sum(x, {})), vals<float>(x));  // no axes: a copy
  EXPECT_EQ(vals<float>(prims::max(x, {0, 2})), (std::vector<float>{7.f, 9.f, 11.f}));
  EXPECT_EQ(vals<float>(prims::max(x, {2})), (std::vector<float>{1.f, 3.f, 5.f, 7.f, 9.f, 11.f}));
}

TEST_F(ReferenceBackend, SumAccumulatesHalfInDouble) {
  // Adding 1 to 2048 in f16 rounds back to 2048; the reference accumulates in double, so the
  // exact 3000 (representable in f16) comes out.
  Tensor x = prims::full({3000}, Scalar(1.0), f16);
  EXPECT_EQ(vals<float>(prims::sum(x, {0}))[0], 3000.f);
}

TEST_F(ReferenceBackend, IntegerAndBoolSumsAreInt64) {
  Tensor b = make<bool>({true, false, true, true}, {2, 2}, bool_);
  EXPECT_EQ(prims::sum(b, {1}).dtype(), i64);
  EXPECT_EQ(vals<int64_t>(prims::sum(b, {1})), (std::vector<int64_t>{1, 2}));  // counts, not "or"
  Tensor i = make<int64_t>({100, 100, 100}, {3}, i8);
  EXPECT_EQ(vals<int64_t>(prims::sum(i, {0})), (std::vector<int64_t>{300}));  // no i8 wrap-around
  Tensor u = make<int64_t>({255, 255}, {2}, u8);
  EXPECT_EQ(vals<int64_t>(prims::sum(u, {0})), (std::vector<int64_t>{510}));
  Tensor w = make<int64_t>({INT64_MAX, 1}, {2}, i64);
  EXPECT_EQ(vals<int64_t>(prims::sum(w, {0})), (std::vector<int64_t>{INT64_MIN}));  // int64 wraps
}

TEST_F(ReferenceBackend, ArgmaxFirstMaximumNaNWins) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // [[1, 3, 3], [nan, 2, nan]]: row maxima at 1 (first of the tie) and 0 (the first NaN).
  Tensor x = make<double>({1.0, 3.0, 3.0, nan, 2.0, nan}, {2, 3}, f32);
  EXPECT_EQ(prims::argmax(x, 1).dtype(), i64);
  EXPECT_EQ(vals<int64_t>(prims::argmax(x, 1)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(vals<int64_t>(prims::argmax(x, 0)), (std::vector<int64_t>{1, 0, 1}));
  Tensor u = make<int64_t>({7, 9, 9, 0, 2, 9}, {3, 2}, u8);
  EXPECT_EQ(vals<int64_t>(prims::argmax(u, 0)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(vals<int64_t>(prims::argmax(u, 1)), (std::vector<int64_t>{1, 0, 1}));
  Tensor b = make<bool>({false, false, true, true}, {4}, bool_);
  EXPECT_EQ(vals<int64_t>(prims::argmax(b, 0)), (std::vector<int64_t>{2}));
  EXPECT_EQ(prims::argmax(prims::full({0, 3}, Scalar(1.0), f32), 1).shape(), (Shape{0}));
  EXPECT_THROW(prims::argmax(prims::full({2, 0}, Scalar(1.0), f32), 1), Error);  // the max of nothing
}

TEST_F(ReferenceBackend, MaxPropagatesNaNAndRejectsEmptyAxis) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = make<double>({1.0, nan, 3.0, 2.0}, {2, 2}, f64);
  std::vector<double> m = vals<double>(prims::max(x, {1}));
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_EQ(m[1], 3.0);
  EXPECT_THROW(prims::max(prims::full({2, 0}, Scalar(0.0), f32), {1}), Error);
  // sum over an empty axis is 0
  EXPECT_EQ(vals<float>(prims::sum(prims::full({2, 0}, Scalar(1.0), f32), {1})), (std::vector<float>{0.f, 0.f}));
}

// ---------------------------------------------------------------- shape
TEST_F(ReferenceBackend, ExpandPermuteFlip) {
  Tensor x = make<int64_t>({1, 2, 3}, {3, 1}, i64);
  EXPECT_EQ(vals<int64_t>(prims::expand(x, {3, 2})), (std::vector<int64_t>{1, 1, 2, 2, 3, 3}));
  // y[i, j, k] = 12i + 4j + k, shape [2, 3, 4]; permute (2, 0, 1): out[k, i, j] = y[i, j, k].
  Tensor y = prims::reshape(prims::arange(24, Scalar(0), Scalar(1), i32), {2, 3, 4});
  Tensor p = prims::permute(y, {2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  std::vector<int64_t> pv = vals<int64_t>(p);
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(pv[(k * 2 + i) * 3 + j], 12 * i + 4 * j + k);
  Tensor z = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, u8);
  EXPECT_EQ(vals<int64_t>(prims::flip(z, {1})), (std::vector<int64_t>{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(vals<int64_t>(prims::flip(z, {0, 1})), (std::vector<int64_t>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(vals<int64_t>(prims::flip(z, {})), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(ReferenceBackend, PadInterior) {
  // 1-d: lo 1, hi 2, interior 1 -> [v, 1, v, 2, v, 3, v, v]
  Tensor x = make<int64_t>({1, 2, 3}, {3}, i32);
  EXPECT_EQ(vals<int64_t>(prims::pad(x, {1}, {2}, {1}, Scalar(9))), (std::vector<int64_t>{9, 1, 9, 2, 9, 3, 9, 9}));
  // 2-d: rows get interior 1 and hi 1, columns lo 1.
  Tensor y = make<float>({1, 2, 3, 4}, {2, 2}, f32);
  Tensor p = prims::pad(y, {0, 1}, {1, 0}, {1, 0}, Scalar(0.5));
  EXPECT_EQ(p.shape(), (Shape{4, 3}));
  EXPECT_EQ(vals<float>(p), (std::vector<float>{.5f, 1, 2, .5f, .5f, .5f, .5f, 3, 4, .5f, .5f, .5f}));
  // An empty dim has no interior gaps: [0] padded (1, 1, interior 2) is just the two fill values.
  EXPECT_EQ(vals<int64_t>(prims::pad(prims::full({0}, Scalar(0), i64), {1}, {1}, {2}, Scalar(-1))),
            (std::vector<int64_t>{-1, -1}));
}

TEST_F(ReferenceBackend, StridedSlice) {
  Tensor x = prims::arange(10, Scalar(0), Scalar(1), i64);
  EXPECT_EQ(vals<int64_t>(prims::slice(x, {1}, {8}, {3})), (std::vector<int64_t>{1, 4, 7}));
  EXPECT_EQ(vals<int64_t>(prims::slice(x, {1}, {7}, {3})), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(vals<int64_t>(prims::slice(x, {4}, {4}, {1})), (std::vector<int64_t>{}));
  // 2-d: rows 1.. step 2, columns 0..3 step 2 of a [4, 4] iota.
  Tensor y = prims::reshape(prims::arange(16, Scalar(0), Scalar(1), i64), {4, 4});
  Tensor s = prims::slice(y, {1, 0}, {4, 3}, {2, 2});
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals<int64_t>(s), (std::vector<int64_t>{4, 6, 12, 14}));
}

TEST_F(ReferenceBackend, CatAndReshape) {
  Tensor a = make<int64_t>({1, 2, 3, 4}, {2, 2}, i64);
  Tensor b = make<int64_t>({5, 6}, {2, 1}, i64);
  Tensor e = prims::full({2, 0}, Scalar(0), i64);
  Tensor c = prims::cat({a, e, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals<int64_t>(c), (std::vector<int64_t>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(vals<int64_t>(prims::cat({a, a}, 0)), (std::vector<int64_t>{1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(vals<int64_t>(prims::reshape(c, {3, 2})), (std::vector<int64_t>{1, 2, 5, 3, 4, 6}));
}

// ---------------------------------------------------------------- init
TEST_F(ReferenceBackend, FullAndArange) {
  EXPECT_EQ(vals<int64_t>(prims::full({2}, Scalar(3.9), i32)), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(vals<int64_t>(prims::arange(4, Scalar(5), Scalar(-2), i64)), (std::vector<int64_t>{5, 3, 1, -1}));
  // Floats: start + i*step in double, rounded once (no accumulated error).
  std::vector<float> f = vals<float>(prims::arange(4, Scalar(0.0), Scalar(0.1), f32));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f[i], static_cast<float>(i * 0.1));
  // An integer dtype with a float step converts start + i*step (truncating like cast).
  EXPECT_EQ(vals<int64_t>(prims::arange(3, Scalar(0.0), Scalar(1.5), i32)), (std::vector<int64_t>{0, 1, 3}));
  // int64 arithmetic wraps instead of overflowing.
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(vals<int64_t>(prims::arange(2, Scalar(big), Scalar(1), i64)),
            (std::vector<int64_t>{big, std::numeric_limits<int64_t>::min()}));
}

// ---------------------------------------------------------------- threefry
std::vector<uint32_t> hash(uint32_t k0, uint32_t k1, std::vector<uint32_t> counts, Shape shape) {
  Tensor key = tensor(std::vector<uint32_t>{k0, k1}, {2}, u32);
  return vals<uint32_t>(prims::threefry(key, tensor(counts, shape, u32)));
}

TEST_F(ReferenceBackend, ThreefryKnownAnswers) {
  // Random123's known-answer tests for threefry2x32_20.
  EXPECT_EQ(hash(0, 0, {0, 0}, {2}), (std::vector<uint32_t>{0x6b200159u, 0x99ba4efeu}));
  EXPECT_EQ(hash(0xffffffffu, 0xffffffffu, {0xffffffffu, 0xffffffffu}, {2}),
            (std::vector<uint32_t>{0x1cb996fcu, 0xbb002be7u}));
  EXPECT_EQ(hash(0x13198a2eu, 0x03707344u, {0x243f6a88u, 0x85a308d3u}, {2}),
            (std::vector<uint32_t>{0xc4923a9cu, 0x483df7a0u}));
  // JAX's jax.random.PRNGKey(0) then threefry_2x32(key, [0, 1, 2, 3]) pairs (0, 2) and (1, 3).
  std::vector<uint32_t> four = hash(0, 0, {0, 1, 2, 3}, {2, 2});
  uint32_t a0 = 0, a1 = 2, b0 = 1, b1 = 3;
  scalar::threefry2x32(0, 0, a0, a1);
  scalar::threefry2x32(0, 0, b0, b1);
  EXPECT_EQ(four, (std::vector<uint32_t>{a0, b0, a1, b1}));
}

TEST_F(ReferenceBackend, ThreefryOddLengthPadsWithZero) {
  // [0, 1, 2] -> pairs (0, 2), (1, 0 padding) -> [h(0,2).0, h(1,0).0, h(0,2).1]
  std::vector<uint32_t> got = hash(7, 9, {0, 1, 2}, {3});
  uint32_t a0 = 0, a1 = 2, b0 = 1, b1 = 0;
  scalar::threefry2x32(7, 9, a0, a1);
  scalar::threefry2x32(7, 9, b0, b1);
  EXPECT_EQ(got, (std::vector<uint32_t>{a0, b0, a1}));
  EXPECT_EQ(hash(7, 9, {}, {0}), (std::vector<uint32_t>{}));
}

// ---------------------------------------------------------------- matmul
TEST_F(ReferenceBackend, BatchedMatmul) {
  Tensor a = prims::reshape(prims::arange(12, Scalar(0), Scalar(1), f32), {2, 2, 3});
  Tensor b = prims::full({2, 3, 1}, Scalar(1.0), f32);
  EXPECT_EQ(vals<float>(prims::matmul(a, b)), (std::vector<float>{3, 12, 21, 30}));
  // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
  Tensor c = make<int64_t>({1, 2, 3, 4}, {2, 2}, i32);
  Tensor d = make<int64_t>({5, 6, 7, 8}, {2, 2}, i32);
  EXPECT_EQ(vals<int64_t>(prims::matmul(c, d)), (std::vector<int64_t>{19, 22, 43, 50}));
  // i8 accumulates in i8 and wraps: 100*2 + 100*1 = 300 -> 44.
  Tensor e = make<int64_t>({100, 100}, {1, 2}, i8);
  Tensor f = make<int64_t>({2, 1}, {2, 1}, i8);
  EXPECT_EQ(vals<int64_t>(prims::matmul(e, f)), (std::vector<int64_t>{44}));
}

// ---------------------------------------------------------------- conv
ConvParams conv_params(Shape stride, Shape dilation, Shape lo, Shape hi, int64_t groups = 1) {
  return ConvParams{stride, dilation, lo, hi, groups};
}

TEST_F(ReferenceBackend, Conv1dStrideDilationPadding) {
  // x = [1..6], w = [1, 10, 100], stride 2, dilation 2, padding (1, 2): padded length 9, kernel
  // extent 5, so 3 outputs; out[q] = sum_t x[2q - 1 + 2t] * w[t]:
  //   q=0: x[-1]*1 + x[1]*10 + x[3]*100 = 0 + 20 + 400 = 420
  //   q=1: x[1]*1 + x[3]*10 + x[5]*100 = 2 + 40 + 600 = 642
  //   q=2: x[3]*1 + x[5]*10 + x[7]*100 = 4 + 60 + 0   = 64
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 1, 6}, f32);
  Tensor w = make<float>({1, 10, 100}, {1, 1, 3}, f32);
  Tensor y = prims::conv(x, w, conv_params({2}, {2}, {1}, {2}));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(vals<float>(y), (std::vector<float>{420, 642, 64}));
}

TEST_F(ReferenceBackend, ConvGroups) {
  // 4 input channels, 2 groups, 2 outputs, 1-wide kernel: output 0 mixes channels 0-1 with
  // weights (1, 2), output 1 mixes channels 2-3 with weights (3, 4).
  Tensor x = make<int64_t>({1, 2, 3, 10, 20, 30, 100, 200, 300, 1000, 2000, 3000}, {1, 4, 3}, i64);
  Tensor w = make<int64_t>({1, 2, 3, 4}, {2, 2, 1}, i64);
  Tensor y = prims::conv(x, w, conv_params({1}, {1}, {0}, {0}, 2));
  EXPECT_EQ(vals<int64_t>(y), (std::vector<int64_t>{21, 42, 63, 4300, 8600, 12900}));
}

TEST_F(ReferenceBackend, Conv2dAsymmetricPadding) {
  // x = 3x3 iota 1..9, w = [[1, 0], [0, 1]], padding top 1 / bottom 0, left 0 / right 1:
  // out[i, j] = x[i-1, j] + x[i, j+1] (0 outside), a 3x3 result.
  Tensor x = make<double>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, f64);
  Tensor w = make<double>({1, 0, 0, 1}, {1, 1, 2, 2}, f64);
  Tensor y = prims::conv(x, w, conv_params({1, 1}, {1, 1}, {1, 0}, {0, 1}));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(vals<double>(y), (std::vector<double>{2, 3, 0, 6, 8, 3, 12, 14, 6}));
}

TEST_F(ReferenceBackend, Conv3dBatchAndChannels) {
  // A 1x1x1 kernel in 3-d is a per-position channel mix: out[n, o, ...] = sum_c w[o, c] x[n, c, ...].
  Tensor x = prims::reshape(prims::arange(2 * 2 * 8, Scalar(0), Scalar(1), f32), {2, 2, 2, 2, 2});
  Tensor w = make<float>({1, 1, 1, -1, 2, 0}, {3, 2, 1, 1, 1}, f32);
  Tensor y = prims::conv(x, w, conv_params({1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}));
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2, 2, 2}));
  std::vector<float> v = vals<float>(y);
  for (int n = 0; n < 2; ++n)
    for (int s = 0; s < 8; ++s) {
      float c0 = static_cast<float>(16 * n + s), c1 = static_cast<float>(16 * n + 8 + s);
      EXPECT_EQ(v[(n * 3 + 0) * 8 + s], c0 + c1);
      EXPECT_EQ(v[(n * 3 + 1) * 8 + s], c0 - c1);
      EXPECT_EQ(v[(n * 3 + 2) * 8 + s], 2 * c0);
    }
}

// ---------------------------------------------------------------- gather / scatter_add
TEST_F(ReferenceBackend, GatherLikeNumpyTake) {
  Tensor x = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, i64);
  Tensor idx = make<int64_t>({2, 0, 0, 0}, {2, 2}, i32);
  Tensor g = prims::gather(x, idx, 1);  // [2] + [2, 2]
  EXPECT_EQ(g.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(vals<int64_t>(g), (std::vector<int64_t>{3, 1, 1, 1, 6, 4, 4, 4}));
  Tensor y = make<float>({1, 2, 3, 4, 5, 6}, {3, 2}, f32);
  Tensor i8idx = make<int64_t>({2, 2, 0}, {3}, u8);
  EXPECT_EQ(vals<float>(prims::gather(y, i8idx, 0)), (std::vector<float>{5, 6, 5, 6, 1, 2}));
}

TEST_F(ReferenceBackend, ScatterAddAccumulatesRepeatedIndices) {
  Tensor x = prims::full({2, 3}, Scalar(0.0), f32);
  Tensor idx = make<int64_t>({2, 0, 0, 0}, {2, 2}, i64);
  Tensor upd = prims::reshape(prims::arange(8, Scalar(1), Scalar(1), f32), {2, 2, 2});
  // row 0: updates 1..4 go to columns (2, 0, 0, 0); row 1: updates 5..8 likewise.
  EXPECT_EQ(vals<float>(prims::scatter_add(x, idx, upd, 1)), (std::vector<float>{9, 0, 1, 21, 0, 5}));
  // Along axis 0 with a non-zero base.
  Tensor base = make<int64_t>({1, 1, 1, 1}, {2, 2}, i32);
  Tensor rows = make<int64_t>({1, 1, 0}, {3}, i8);
  Tensor u = make<int64_t>({1, 2, 3, 4, 5, 6}, {3, 2}, i32);
  EXPECT_EQ(vals<int64_t>(prims::scatter_add(base, rows, u, 0)), (std::vector<int64_t>{6, 7, 5, 7}));
}

TEST_F(ReferenceBackend, OutOfBoundsIndicesAreRejectedBeforeTheKernel) {
  Tensor x = make<float>({1, 2}, {2}, f32);
  EXPECT_THROW(prims::gather(x, make<int64_t>({2}, {1}, i64), 0), Error);
  EXPECT_THROW(prims::gather(x, make<int64_t>({-1}, {1}, i64), 0), Error);
  EXPECT_THROW(prims::scatter_add(x, make<int64_t>({5}, {1}, i32), make<float>({1}, {1}, f32), 0), Error);
}

// ---------------------------------------------------------------- argsort
TEST_F(ReferenceBackend, ArgsortStableWithNaNLargest) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  // torch.sort(stable=True) of this row: ascending [8, 4, 5, 1, 3, 0, 9, 6, 2, 7], descending
  // [2, 7, 6, 0, 9, 1, 3, 4, 5, 8] (NaN largest; -0 and +0 equal; ties keep their order).
  Tensor x = make<double>({3, 1, nan, 1, -0.0, 0.0, inf, nan, -inf, 3}, {10}, f32);
  EXPECT_EQ(vals<int64_t>(prims::argsort(x, 0, false)), (std::vector<int64_t>{8, 4, 5, 1, 3, 0, 9, 6, 2, 7}));
  EXPECT_EQ(vals<int64_t>(prims::argsort(x, 0, true)), (std::vector<int64_t>{2, 7, 6, 0, 9, 1, 3, 4, 5, 8}));
  // Along the first axis of [3, 2]: each column sorts on its own.
  Tensor y = make<int64_t>({5, 0, 5, 2, 1, 2}, {3, 2}, i32);
  EXPECT_EQ(vals<int64_t>(prims::argsort(y, 0, false)), (std::vector<int64_t>{2, 0, 0, 1, 1, 2}));
  EXPECT_EQ(vals<int64_t>(prims::argsort(y, 0, true)), (std::vector<int64_t>{0, 1, 1, 2, 2, 0}));
  // Unsigned and bool keys; size-1 and size-0 axes.
  EXPECT_EQ(vals<int64_t>(prims::argsort(make<int64_t>({200, 3, 255, 3}, {4}, u8), 0, false)),
            (std::vector<int64_t>{1, 3, 0, 2}));
  EXPECT_EQ(vals<int64_t>(prims::argsort(make<bool>({true, false, true, false}, {4}, bool_), 0, true)),
            (std::vector<int64_t>{0, 2, 1, 3}));
  EXPECT_EQ(vals<int64_t>(prims::argsort(make<float>({4, 5}, {2, 1}, f16), 1, false)), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(prims::argsort(prims::full({3, 0}, Scalar(1.0), bf16), 1, true).shape(), (Shape{3, 0}));
}

// ---------------------------------------------------------------- every primitive, every dtype
// Small non-negative integers are exact in every dtype, so each primitive applied in dtype d must
// give what it gives in f64, cast to d (or to `out`, the dtype of integer sums). (For bool this also
// checks that add is "or" and mul is "and": cast(1 + 1, bool) = true = true || true.) Both sides run on this backend, so this checks that
// every dtype agrees with the f64 path; the tests above check that path by hand. Run under
// ASan/UBSan it also walks every kernel instantiation the shape rules can reach.
const DType kAllDTypes[] = {bool_, u8, i8, i32, i64, u32, f16, bf16, f32, f64};

void expect_like_f64(DType d, const char* what, const std::function<Tensor(const Tensor&, DType)>& f, double tol = 0,
                     std::optional<DType> out = std::nullopt) {
  std::vector<double> v{0, 1, 2, 3, 1, 0};
  Tensor x64 = tensor(v, {2, 3}, f64);
  Tensor xd = prims::cast(x64, d);
  Tensor got = f(xd, d);
  Tensor want = f(prims::cast(xd, f64), f64);
  ASSERT_EQ(got.shape(), want.shape()) << what << " " << name(d);
  EXPECT_EQ(got.dtype(), want.dtype() == f64 ? out.value_or(d) : want.dtype()) << what << " " << name(d);
  std::vector<double> g = vals<double>(prims::cast(got, f64));
  std::vector<double> w = vals<double>(prims::cast(prims::cast(want, got.dtype()), f64));
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << what << " " << name(d) << " at " << i;
}

TEST_F(ReferenceBackend, EveryPrimitiveInEveryDtype) {
  using T = const Tensor&;
  for (DType d : kAllDTypes) {
    const bool is_bool = d == bool_;
    const bool is_float = is_floating(d);
    auto one = [](T x, DType t) { return prims::full(x.shape(), Scalar(1), t); };
    auto flipped = [](T x) { return prims::flip(x, {1}); };
    // unary
    if (!is_bool && is_signed(d)) expect_like_f64(d, "neg", [](T x, DType) { return prims::neg(x); });
    if (is_float) {
      // Transcendentals round differently in float and double: compare with a tolerance.
      double tol = d == f64 ? 0 : d == f32 ? 1e-6 : 1e-2;
      expect_like_f64(d, "exp", [](T x, DType) { return prims::exp(x); }, tol);
      expect_like_f64(d, "log", [&](T x, DType t) { return prims::log(prims::add(x, one(x, t))); }, tol);
      expect_like_f64(d, "sin", [](T x, DType) { return prims::sin(x); }, tol);
      expect_like_f64(d, "sqrt", [](T x, DType) { return prims::sqrt(x); }, tol);
      expect_like_f64(d, "tanh", [](T x, DType) { return prims::tanh(x); }, tol);
      expect_like_f64(d, "erf", [](T x, DType) { return prims::erf(x); }, tol);
      expect_like_f64(d, "atan2", [&](T x, DType) { return prims::atan2(x, flipped(x)); }, tol);
    }
    expect_like_f64(d, "floor", [](T x, DType) { return prims::floor(x); });
    expect_like_f64(d, "logical_not", [](T x, DType t) { return prims::cast(prims::logical_not(prims::cast(x, bool_)), t); });
    expect_like_f64(d, "stop_gradient", [](T x, DType) { return prims::stop_gradient(x); });
    for (DType e : kAllDTypes)
      expect_like_f64(d, "cast", [e](T x, DType) { return prims::cast(prims::cast(x, e), x.dtype()); });
    // binary and where
    expect_like_f64(d, "add", [](T x, DType) { return prims::add(x, x); });
    if (!is_bool) expect_like_f64(d, "sub", [](T x, DType) { return prims::sub(prims::add(x, x), x); });
    expect_like_f64(d, "mul", [&](T x, DType) { return prims::mul(x, flipped(x)); });
    if (!is_bool) expect_like_f64(d, "div", [&](T x, DType t) { return prims::div(x, prims::add(x, one(x, t))); });
    expect_like_f64(d, "pow", [](T x, DType) { return prims::pow(x, x); });
    expect_like_f64(d, "maximum", [&](T x, DType) { return prims::maximum(x, flipped(x)); });
    expect_like_f64(d, "equal", [&](T x, DType) { return prims::equal(x, flipped(x)); });
    expect_like_f64(d, "less", [&](T x, DType) { return prims::less(x, flipped(x)); });
    expect_like_f64(d, "greater", [&](T x, DType) { return prims::greater(x, flipped(x)); });
    expect_like_f64(d, "where", [&](T x, DType) { return prims::where(prims::cast(x, bool_), x, flipped(x)); });
    // reductions
    for (Axes axes : {Axes{}, Axes{0}, Axes{1}, Axes{0, 1}}) {
      expect_like_f64(d, "sum", [&](T x, DType) { return prims::sum(x, axes); }, 0, is_float ? d : i64);
      expect_like_f64(d, "max", [&](T x, DType) { return prims::max(x, axes); });
      if (axes.size() == 1)
        expect_like_f64(d, "argmax", [&](T x, DType) { return prims::argmax(x, axes[0]); }, 0, i64);
    }
    // data movement
    expect_like_f64(d, "reshape", [](T x, DType) { return prims::reshape(x, {3, 2}); });
    expect_like_f64(d, "expand", [](T x, DType) { return prims::expand(prims::reshape(x, {2, 1, 3}), {2, 2, 3}); });
    expect_like_f64(d, "permute", [](T x, DType) { return prims::permute(x, {1, 0}); });
    expect_like_f64(d, "pad", [](T x, DType) { return prims::pad(x, {1, 0}, {0, 2}, {1, 1}, Scalar(1)); });
    expect_like_f64(d, "slice", [](T x, DType) { return prims::slice(x, {1, 0}, {2, 3}, {1, 2}); });
    expect_like_f64(d, "flip", [](T x, DType) { return prims::flip(x, {0, 1}); });
    expect_like_f64(d, "cat", [](T x, DType) { return prims::cat({x, x}, 1); });
    // creation
    expect_like_f64(d, "full", [](T x, DType t) { return prims::add(x, prims::full({2, 3}, Scalar(1), t)); });
    if (!is_bool)
      expect_like_f64(d, "arange", [](T x, DType t) { return prims::add(x, prims::reshape(prims::arange(6, Scalar(0), Scalar(1), t), {2, 3})); });
    // general
    if (!is_bool) {
      expect_like_f64(d, "matmul", [](T x, DType) { return prims::matmul(x, prims::permute(x, {1, 0})); });
      ConvParams p{{1}, {2}, {1}, {0}, 1};
      expect_like_f64(d, "conv", [&](T x, DType t) {
        return prims::conv(prims::reshape(x, {1, 2, 3}), prims::full({2, 2, 2}, Scalar(1), t), p);
      });
    }
    for (DType it : {u8, i8, i32, i64, u32}) {
      Tensor idx = tensor(std::vector<int64_t>{0, 2, 2}, {3}, it);
      expect_like_f64(d, "gather", [&](T x, DType) { return prims::gather(x, idx, 1); });
      expect_like_f64(d, "scatter_add", [&](T x, DType) { return prims::scatter_add(x, idx, prims::gather(x, idx, 1), 1); });
    }
    for (bool descending : {false, true}) {  // the values hold ties (0, 1 twice): the order is the stable one
      expect_like_f64(d, "argsort", [&](T x, DType) { return prims::argsort(x, 1, descending); });
      expect_like_f64(d, "argsort", [&](T x, DType) { return prims::argsort(x, 0, descending); });
    }
  }
}

// ---------------------------------------------------------------- zero-size tensors
TEST_F(ReferenceBackend, ZeroSizeEverywhere) {
  Tensor e = prims::full({0, 3}, Scalar(1.0), f32);
  EXPECT_EQ(prims::neg(e).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::cast(e, i8).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::add(e, e).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::where(prims::cast(e, bool_), e, e).shape(), (Shape{0, 3}));
  EXPECT_EQ(vals<float>(prims::sum(e, {0})), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(prims::sum(e, {1}).shape(), (Shape{0}));
  EXPECT_EQ(prims::max(e, {1}).shape(), (Shape{0}));
  EXPECT_EQ(prims::reshape(e, {3, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(prims::expand(prims::full({1, 0}, Scalar(1), i32), {4, 0}).shape(), (Shape{4, 0}));
  EXPECT_EQ(prims::expand(prims::full({1, 2}, Scalar(1), i32), {0, 2}).shape(), (Shape{0, 2}));
  EXPECT_EQ(prims::permute(e, {1, 0}).shape(), (Shape{3, 0}));
  Tensor padded = prims::pad(e, {1, 0}, {0, 0}, {0, 5}, Scalar(2.0));  // [0, 3] -> [1, 3 + 2*5], all fill
  EXPECT_EQ(padded.shape(), (Shape{1, 13}));
  EXPECT_EQ(vals<float>(padded), std::vector<float>(13, 2.f));
  EXPECT_EQ(prims::slice(e, {0, 1}, {0, 3}, {1, 1}).shape(), (Shape{0, 2}));
  EXPECT_EQ(prims::flip(e, {0, 1}).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::cat({e, e}, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::full({0}, Scalar(1), u8).numel(), 0);
  EXPECT_EQ(prims::arange(0, Scalar(0), Scalar(1), i64).numel(), 0);
  // matmul with an empty inner dim is all zeros; empty outer dims give empty results.
  EXPECT_EQ(vals<float>(prims::matmul(prims::full({2, 0}, Scalar(1.0), f32), prims::full({0, 2}, Scalar(1.0), f32))),
            (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(prims::matmul(prims::full({0, 2, 3}, Scalar(1.0), f32), prims::full({0, 3, 4}, Scalar(1.0), f32)).shape(),
            (Shape{0, 2, 4}));
  // conv with no batch, no output channels, or no input channels.
  ConvParams p = conv_params({1}, {1}, {0}, {0});
  EXPECT_EQ(prims::conv(prims::full({0, 2, 5}, Scalar(1.0), f32), prims::full({3, 2, 2}, Scalar(1.0), f32), p).shape(),
            (Shape{0, 3, 4}));
  EXPECT_EQ(prims::conv(prims::full({1, 2, 5}, Scalar(1.0), f32), prims::full({0, 2, 2}, Scalar(1.0), f32), p).shape(),
            (Shape{1, 0, 4}));
  EXPECT_EQ(vals<float>(prims::conv(prims::full({1, 0, 3}, Scalar(1.0), f32), prims::full({1, 0, 2}, Scalar(1.0), f32), p)),
            (std::vector<float>{0, 0}));
  // gather / scatter_add with no indices, or from an empty operand.
  Tensor x = make<float>({1, 2, 3}, {3}, f32);
  Tensor none = prims::full({0}, Scalar(0), i64);
  EXPECT_EQ(prims::gather(x, none, 0).shape(), (Shape{0}));
  EXPECT_EQ(vals<float>(prims::scatter_add(x, none, prims::full({0}, Scalar(0.0), f32), 0)), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(prims::gather(prims::full({0, 3}, Scalar(1.0), f32), make<int64_t>({2, 1}, {2}, i64), 1).shape(),
            (Shape{0, 2}));
  // argsort of empty rows, or of no rows.
  EXPECT_EQ(prims::argsort(e, 0, false).shape(), (Shape{0, 3}));
  EXPECT_EQ(prims::argsort(e, 1, true).shape(), (Shape{0, 3}));
}

// ---------------------------------------------------------------- atan2 (the arctangent primitive)
TEST_F(ReferenceBackend, Atan2QuadrantsZerosAndInfinities) {
  const double inf = std::numeric_limits<double>::infinity(), pi = 3.14159265358979323846;
  Tensor y = make<double>({1, 1, -1, 0.0, -0.0, 0.0, -0.0, inf, 2, -inf}, {10}, f64);
  Tensor x = make<double>({1, -1, -1, -1, -1, 0.0, 0.0, inf, 0.0, 1}, {10}, f64);
  std::vector<double> r = vals<double>(prims::atan2(y, x));
  const std::vector<double> want{pi / 4, 3 * pi / 4, -3 * pi / 4, pi, -pi, 0.0, -0.0, pi / 4, pi / 2, -pi / 2};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_DOUBLE_EQ(r[i], want[i]) << "at " << i;
    EXPECT_EQ(std::signbit(r[i]), std::signbit(want[i])) << "sign at " << i;
  }
  // Half types compute in float and round once; NaN propagates.
  Tensor h = prims::atan2(make<double>({1, std::nan("")}, {2}, f16), make<double>({1, 1}, {2}, f16));
  EXPECT_EQ(h.dtype(), f16);
  EXPECT_FLOAT_EQ(vals<float>(h)[0], static_cast<float>(half(std::atan2(1.f, 1.f))));
  EXPECT_TRUE(std::isnan(vals<float>(h)[1]));
  EXPECT_FLOAT_EQ(vals<float>(prims::atan2(make<double>({3}, {1}, f32), make<double>({-4}, {1}, f32)))[0],
                  std::atan2(3.f, -4.f));
}

}  // namespace
