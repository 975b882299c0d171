// Hostile sizes: shape arithmetic on INT64-scale parameters must throw the op's slope::Error, never
// overflow (signed overflow is UB, and a wrapped size would be a silently wrong, small shape).
#include <gtest/gtest.h>
#include <slope/slope.h>

#include <cstdint>
#include <functional>
#include <string>

#include "slope/primitive_ops.h"

namespace {

constexpr int64_t kMax = INT64_MAX;
constexpr int64_t kMin = INT64_MIN;

// Runs f and expects a slope::Error whose message starts with "[op]".
void expect_error(const char* op, const std::function<void()>& f) {
  std::string prefix = std::string("[") + op + "]";
  try {
    f();
  } catch (const slope::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << "message: " << e.what();
    return;
  }
  ADD_FAILURE() << "expected a slope::Error starting with " << prefix;
}

using namespace slope;

TEST(Overflow, Pad) {
  Tensor x = zeros({3}, f32);
  expect_error("pad", [&] { prims::pad(x, {kMax}, {kMax}, {0}, 0.0); });
  expect_error("pad", [&] { prims::pad(x, {kMax - 1}, {0}, {0}, 0.0); });
  expect_error("pad", [&] { prims::pad(x, {0}, {0}, {kMax / 2}, 0.0); });
  expect_error("pad", [&] { prims::pad(x, {1}, {1}, {kMax}, 0.0); });
  // Each dim fits but the element count does not.
  Tensor y = zeros({1, 1}, f32);
  expect_error("pad", [&] { prims::pad(y, {kMax / 4, kMax / 4}, {0, 0}, {0, 0}, 0.0); });
  // Ordinary padding still works.
  EXPECT_EQ(prims::pad(x, {1}, {2}, {1}, 0.0).shape(), (Shape{8}));
}

TEST(Overflow, ReshapeExpandFull) {
  Tensor x = zeros({1, 1}, f32);
  expect_error("reshape", [&] { prims::reshape(x, {kMax, 3}); });
  expect_error("reshape", [&] { prims::reshape(x, {kMax / 2 + 1, 2, 2}); });
  expect_error("expand", [&] { prims::expand(x, {kMax, kMax}); });
  expect_error("full", [&] { prims::full({kMax, kMax}, 0.0, f32); });
  expect_error("full", [&] { full({kMax / 3, 4}, 1.0); });
  // A zero dim makes any shape empty, however large the others.
  EXPECT_EQ(prims::full({kMax, 0}, 0.0, f32).numel(), 0);
}

TEST(Overflow, SliceHugeStep) {
  Tensor x = zeros({10}, f32);
  EXPECT_EQ(prims::slice(x, {0}, {10}, {kMax}).shape(), (Shape{1}));
  EXPECT_EQ(prims::slice(x, {3}, {3}, {kMax}).shape(), (Shape{0}));
  EXPECT_EQ(prims::slice(x, {1}, {10}, {3}).shape(), (Shape{3}));
}

TEST(Overflow, Cat) {
  Tensor x = zeros({1}, f32);
  // Shapes of real tensors cannot be huge, but abstract values can: go through infer directly.
  AVal in[2] = {AVal{Shape{kMax}, f32}, AVal{Shape{1}, f32}};
  AVal out[1];
  expect_error("cat", [&] { infer(Prim::cat, Params{AxisParams{0}}, in, 2, out); });
  EXPECT_EQ(prims::cat({x, x}, 0).shape(), (Shape{2}));
}

ConvParams conv_params(int64_t stride, int64_t dilation, int64_t lo, int64_t hi, int64_t groups = 1) {
  ConvParams p;
  p.stride = {stride};
  p.dilation = {dilation};
  p.pad_lo = {lo};
  p.pad_hi = {hi};
  p.groups = groups;
  return p;
}

TEST(Overflow, Conv) {
  Tensor x = zeros({1, 2, 5}, f32);
  Tensor w = zeros({2, 1, 3}, f32);
  expect_error("conv", [&] { prims::conv(x, w, conv_params(1, kMax, 0, 0, 2)); });
  expect_error("conv", [&] { prims::conv(x, w, conv_params(1, kMax / 2 + 1, 0, 0, 2)); });
  expect_error("conv", [&] { prims::conv(x, w, conv_params(1, 1, kMax, kMax, 2)); });
  expect_error("conv", [&] { prims::conv(x, w, conv_params(1, 1, kMax - 2, 0, 2)); });
  // groups * (C/groups) overflowing must not wrap around to a matching channel count.
  // Real tensors cannot have such a weight, abstract values can: go through infer directly.
  AVal in[2] = {AVal{Shape{1, 2, 5}, f32}, AVal{Shape{2, kMax / 2 + 1, 3}, f32}};
  AVal out[1];
  expect_error("conv", [&] { infer(Prim::conv, Params{conv_params(1, 1, 0, 0, 2)}, in, 2, out); });
  // A huge stride is fine: one output position.
  EXPECT_EQ(prims::conv(x, w, conv_params(kMax, 1, 0, 0, 2)).shape(), (Shape{1, 2, 1}));
  EXPECT_EQ(prims::conv(x, w, conv_params(1, 2, 1, 1, 2)).shape(), (Shape{1, 2, 3}));
}

TEST(Overflow, ArangeIntegerLimits) {
  expect_error("arange", [&] { arange(Scalar(kMin), Scalar(kMax), Scalar(1)); });
  expect_error("arange", [&] { arange(Scalar(kMax), Scalar(kMin), Scalar(-1)); });
  expect_error("arange", [&] { arange(Scalar(-1), Scalar(kMax), Scalar(1)); });
  // Lengths that fit: computed exactly even though stop - start exceeds int64.
  Tensor a = arange(Scalar(kMin), Scalar(kMax), Scalar(kMax));
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{kMin, -1, kMax - 1}));
  Tensor b = arange(Scalar(kMax), Scalar(kMin), Scalar(kMin));
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{kMax, -1}));
  Tensor c = arange(Scalar(kMax - 2), Scalar(kMax), Scalar(1));
  EXPECT_EQ(c.to_vector<int64_t>(), (std::vector<int64_t>{kMax - 2, kMax - 1}));
  Tensor d = arange(Scalar(0), Scalar(-5), Scalar(kMin));
  EXPECT_EQ(d.to_vector<int64_t>(), (std::vector<int64_t>{0}));
  EXPECT_EQ(arange(Scalar(5)).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  // The float path: a range too long to index.
  expect_error("arange", [&] { arange(Scalar(-1e300), Scalar(1e300), Scalar(1e-300)); });
  expect_error("arange", [&] { arange(Scalar(-1.7e308), Scalar(1.7e308), Scalar(1.0)); });
}

TEST(Overflow, Linspace) {
  expect_error("linspace", [&] { linspace(0.0, 1.0, kMax); });
  EXPECT_EQ(linspace(0.0, 1.0, 3, f64).to_vector<double>(), (std::vector<double>{0.0, 0.5, 1.0}));
}

}  // namespace
