// The cpu backend against the reference backend (the oracle), primitive by primitive: random
// inputs in several dtypes and shapes (0-d, size-0 and size-1 dims, odd axis choices, sizes large
// enough to run on several threads). Elementwise, data-movement and index primitives must agree
// bit for bit; sums, matmul and conv (whose summation order legitimately differs) within a
// tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

#include "seed.h"
#include "skip.h"
#include "slope/backend.h"
#include "slope/interpreter.h"
#include "slope/primitive_ops.h"

namespace {

using namespace slope;

// Skips everything when slope was built without the cpu backend (SLOPE_BACKEND_CPU=OFF).
class CpuBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto names = backend_names();
    if (std::find(names.begin(), names.end(), "cpu") == names.end()) SLOPE_SKIP("no cpu backend in this build");
  }
};

const DType kAll[] = {bool_, u8, i8, i32, i64, u32, f16, bf16, f32, f64};
const DType kInts[] = {u8, i8, i32, i64, u32};

// Value ranges the generator draws from.
enum class Range { Any, Positive, SmallInt, NonZero };

// Seeded by the running test's name (tests/seed.h): a test draws the same alone as in the suite.
std::mt19937& rng() { return slope_test::test_rng(); }

Tensor random_tensor(const Shape& s, DType d, Range r = Range::Any) {
  Tensor t = make_array(AVal{s, d});
  void* data = t.impl()->buffer->data();
  auto& g = rng();
  visit_dtype(d, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(data);
    for (int64_t i = 0, n = numel(s); i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = g() & 1;
      } else if constexpr (scalar::is_float_v<T>) {
        double v = std::uniform_real_distribution<double>(-3, 3)(g);
        if (r == Range::Positive) v = std::abs(v) + 0.01;
        if (r == Range::SmallInt) v = std::floor(v);
        if (r == Range::Any && g() % 97 == 0) v = std::numeric_limits<double>::quiet_NaN();
        if (r == Range::Any && g() % 89 == 0) v = (g() & 1) ? INFINITY : -INFINITY;
        p[i] = scalar::convert<T>(v);
      } else {
        int64_t lo = std::is_signed_v<T> ? -100 : 0, hi = 200;
        if (r == Range::SmallInt) lo = std::is_signed_v<T> ? -3 : 0, hi = 5;
        int64_t v = std::uniform_int_distribution<int64_t>(lo, hi)(g);
        if (r == Range::NonZero && v == 0) v = 1;
        if (r == Range::Any && g() % 50 == 0) v = static_cast<int64_t>(g()) << 20;  // wraps when narrowed
        p[i] = static_cast<T>(v);
      }
    }
  });
  return t;
}

Tensor random_index(const Shape& s, DType d, int64_t size) {
  Tensor t = make_array(AVal{s, d});
  visit_dtype(d, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (scalar::is_int_v<T>) {
      T* p = static_cast<T*>(t.impl()->buffer->data());
      for (int64_t i = 0, n = numel(s); i < n; ++i)
        p[i] = static_cast<T>(std::uniform_int_distribution<int64_t>(0, size - 1)(rng()));
    }
  });
  return t;
}

// Runs f under the reference and the cpu backends.
std::pair<Tensor, Tensor> both(const std::function<Tensor()>& f) {
  Tensor r, c;
  {
    BackendScope s("reference");
    r = f();
  }
  {
    BackendScope s("cpu");
    c = f();
  }
  return {r, c};
}

std::string what(const Tensor& t) { return to_string(t.aval()); }

void expect_identical(const std::function<Tensor()>& f, const std::string& ctx) {
  auto [r, c] = both(f);
  ASSERT_EQ(r.aval(), c.aval()) << ctx;
  size_t nbytes = static_cast<size_t>(r.numel()) * itemsize(r.dtype());
  if (nbytes == 0) return;
  if (r.dtype() == bool_) {  // compare truth values, not the byte representation
    EXPECT_EQ(r.to_vector<bool>(), c.to_vector<bool>()) << ctx << " " << what(r);
    return;
  }
  if (std::memcmp(r.data(), c.data(), nbytes) != 0) {
    auto rv = r.to_vector<double>(), cv = c.to_vector<double>();
    size_t i = 0;
    while (i < rv.size() && std::memcmp(&rv[i], &cv[i], sizeof(double)) == 0) ++i;
    ADD_FAILURE() << ctx << " " << what(r) << ": first difference at flat index " << i << ": reference "
                  << (i < rv.size() ? rv[i] : 0) << " vs cpu " << (i < cv.size() ? cv[i] : 0);
  }
}

void expect_close(const std::function<Tensor()>& f, const std::string& ctx, double rtol, double atol) {
  auto [r, c] = both(f);
  ASSERT_EQ(r.aval(), c.aval()) << ctx;
  auto rv = r.to_vector<double>(), cv = c.to_vector<double>();
  int bad = 0;
  for (size_t i = 0; i < rv.size() && bad < 5; ++i) {
    bool ok = (std::isnan(rv[i]) && std::isnan(cv[i])) || rv[i] == cv[i] ||
              std::abs(rv[i] - cv[i]) <= atol + rtol * std::abs(rv[i]);
    if (!ok) {
      ++bad;
      ADD_FAILURE() << ctx << " " << what(r) << " at " << i << ": reference " << rv[i] << " vs cpu " << cv[i];
    }
  }
}

double sum_rtol(DType d) { return d == f16 || d == bf16 ? 1e-2 : d == f32 ? 1e-5 : 1e-12; }

const std::vector<Shape> kElementwiseShapes = {{}, {0}, {1}, {3, 0, 2}, {3, 1, 4}, {7, 9}, {100003}, {2, 70001}};

// ---------------------------------------------------------------- unary, cast

TEST_F(CpuBackend, UnaryMatchesReferenceBitForBit) {
  for (DType d : kAll)
    for (const Shape& s : kElementwiseShapes) {
      Tensor x = random_tensor(s, d);
      std::string ctx = std::string(name(d)) + " " + to_string(s);
      expect_identical([&] { return prims::floor(x); }, "floor " + ctx);
      expect_identical([&] { return prims::stop_gradient(x); }, "stop_gradient " + ctx);
      if (d != bool_) expect_identical([&] { return prims::neg(x); }, "neg " + ctx);
      if (d == bool_) expect_identical([&] { return prims::logical_not(x); }, "logical_not " + ctx);
      if (is_floating(d)) {
        Tensor pos = random_tensor(s, d, Range::Positive);
        expect_identical([&] { return prims::exp(x); }, "exp " + ctx);
        expect_identical([&] { return prims::log(pos); }, "log " + ctx);
        expect_identical([&] { return prims::log(x); }, "log(any) " + ctx);
        expect_identical([&] { return prims::sin(x); }, "sin " + ctx);
        expect_identical([&] { return prims::sqrt(pos); }, "sqrt " + ctx);
        expect_identical([&] { return prims::tanh(x); }, "tanh " + ctx);
        expect_identical([&] { return prims::erf(x); }, "erf " + ctx);
      }
    }
}

TEST_F(CpuBackend, CastEveryPairOfDtypes) {
  for (DType from : kAll)
    for (const Shape& s : {Shape{}, Shape{0, 4}, Shape{257}, Shape{40000}}) {
      Tensor x = random_tensor(s, from);
      for (DType to : kAll)
        expect_identical([&] { return prims::cast(x, to); },
                         std::string("cast ") + name(from) + "->" + name(to) + " " + to_string(s));
    }
}

TEST_F(CpuBackend, StopGradientAndReshapeShareTheBuffer) {
  BackendScope s("cpu");
  Tensor x = random_tensor({4, 6}, f32);
  Tensor y = prims::reshape(x, {3, 8});
  EXPECT_EQ(y.data(), x.data());
  EXPECT_EQ(y.shape(), (Shape{3, 8}));
  EXPECT_EQ(prims::stop_gradient(x).data(), x.data());
}

// ---------------------------------------------------------------- binary, where

TEST_F(CpuBackend, BinaryMatchesReferenceBitForBit) {
  const Prim ops[] = {Prim::add, Prim::sub, Prim::mul, Prim::div, Prim::pow, Prim::maximum,
                      Prim::equal, Prim::less, Prim::greater, Prim::atan2};
  for (DType d : kAll)
    for (const Shape& s : kElementwiseShapes) {
      Tensor a = random_tensor(s, d), b = random_tensor(s, d);
      Tensor nz = random_tensor(s, d, Range::NonZero);
      Tensor small_a = random_tensor(s, d, Range::SmallInt), small_b = random_tensor(s, d, Range::SmallInt);
      for (Prim p : ops) {
        std::string ctx = std::string(name(p)) + " " + name(d) + " " + to_string(s);
        if (p == Prim::atan2) {
          if (is_floating(d)) expect_identical([&] { return bind1(p, {a, b}); }, ctx);
        } else if (p == Prim::div && is_integral(d)) {
          expect_identical([&] { return bind1(p, {a, nz}); }, ctx);
        } else if (p == Prim::pow) {
          expect_identical([&] { return bind1(p, {small_a, small_b}); }, ctx);
          if (is_floating(d)) expect_identical([&] { return bind1(p, {a, b}); }, ctx + " (any)");
        } else {
          expect_identical([&] { return bind1(p, {a, b}); }, ctx);
          expect_identical([&] { return bind1(p, {a, a}); }, ctx + " (same operand)");
        }
      }
    }
}

TEST_F(CpuBackend, WhereMatchesReference) {
  for (DType d : kAll)
    for (const Shape& s : kElementwiseShapes) {
      Tensor c = random_tensor(s, bool_), a = random_tensor(s, d), b = random_tensor(s, d);
      expect_identical([&] { return prims::where(c, a, b); }, std::string("where ") + name(d) + " " + to_string(s));
    }
}

// ---------------------------------------------------------------- reductions

std::vector<Axes> all_axis_subsets(size_t r) {
  std::vector<Axes> out;
  for (unsigned m = 0; m < (1u << r); ++m) {
    Axes a;
    for (size_t i = 0; i < r; ++i)
      if (m & (1u << i)) a.push_back(static_cast<int64_t>(i));
    out.push_back(a);
  }
  return out;
}

void check_reductions(const Shape& s, const Axes& axes, DType d) {
  Tensor x = random_tensor(s, d, Range::SmallInt);
  Tensor xa = random_tensor(s, d);
  std::string ctx = std::string(name(d)) + " " + to_string(s) + " axes " + to_string(axes);
  if (is_floating(d)) {
    Tensor xf = random_tensor(s, d, Range::Positive);
    expect_close([&] { return prims::sum(xf, axes); }, "sum " + ctx, sum_rtol(d), 0);
    // Mixed signs cancel: compare against the scale of the terms instead.
    double atol = sum_rtol(d) * 3 * std::sqrt(static_cast<double>(std::max<int64_t>(numel(s), 1)));
    expect_close([&] { return prims::sum(x, axes); }, "sum(mixed) " + ctx, sum_rtol(d), atol);
  } else {
    expect_identical([&] { return prims::sum(xa, axes); }, "sum " + ctx);
  }
  bool empty_axis = false;
  for (int64_t a : axes) empty_axis = empty_axis || s[a] == 0;
  if (!empty_axis) expect_close([&] { return prims::max(xa, axes); }, "max " + ctx, 0, 0);
  // argmax along each single axis (SmallInt values: many ties, the first must win).
  if (axes.size() == 1 && s[axes[0]] > 0) {
    expect_identical([&] { return prims::argmax(x, axes[0]); }, "argmax " + ctx);
    expect_identical([&] { return prims::argmax(xa, axes[0]); }, "argmax " + ctx);
  }
}

TEST_F(CpuBackend, ReductionsOverEveryAxisSubset) {
  for (DType d : {f32, f64, i32, u8, bool_, f16, i64})
    for (const Shape& s : {Shape{2, 3, 4, 5}, Shape{3, 1, 5, 1}, Shape{2, 0, 3}, Shape{}, Shape{1}, Shape{0}})
      for (const Axes& axes : all_axis_subsets(s.size())) check_reductions(s, axes, d);
}

TEST_F(CpuBackend, ReductionsLargeAndThreaded) {
  struct Case {
    Shape s;
    Axes axes;
  };
  const Case cases[] = {
      {{1 << 20}, {0}},          {{512, 300}, {0}},       {{512, 300}, {1}},   {{3, 50000}, {1}},
      {{50000, 3}, {0}},         {{4, 1000, 20}, {1}},    {{40, 30, 20, 10}, {0, 2}},
      {{40, 30, 20, 10}, {1, 3}}, {{64, 2000, 3}, {1}},   {{2, 100000}, {0}},  {{300, 400}, {0, 1}},
  };
  for (DType d : {f32, f64, i32, bf16})
    for (const Case& c : cases) check_reductions(c.s, c.axes, d);
}

TEST_F(CpuBackend, MaxPropagatesNaN) {
  Tensor x = random_tensor({1000, 37}, f32, Range::Positive);
  static_cast<float*>(x.impl()->buffer->data())[5 * 37 + 3] = NAN;
  for (const Axes& axes : {Axes{0}, Axes{1}, Axes{0, 1}})
    expect_close([&] { return prims::max(x, axes); }, "max NaN " + to_string(axes), 0, 0);
}

// ---------------------------------------------------------------- data movement

const DType kMoveDtypes[] = {bool_, i8, f16, f32, f64, i64};

TEST_F(CpuBackend, ReshapeAndExpand) {
  for (DType d : kMoveDtypes) {
    Tensor x = random_tensor({3, 1, 4, 1}, d);
    expect_identical([&] { return prims::reshape(x, {12}); }, "reshape");
    for (const Shape& to : {Shape{3, 5, 4, 2}, Shape{3, 1, 4, 7}, Shape{3, 0, 4, 1}, Shape{3, 1000, 4, 9}})
      expect_identical([&] { return prims::expand(x, to); }, std::string("expand ") + name(d) + " " + to_string(to));
    Tensor s = random_tensor({}, d);
    expect_identical([&] { return prims::expand(prims::reshape(s, {1, 1}), {300, 200}); }, "expand scalar");
  }
}

TEST_F(CpuBackend, PermuteEveryPermutation) {
  for (DType d : kMoveDtypes)
    for (const Shape& s : {Shape{2, 3, 4}, Shape{5, 1, 7, 3}, Shape{2, 0, 3}, Shape{9, 33, 17, 2}}) {
      Tensor x = random_tensor(s, d);
      Axes perm(s.size());
      std::iota(perm.begin(), perm.end(), 0);
      do {
        expect_identical([&] { return prims::permute(x, perm); },
                         std::string("permute ") + name(d) + " " + to_string(s) + " " + to_string(perm));
      } while (std::next_permutation(perm.begin(), perm.end()));
    }
  for (DType d : {f32, f64, u8, f16}) {
    Tensor t = random_tensor({513, 1031}, d);
    expect_identical([&] { return prims::permute(t, {1, 0}); }, "transpose 2-d");
    Tensor b = random_tensor({6, 130, 97}, d);
    expect_identical([&] { return prims::permute(b, {0, 2, 1}); }, "batched transpose");
    expect_identical([&] { return prims::permute(b, {2, 1, 0}); }, "reverse axes");
  }
}

TEST_F(CpuBackend, PadSliceFlip) {
  auto& g = rng();
  for (DType d : kMoveDtypes)
    for (const Shape& s : {Shape{5, 7}, Shape{3, 1, 4}, Shape{0, 3}, Shape{}, Shape{2, 3, 4, 5}, Shape{300, 257}}) {
      Tensor x = random_tensor(s, d);
      for (int trial = 0; trial < 6; ++trial) {
        Shape lo, hi, in, start, stop, step;
        Axes flip;
        for (size_t i = 0; i < s.size(); ++i) {
          lo.push_back(g() % 3);
          hi.push_back(g() % 3);
          in.push_back(trial % 2 ? g() % 3 : 0);
          int64_t a = s[i] ? g() % s[i] : 0, b = s[i] ? g() % s[i] : 0;
          start.push_back(std::min(a, b));
          stop.push_back(trial == 0 ? s[i] : std::max(a, b) + 1 > s[i] ? s[i] : std::max(a, b) + 1);
          step.push_back(1 + g() % 3);
          if (g() % 2) flip.push_back(static_cast<int64_t>(i));
        }
        std::string ctx = std::string(name(d)) + " " + to_string(s);
        Scalar v = trial % 3 == 0 ? Scalar(1.5) : trial % 3 == 1 ? Scalar(int64_t(-2)) : Scalar(true);
        expect_identical([&] { return prims::pad(x, lo, hi, in, v); }, "pad " + ctx);
        expect_identical([&] { return prims::slice(x, start, stop, step); }, "slice " + ctx);
        expect_identical([&] { return prims::flip(x, flip); }, "flip " + ctx + " " + to_string(flip));
      }
    }
}

TEST_F(CpuBackend, Cat) {
  for (DType d : kMoveDtypes)
    for (const Shape& s : {Shape{3, 4, 5}, Shape{2, 0, 3}, Shape{1}, Shape{200, 300}})
      for (size_t axis = 0; axis < s.size(); ++axis)
        for (int n = 1; n <= 3; ++n) {
          std::vector<Tensor> xs;
          for (int i = 0; i < n; ++i) {
            Shape si = s;
            si[axis] = (si[axis] + i) % 4;  // different sizes along the axis, including 0
            xs.push_back(random_tensor(si, d));
          }
          expect_identical([&] { return prims::cat(xs, static_cast<int64_t>(axis)); },
                           std::string("cat ") + name(d) + " " + to_string(s) + " axis " + std::to_string(axis));
        }
}

// ---------------------------------------------------------------- init, threefry

TEST_F(CpuBackend, FullAndArange) {
  for (DType d : kAll) {
    for (Scalar v : {Scalar(2.75), Scalar(int64_t(-3)), Scalar(true), Scalar(1e30), Scalar(NAN)})
      for (const Shape& s : {Shape{}, Shape{0, 2}, Shape{3, 4}, Shape{100000}})
        expect_identical([&] { return prims::full(s, v, d); }, std::string("full ") + name(d) + " " + to_string(s));
    if (d == bool_) continue;
    for (int64_t n : {0, 1, 17, 100000}) {
      expect_identical([&] { return prims::arange(n, int64_t(-5), int64_t(3), d); }, std::string("arange int ") + name(d));
      expect_identical([&] { return prims::arange(n, 0.5, 0.1, d); }, std::string("arange float ") + name(d));
    }
  }
}

TEST_F(CpuBackend, Threefry) {
  Tensor key = random_tensor({2}, u32);
  for (const Shape& s : {Shape{0}, Shape{1}, Shape{5}, Shape{2, 3}, Shape{}, Shape{100001}, Shape{64, 1024}}) {
    Tensor counts = random_tensor(s, u32);
    expect_identical([&] { return prims::threefry(key, counts); }, "threefry " + to_string(s));
  }
}

// ---------------------------------------------------------------- matmul, conv

double product_rtol(DType d) { return d == f16 || d == bf16 ? 2e-2 : d == f32 ? 1e-5 : 1e-12; }

TEST_F(CpuBackend, Matmul) {
  const int64_t dims[] = {0, 1, 5, 17};
  for (DType d : {f32, f64, i32, i64, u8, i8, u32, f16, bf16}) {
    Range r = is_floating(d) ? Range::Any : Range::SmallInt;
    auto check_mm = [&](const Shape& as, const Shape& bs) {
      Tensor a = random_tensor(as, d, is_floating(d) ? Range::Positive : r);
      Tensor b = random_tensor(bs, d, is_floating(d) ? Range::Positive : r);
      std::string ctx = std::string("matmul ") + name(d) + " " + to_string(as) + " x " + to_string(bs);
      if (is_floating(d)) expect_close([&] { return prims::matmul(a, b); }, ctx, product_rtol(d), 1e-30);
      else expect_identical([&] { return prims::matmul(a, b); }, ctx);
    };
    for (int64_t m : dims)
      for (int64_t k : dims)
        for (int64_t n : dims) check_mm({m, k}, {k, n});
    check_mm({3, 2, 7, 5}, {3, 2, 5, 4});
    check_mm({0, 7, 5}, {0, 5, 4});
    check_mm({64, 9, 11}, {64, 11, 13});  // many small products: one per thread
    check_mm({130, 300}, {300, 257});     // BLAS's threads
  }
  // Mixed signs: cancellation needs an absolute tolerance on the scale of the terms.
  Tensor a = random_tensor({70, 80}, f32, Range::SmallInt), b = random_tensor({80, 90}, f32);
  expect_close([&] { return prims::matmul(a, b); }, "matmul mixed signs", 1e-5, 1e-4);
}

struct ConvCase {
  Shape x, w;
  ConvParams p;
};

std::vector<ConvCase> conv_cases() {
  return {
      {{2, 3, 10}, {4, 3, 3}, {{1}, {1}, {0}, {0}, 1}},
      {{2, 4, 11}, {6, 2, 3}, {{2}, {2}, {1}, {3}, 2}},
      {{1, 3, 8, 9}, {5, 3, 3, 2}, {{1, 2}, {1, 1}, {1, 0}, {2, 1}, 1}},
      {{3, 6, 7, 7}, {6, 1, 3, 3}, {{1, 1}, {2, 2}, {2, 2}, {2, 2}, 6}},  // depthwise
      {{2, 4, 5, 6, 4}, {4, 2, 2, 3, 2}, {{1, 2, 1}, {1, 1, 2}, {0, 1, 1}, {1, 0, 2}, 2}},
      {{0, 3, 5, 5}, {2, 3, 3, 3}, {{1, 1}, {1, 1}, {0, 0}, {0, 0}, 1}},  // empty batch
      {{2, 3, 1}, {2, 3, 1}, {{1}, {1}, {0}, {0}, 1}},
      {{1, 2, 0}, {3, 2, 2}, {{1}, {1}, {1}, {1}, 1}},  // empty input, all padding
      {{8, 16, 20, 20}, {32, 16, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, {1, 1}, 1}},  // threads
      {{1, 8, 64, 64}, {8, 8, 5, 5}, {{1, 1}, {1, 1}, {2, 2}, {2, 2}, 1}},   // one big product
  };
}

TEST_F(CpuBackend, Conv) {
  for (DType d : {f32, f64, i32, i64, f16, bf16})
    for (const ConvCase& c : conv_cases()) {
      Range r = is_floating(d) ? Range::Positive : Range::SmallInt;
      Tensor x = random_tensor(c.x, d, r), w = random_tensor(c.w, d, r);
      std::string ctx = std::string("conv ") + name(d) + " " + to_string(c.x) + " " + to_string(c.w) + " " +
                        to_string(Params(c.p));
      if (is_floating(d)) expect_close([&] { return prims::conv(x, w, c.p); }, ctx, product_rtol(d), 1e-30);
      else expect_identical([&] { return prims::conv(x, w, c.p); }, ctx);
    }
}

// ---------------------------------------------------------------- gather, scatter_add

TEST_F(CpuBackend, GatherAndScatterAdd) {
  for (DType d : {f32, f64, i32, u8, bool_, f16})
    for (DType id : kInts)
      for (const Shape& s : {Shape{5}, Shape{4, 6}, Shape{3, 4, 5}, Shape{2, 0, 3}, Shape{300, 200}})
        for (size_t axis = 0; axis < s.size(); ++axis) {
          if (s[axis] == 0) continue;
          for (const Shape& is : {Shape{}, Shape{0}, Shape{7}, Shape{2, 3}, Shape{1000}}) {
            if ((id == u8 || id == i8) && s[axis] > 100) continue;
            Tensor x = random_tensor(s, d);
            Tensor idx = random_index(is, id, s[axis]);
            std::string ctx = std::string(name(d)) + " " + to_string(s) + " idx " + name(id) + to_string(is) +
                              " axis " + std::to_string(axis);
            expect_identical([&] { return prims::gather(x, idx, static_cast<int64_t>(axis)); }, "gather " + ctx);
            if (d == bool_) continue;
            Shape us(s.begin(), s.begin() + axis);
            for (int64_t v : is) us.push_back(v);
            for (size_t i = axis + 1; i < s.size(); ++i) us.push_back(s[i]);
            Tensor upd = random_tensor(us, d, Range::SmallInt);
            expect_identical([&] { return prims::scatter_add(x, idx, upd, static_cast<int64_t>(axis)); },
                             "scatter_add " + ctx);
          }
        }
}

}  // namespace

// ---------------------------------------------------------------- argsort
// Small integers give many ties (the stable order must agree), Range::Any adds NaN and infinities,
// 300 x 5000 rows run on several threads, and the sorted axis is first, middle or last.
namespace {
TEST_F(CpuBackend, ArgsortMatchesReference) {
  for (DType d : kAll)
    for (const Shape& s : {Shape{7}, Shape{0}, Shape{1}, Shape{4, 9}, Shape{3, 0, 2}, Shape{5, 6, 7}, Shape{300, 50},
                           Shape{2, 5000}})
      for (size_t axis = 0; axis < s.size(); ++axis)
        for (Range r : {Range::Any, Range::SmallInt})
          for (bool descending : {false, true}) {
            if (numel(s) > 10000 && (d != f32 || r != Range::SmallInt)) continue;
            Tensor x = random_tensor(s, d, r);
            std::string ctx = std::string("argsort ") + name(d) + " " + to_string(s) + " axis " + std::to_string(axis) +
                              (descending ? " descending" : " ascending");
            expect_identical([&] { return prims::argsort(x, static_cast<int64_t>(axis), descending); }, ctx);
          }
}
}  // namespace
