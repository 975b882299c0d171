// Core tests: dtype promotion, creation functions, data access, buffers, the backend registry,
// and every bad-input path of every primitive's shape rule (each must throw slope::Error
// whose message starts with "[<op>]", never crash or compute garbage).
#include <gtest/gtest.h>
#include <slope/slope.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using slope::AVal;
using slope::DType;
using slope::Params;
using slope::Prim;
using slope::Shape;
using slope::Tensor;

// Asserts that `stmt` throws slope::Error with a message starting with "[op]".
#define EXPECT_SLOPE_ERROR(stmt, op)                                                          \
  do {                                                                                        \
    try {                                                                                     \
      (void)(stmt);                                                                           \
      ADD_FAILURE() << #stmt << " did not throw";                                             \
    } catch (const slope::Error& e_) {                                                        \
      std::string what_(e_.what());                                                           \
      EXPECT_EQ(what_.rfind(std::string("[") + (op) + "]", 0), 0u)                            \
          << #stmt << " threw an error without the [" << (op) << "] prefix: " << what_;       \
    } catch (const std::exception& e_) {                                                      \
      ADD_FAILURE() << #stmt << " threw a non-slope exception: " << e_.what();                \
    }                                                                                         \
  } while (0)

// A zero-filled concrete tensor made without running any kernel (so the shape-rule tests
// exercise only the rules and the eval interpreter's checks).
Tensor Z(const Shape& shape, DType d = slope::f32) {
  return slope::tensor(std::vector<float>(static_cast<size_t>(slope::numel(shape)), 0.f), shape, d);
}
Tensor I(const std::vector<int64_t>& v, const Shape& shape, DType d = slope::i64) { return slope::tensor(v, shape, d); }

constexpr std::array<DType, 10> kAll = {slope::bool_, slope::u8, slope::i8, slope::i32, slope::i64,
                                        slope::u32, slope::f16, slope::bf16, slope::f32, slope::f64};

// ---------------------------------------------------------------------------------------------
// dtypes and promotion
// ---------------------------------------------------------------------------------------------

DType by_name(const char* n) { return slope::dtype_from_name(n); }

TEST(DTypes, NamesSizesCategories) {
  for (DType d : kAll) EXPECT_EQ(slope::dtype_from_name(slope::name(d)), d);
  EXPECT_EQ(slope::itemsize(slope::bool_), 1u);
  EXPECT_EQ(slope::itemsize(slope::bf16), 2u);
  EXPECT_EQ(slope::itemsize(slope::u32), 4u);
  EXPECT_EQ(slope::itemsize(slope::i64), 8u);
  EXPECT_TRUE(slope::is_floating(slope::bf16));
  EXPECT_FALSE(slope::is_floating(slope::i32));
  EXPECT_TRUE(slope::is_integral(slope::u32));
  EXPECT_FALSE(slope::is_integral(slope::bool_));
  EXPECT_FALSE(slope::is_signed(slope::u8));
  EXPECT_TRUE(slope::is_signed(slope::f16));
  EXPECT_SLOPE_ERROR(slope::dtype_from_name("float128"), "dtype");
}

// torch.promote_types for every pair of the dtypes PyTorch 1.13 shares with slope, printed by
//   for a in ts: print(' '.join(str(torch.promote_types(a, b)) for b in ts))
// with one documented deviation: u8 + i8 is i16 in PyTorch; slope has no i16 and gives i32,
// the next type that holds both (docs/dtypes.md).
TEST(DTypes, PromotionMatchesPyTorch) {
  const char* names[9] = {"bool", "u8", "i8", "i32", "i64", "f16", "bf16", "f32", "f64"};
  const char* table[9][9] = {
      {"bool", "u8", "i8", "i32", "i64", "f16", "bf16", "f32", "f64"},
      {"u8", "u8", "i32" /* torch: i16 */, "i32", "i64", "f16", "bf16", "f32", "f64"},
      {"i8", "i32" /* torch: i16 */, "i8", "i32", "i64", "f16", "bf16", "f32", "f64"},
      {"i32", "i32", "i32", "i32", "i64", "f16", "bf16", "f32", "f64"},
      {"i64", "i64", "i64", "i64", "i64", "f16", "bf16", "f32", "f64"},
      {"f16", "f16", "f16", "f16", "f16", "f16", "f32", "f32", "f64"},
      {"bf16", "bf16", "bf16", "bf16", "bf16", "f32", "bf16", "f32", "f64"},
      {"f32", "f32", "f32", "f32", "f32", "f32", "f32", "f32", "f64"},
      {"f64", "f64", "f64", "f64", "f64", "f64", "f64", "f64", "f64"},
  };
  for (int a = 0; a < 9; ++a)
    for (int b = 0; b < 9; ++b)
      EXPECT_EQ(slope::promote_types(by_name(names[a]), by_name(names[b])), by_name(table[a][b]))
          << names[a] << " + " << names[b];
}

// u32 (PRNG keys and bits) is not in PyTorch 1.13; slope follows NumPy: the smallest type that
// holds both, so u32 with a signed type of <= 32 bits meets in i64.
TEST(DTypes, PromotionOfU32FollowsNumPy) {
  using namespace slope;
  EXPECT_EQ(promote_types(u32, u32), u32);
  EXPECT_EQ(promote_types(u32, bool_), u32);
  EXPECT_EQ(promote_types(u32, u8), u32);
  EXPECT_EQ(promote_types(u32, i8), i64);
  EXPECT_EQ(promote_types(u32, i32), i64);
  EXPECT_EQ(promote_types(u32, i64), i64);
  EXPECT_EQ(promote_types(u32, f16), f16);
  EXPECT_EQ(promote_types(u32, bf16), bf16);
  EXPECT_EQ(promote_types(u32, f32), f32);
  EXPECT_EQ(promote_types(u32, f64), f64);
}

TEST(DTypes, PromotionIsSymmetric) {
  for (DType a : kAll)
    for (DType b : kAll) EXPECT_EQ(slope::promote_types(a, b), slope::promote_types(b, a)) << a << " " << b;
}

// A C++ scalar only lifts the category: PyTorch's "wrapped number" rule.
TEST(DTypes, WeakScalars) {
  using slope::ScalarKind;
  using namespace slope;
  for (DType d : kAll) {
    EXPECT_EQ(promote_with_scalar(d, ScalarKind::Bool), d);
    EXPECT_EQ(promote_with_scalar(d, ScalarKind::Int), d == bool_ ? i64 : d);
    EXPECT_EQ(promote_with_scalar(d, ScalarKind::Float), is_floating(d) ? d : f32);
  }
  EXPECT_EQ(Scalar(3).kind, ScalarKind::Int);
  EXPECT_EQ(Scalar(3.5).kind, ScalarKind::Float);
  EXPECT_EQ(Scalar(2.5f).kind, ScalarKind::Float);
  EXPECT_EQ(Scalar(true).kind, ScalarKind::Bool);
  EXPECT_EQ(Scalar(int64_t{1} << 40).i, int64_t{1} << 40);
  // Scalar::to converts like cast(): float -> int saturates, NaN -> 0.
  EXPECT_EQ(Scalar(1e20).to<int32_t>(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(Scalar(-1e20).to<int8_t>(), std::numeric_limits<int8_t>::min());
  EXPECT_EQ(Scalar(std::nan("")).to<int64_t>(), 0);
  EXPECT_EQ(Scalar(2.75).to<int32_t>(), 2);
  EXPECT_EQ(Scalar(300).to<uint8_t>(), 44);  // integers wrap, like a C++ / PyTorch cast
}

// The operators apply those rules; every expectation here was checked against PyTorch 1.13
// (torch.ones(2, dtype=...) op scalar / 0-d tensor).
TEST(DTypes, OperatorsFollowPyTorch) {
  using namespace slope;
  EXPECT_EQ((ones({2}, i32) * 1.5).dtype(), f32);
  EXPECT_EQ((ones({2}, f16) * 2.5).dtype(), f16);
  EXPECT_EQ((ones({2}, bool_) + 1).dtype(), i64);
  EXPECT_EQ((ones({2}, bool_) * 1.5).dtype(), f32);
  EXPECT_EQ((2 * ones({2}, i8)).dtype(), i8);
  EXPECT_EQ((ones({2}, i32) / 2).dtype(), f32);  // true division
  EXPECT_EQ((ones({2}, i64) < 2.5).dtype(), bool_);
  Tensor wrapped = ones({2}, u8) + 300;  // the scalar converts to u8 and wraps, like PyTorch
  EXPECT_EQ(wrapped.dtype(), u8);
  EXPECT_EQ(wrapped.to_vector<int32_t>(), (std::vector<int32_t>{45, 45}));
  // A 0-d tensor only counts when it lifts the category.
  EXPECT_EQ((ones({2}, i32) + tensor(5)).dtype(), i32);
  EXPECT_EQ((ones({2}, i32) + tensor(0.5, f64)).dtype(), f64);
  EXPECT_EQ((ones({2}, f16) * tensor(0.5)).dtype(), f16);
  EXPECT_EQ((ones({2}, bool_) + tensor(3, i8)).dtype(), i8);
  EXPECT_EQ((tensor(1, i32) + tensor(1.0, f64)).dtype(), f64);
  // Two tensors with dims use the table (u8 + i8 is i32 in slope, i16 in PyTorch).
  EXPECT_EQ((ones({2}, i8) + ones({2}, u8)).dtype(), i32);
  EXPECT_EQ((ones({2}, f16) + ones({2}, bf16)).dtype(), f32);
  EXPECT_EQ((ones({2}, u32) + ones({2}, i32)).dtype(), i64);
}

// ---------------------------------------------------------------------------------------------
// creation
// ---------------------------------------------------------------------------------------------

TEST(Creation, TensorFromNestedLists) {
  Tensor a = slope::tensor({1.f, 2.f, 3.f});
  EXPECT_EQ(a.shape(), (Shape{3}));
  EXPECT_EQ(a.dtype(), slope::f32);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 2, 3}));

  Tensor b = slope::tensor({{1, 2, 3}, {4, 5, 6}});  // int literals are i64, like Python ints
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.dtype(), slope::i64);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  Tensor c = slope::tensor({{{1.0, 2.0}}, {{3.0, 4.0}}});  // double literals are f32, like Python floats
  EXPECT_EQ(c.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(c.dtype(), slope::f32);

  Tensor d = slope::tensor({true, false, true});
  EXPECT_EQ(d.dtype(), slope::bool_);
  EXPECT_EQ(d.to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 1}));

  Tensor e = slope::tensor({1, 2}, slope::f64);
  EXPECT_EQ(e.dtype(), slope::f64);
  EXPECT_EQ(e.to_vector<double>(), (std::vector<double>{1, 2}));

  Tensor s = slope::tensor(2.5);
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.dtype(), slope::f32);
  EXPECT_EQ(s.item<float>(), 2.5f);
  EXPECT_EQ(slope::tensor(7).dtype(), slope::i64);
  EXPECT_EQ(slope::tensor(true).dtype(), slope::bool_);

  EXPECT_SLOPE_ERROR(slope::tensor({{1, 2}, {3}}), "tensor");
  EXPECT_SLOPE_ERROR(slope::tensor({{{1, 2}}, {{3}}}), "tensor");
}

TEST(Creation, TensorFromVectorAndShape) {
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  Tensor t = slope::tensor(v, {3, 2});
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.to_vector<float>(), v);
  Tensor h = slope::tensor(v, {6}, slope::f16);
  EXPECT_EQ(h.dtype(), slope::f16);
  EXPECT_EQ(h.to_vector<float>(), v);
  Tensor bits = slope::tensor(std::vector<uint32_t>{0u, 0xffffffffu}, {2});
  EXPECT_EQ(bits.dtype(), slope::u32);
  EXPECT_EQ(bits.to_vector<uint32_t>()[1], 0xffffffffu);
  Tensor empty = slope::tensor(std::vector<float>{}, {0, 3});
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_TRUE(empty.to_vector<float>().empty());
  std::vector<bool> mask{true, false};
  EXPECT_EQ(slope::tensor(mask, {2}).dtype(), slope::bool_);

  EXPECT_SLOPE_ERROR(slope::tensor(v, {4, 2}), "tensor");
  EXPECT_SLOPE_ERROR(slope::tensor(v, {-6}), "tensor");
  EXPECT_SLOPE_ERROR(slope::tensor(v, {-1, -6}), "tensor");
}

TEST(Creation, FromBytes) {
  float raw[4] = {1, 2, 3, 4};
  Tensor t = slope::from_bytes(raw, {2, 2}, slope::f32);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  uint8_t junk[3] = {0, 7, 255};  // untrusted bytes become valid bools
  EXPECT_EQ(slope::from_bytes(junk, {3}, slope::bool_).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 1}));
  EXPECT_SLOPE_ERROR(slope::from_bytes(raw, {-1}, slope::f32), "from_bytes");
}

TEST(Creation, FullZerosOnes) {
  Tensor z = slope::zeros({2, 3});
  EXPECT_EQ(z.dtype(), slope::f32);
  EXPECT_EQ(z.to_vector<float>(), std::vector<float>(6, 0.f));
  Tensor o = slope::ones({4}, slope::i32);
  EXPECT_EQ(o.dtype(), slope::i32);
  EXPECT_EQ(o.to_vector<int32_t>(), std::vector<int32_t>(4, 1));
  EXPECT_EQ(slope::full({2}, 2.5).dtype(), slope::f32);
  EXPECT_EQ(slope::full({2}, 3).dtype(), slope::i64);
  EXPECT_EQ(slope::full({2}, true).dtype(), slope::bool_);
  EXPECT_EQ(slope::full({3}, -1.5, slope::bf16).to_vector<float>(), std::vector<float>(3, -1.5f));
  EXPECT_EQ(slope::full({2}, 1e10, slope::i32).to_vector<int32_t>()[0], std::numeric_limits<int32_t>::max());
  EXPECT_EQ(slope::full({}, 4).shape(), Shape{});
  EXPECT_EQ(slope::zeros({0, 5}).numel(), 0);
  EXPECT_SLOPE_ERROR(slope::full({2, -1}, 1.0), "full");
  EXPECT_SLOPE_ERROR(slope::zeros({-3}), "zeros");  // the op the user called, not the full inside it
}

TEST(Creation, Like) {
  Tensor x = slope::ones({2, 3}, slope::f64);
  Tensor a = slope::zeros_like(x);
  EXPECT_EQ(a.shape(), x.shape());
  EXPECT_EQ(a.dtype(), slope::f64);
  EXPECT_EQ(slope::ones_like(x, slope::i8).dtype(), slope::i8);
  EXPECT_EQ(slope::ones_like(x).to_vector<double>(), std::vector<double>(6, 1.0));
  Tensor f = slope::full_like(x, 7);
  EXPECT_EQ(f.dtype(), slope::f64);  // the value does not change the dtype of *_like
  EXPECT_EQ(f.to_vector<double>(), std::vector<double>(6, 7.0));
  EXPECT_SLOPE_ERROR(slope::zeros_like(Tensor()), "zeros_like");
}

TEST(Creation, Arange) {
  Tensor a = slope::arange(5);
  EXPECT_EQ(a.dtype(), slope::i64);
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  Tensor b = slope::arange(0., 1., 0.25);
  EXPECT_EQ(b.dtype(), slope::f32);
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(slope::arange(5, 0, -2).to_vector<int64_t>(), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(slope::arange(2, 9, 3).to_vector<int64_t>(), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(slope::arange(3, 3).numel(), 0);
  EXPECT_EQ(slope::arange(4, slope::f64).to_vector<double>(), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(slope::arange(1., 2., 0.3).numel(), 4);  // ceil((2 - 1) / 0.3)
  EXPECT_SLOPE_ERROR(slope::arange(0, 5, 0), "arange");
  EXPECT_SLOPE_ERROR(slope::arange(0., std::numeric_limits<double>::infinity(), 1.), "arange");
  EXPECT_SLOPE_ERROR(slope::arange(0., 1., std::nan("")), "arange");
  EXPECT_SLOPE_ERROR(slope::arange(0., 1e300, 1e-300), "arange");
  EXPECT_SLOPE_ERROR(slope::arange(3, slope::bool_), "arange");
}

TEST(Creation, Linspace) {
  Tensor a = slope::linspace(0, 1, 5);
  EXPECT_EQ(a.dtype(), slope::f32);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1}));
  // Both ends exact, like torch.linspace.
  std::vector<double> b = slope::linspace(-1.3, 2.9, 7, slope::f64).to_vector<double>();
  EXPECT_EQ(b.front(), -1.3);
  EXPECT_EQ(b.back(), 2.9);
  EXPECT_NEAR(b[3], 0.8, 1e-15);
  EXPECT_EQ(slope::linspace(3, 4, 1).to_vector<float>(), (std::vector<float>{3}));
  EXPECT_EQ(slope::linspace(3, 4, 0).numel(), 0);
  EXPECT_SLOPE_ERROR(slope::linspace(0, 1, -1), "linspace");
  EXPECT_SLOPE_ERROR(slope::linspace(0, 1, 3, slope::i32), "linspace");
}

TEST(Creation, Eye) {
  EXPECT_EQ(slope::eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  Tensor r = slope::eye(2, 3, slope::i32);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(slope::eye(0).numel(), 0);
  EXPECT_SLOPE_ERROR(slope::eye(-1), "eye");
  EXPECT_SLOPE_ERROR(slope::eye(2, -2), "eye");
}

TEST(Creation, ScalarConstructors) {
  EXPECT_EQ(Tensor(1.5f).dtype(), slope::f32);
  EXPECT_EQ(Tensor(1.5).dtype(), slope::f32);
  EXPECT_EQ(Tensor(3).dtype(), slope::i64);
  EXPECT_EQ(Tensor(int64_t{3}).dtype(), slope::i64);
  EXPECT_EQ(Tensor(true).dtype(), slope::bool_);
  EXPECT_EQ(Tensor(-2).item<int64_t>(), -2);
}

// ---------------------------------------------------------------------------------------------
// data access
// ---------------------------------------------------------------------------------------------

TEST(DataAccess, ItemAndToVectorConvert) {
  Tensor t = slope::tensor({1.75f, -2.5f, 1e10f, std::nanf("")});
  EXPECT_EQ(t.to_vector<int32_t>(), (std::vector<int32_t>{1, -2, std::numeric_limits<int32_t>::max(), 0}));
  EXPECT_EQ(t.to_vector<bool>(), (std::vector<bool>{true, true, true, true}));
  EXPECT_EQ(slope::tensor({300}, slope::i32).to_vector<uint8_t>()[0], 44);
  EXPECT_EQ(slope::tensor({{7}}).item<double>(), 7.0);
  EXPECT_EQ(slope::tensor(std::vector<float>{0.1f}, {1, 1, 1}).item<float>(), 0.1f);
  EXPECT_EQ(slope::tensor({0.1}, slope::bf16).item<float>(), static_cast<float>(slope::bfloat16(0.1f)));
  EXPECT_SLOPE_ERROR(t.item<float>(), "item");
  EXPECT_SLOPE_ERROR(slope::zeros({0}).item<float>(), "item");
}

TEST(DataAccess, EmptyHandle) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_SLOPE_ERROR(t.shape(), "tensor");
  EXPECT_SLOPE_ERROR(t.dtype(), "tensor");
  EXPECT_SLOPE_ERROR(t.numel(), "tensor");
  EXPECT_SLOPE_ERROR(t.data(), "tensor");
  EXPECT_SLOPE_ERROR(t.item<float>(), "item");
  EXPECT_SLOPE_ERROR(t.to_vector<float>(), "to_vector");
}

TEST(DataAccess, ShapeAxis) {
  Tensor t = Z({2, 3, 4});
  EXPECT_EQ(t.shape(-1), 4);
  EXPECT_EQ(t.shape(0), 2);
  EXPECT_EQ(t.ndim(), 3);
  EXPECT_SLOPE_ERROR(t.shape(3), "shape");
  EXPECT_SLOPE_ERROR(t.shape(-4), "shape");
}

// ---------------------------------------------------------------------------------------------
// shape helpers
// ---------------------------------------------------------------------------------------------

TEST(ShapeHelpers, AxesAndBroadcasting) {
  EXPECT_EQ(slope::normalize_axis("op", -1, 3), 2);
  EXPECT_SLOPE_ERROR(slope::normalize_axis("myop", 3, 3), "myop");
  EXPECT_SLOPE_ERROR(slope::normalize_axis("myop", 0, 0), "myop");
  EXPECT_EQ(slope::normalize_axes("op", {-1, 0}, 3, false), (slope::Axes{0, 2}));
  EXPECT_EQ(slope::normalize_axes("op", {}, 3, true), (slope::Axes{0, 1, 2}));
  EXPECT_TRUE(slope::normalize_axes("op", {}, 3, false).empty());
  EXPECT_SLOPE_ERROR(slope::normalize_axes("myop", {1, -2}, 3, false), "myop");
  EXPECT_EQ(slope::broadcast_shapes("op", {2, 1, 3}, {4, 1}), (Shape{2, 4, 3}));
  EXPECT_EQ(slope::broadcast_shapes("op", {}, {0, 1}), (Shape{0, 1}));
  EXPECT_SLOPE_ERROR(slope::broadcast_shapes("myop", {2, 3}, {4}), "myop");
  EXPECT_EQ(slope::contiguous_strides({2, 3, 4}), (Shape{12, 4, 1}));
  EXPECT_EQ(slope::to_string(Shape{2, 3}), "[2, 3]");
  EXPECT_EQ(slope::to_string(AVal{{2}, slope::u32}), "[2] u32");
}

// ---------------------------------------------------------------------------------------------
// buffers
// ---------------------------------------------------------------------------------------------

TEST(Buffers, AlignedAndLargeBlocksAreReused) {
  auto small = slope::Buffer::allocate(3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small->data()) % 64, 0u);
  EXPECT_EQ(small->nbytes(), 3u);
  auto zero = slope::Buffer::allocate(0);  // a valid, empty buffer
  EXPECT_EQ(zero->nbytes(), 0u);

  slope::Buffer::release_cached();
  EXPECT_EQ(slope::Buffer::cached_bytes(), 0u);
  constexpr size_t kBig = size_t(4) << 20;
  auto big = slope::Buffer::allocate(kBig);
  void* where = big->data();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(where) % 64, 0u);
  big.reset();
  EXPECT_GE(slope::Buffer::cached_bytes(), kBig);
  auto again = slope::Buffer::allocate(kBig - 1000);  // a slightly smaller request reuses the block
  EXPECT_EQ(again->data(), where);
  EXPECT_EQ(again->nbytes(), kBig - 1000);
  EXPECT_EQ(slope::Buffer::cached_bytes(), 0u);
  again.reset();
  slope::Buffer::release_cached();
  EXPECT_EQ(slope::Buffer::cached_bytes(), 0u);
}

TEST(Buffers, TensorMemoryIsRecycled) {
  slope::Buffer::release_cached();
  const void* first;
  {
    Tensor t = slope::zeros({1 << 20});  // 4 MiB
    first = t.data();
  }
  Tensor u = slope::zeros({1 << 20});
  EXPECT_EQ(u.data(), first);
  EXPECT_EQ(u.to_vector<float>()[12345], 0.f);  // recycled memory is still filled correctly
}

// ---------------------------------------------------------------------------------------------
// backends
// ---------------------------------------------------------------------------------------------

// A backend that counts what it runs and delegates to the reference kernels: what a partial
// backend looks like (docs/adding_a_backend.md).
class CountingBackend final : public slope::Backend {
 public:
  static inline int runs = 0;
  std::string name() const override { return "counting"; }
  bool supports(Prim p, const Params&) const override { return p != Prim::arange; }
  void run(Prim p, const Params& params, std::span<const Tensor> in, std::span<const AVal> out_avals,
           std::span<Tensor> out) override {
    ++runs;
    slope::get_backend("reference").run(p, params, in, out_avals, out);
  }
};

TEST(Backends, Registry) {
  std::vector<std::string> names = slope::backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "reference"), names.end());
  EXPECT_EQ(slope::get_backend("reference").name(), "reference");
  EXPECT_SLOPE_ERROR(slope::get_backend("no-such-backend"), "backend");
  EXPECT_SLOPE_ERROR(slope::set_backend("no-such-backend"), "backend");
  EXPECT_SLOPE_ERROR(slope::BackendScope("no-such-backend"), "backend");
#ifdef SLOPE_TEST_HAVE_CPU
  EXPECT_EQ(slope::get_backend("cpu").name(), "cpu");
#endif
}

TEST(Backends, ScopeSwitchesAndRestores) {
  std::string outer = slope::default_backend().name();
  {
    slope::BackendScope s("reference");
    EXPECT_EQ(slope::default_backend().name(), "reference");
    EXPECT_EQ(slope::ones({2}).to_vector<float>(), (std::vector<float>{1, 1}));
  }
  EXPECT_EQ(slope::default_backend().name(), outer);
  try {
    slope::BackendScope s("reference");
    throw slope::Error("[test] leaving the scope by an exception");
  } catch (const slope::Error&) {
  }
  EXPECT_EQ(slope::default_backend().name(), outer);
}

TEST(Backends, RegisteredBackendRunsAndFallsBack) {
  slope::register_backend("counting", [] { return std::make_unique<CountingBackend>(); });
  CountingBackend::runs = 0;
  {
    slope::BackendScope s("counting");
    EXPECT_EQ(slope::full({3}, 2.0).to_vector<float>(), (std::vector<float>{2, 2, 2}));
    EXPECT_EQ(CountingBackend::runs, 1);
    // arange is not supported by this backend: the reference backend runs it instead.
    EXPECT_EQ(slope::arange(3).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(CountingBackend::runs, 1);
  }
  slope::full({3}, 2.0);
  EXPECT_EQ(CountingBackend::runs, 1);  // the scope ended
}

TEST(Backends, PrimitiveTables) {
  EXPECT_EQ(slope::kNumPrimitives, 42);
  EXPECT_STREQ(slope::name(Prim::atan2), "atan2");
  EXPECT_EQ(slope::family(Prim::atan2), slope::Family::binary);
  EXPECT_STREQ(slope::name(Prim::argsort), "argsort");
  EXPECT_EQ(slope::family(Prim::argsort), slope::Family::general);
  EXPECT_STREQ(slope::name(Prim::argmax), "argmax");
  EXPECT_STREQ(slope::name(Prim::add), "add");
  EXPECT_STREQ(slope::name(Prim::scatter_add), "scatter_add");
  EXPECT_EQ(slope::family(Prim::where), slope::Family::ternary);
  EXPECT_EQ(slope::family(Prim::threefry), slope::Family::general);
  EXPECT_EQ(slope::to_string(Params{slope::AxesParams{{0, 1}}}), "axes=[0, 1]");
  EXPECT_EQ(slope::to_string(Params{slope::CastParams{slope::bf16}}), "dtype=bf16");
  EXPECT_EQ(slope::family(Prim::argsort), slope::Family::general);
  EXPECT_EQ(slope::to_string(Params{slope::SortParams{1, true}}), "axis=1, descending=true");
}

// ---------------------------------------------------------------------------------------------
// every bad input of every primitive's shape rule
// ---------------------------------------------------------------------------------------------

Tensor b1(Prim p, std::initializer_list<Tensor> in, const Params& params = slope::NoParams{}) {
  return slope::bind1(p, in, params);
}

TEST(PrimitiveErrors, Unary) {
  Tensor f = Z({2, 3}), i = Z({2, 3}, slope::i32), b = Z({2}, slope::bool_);
  for (Prim p : {Prim::neg, Prim::exp, Prim::log, Prim::sin, Prim::sqrt, Prim::tanh, Prim::erf, Prim::floor,
                 Prim::logical_not, Prim::stop_gradient}) {
    EXPECT_SLOPE_ERROR(b1(p, {}), slope::name(p));
    EXPECT_SLOPE_ERROR(b1(p, {f, f}), slope::name(p));
  }
  for (Prim p : {Prim::exp, Prim::log, Prim::sin, Prim::sqrt, Prim::tanh, Prim::erf}) {
    EXPECT_SLOPE_ERROR(b1(p, {i}), slope::name(p));
    EXPECT_SLOPE_ERROR(b1(p, {b}), slope::name(p));
  }
  EXPECT_SLOPE_ERROR(slope::prims::neg(b), "neg");
  EXPECT_SLOPE_ERROR(slope::prims::logical_not(f), "logical_not");
  EXPECT_SLOPE_ERROR(slope::prims::logical_not(i), "logical_not");
  EXPECT_SLOPE_ERROR(b1(Prim::cast, {f}), "cast");  // no dtype given
  EXPECT_SLOPE_ERROR(b1(Prim::cast, {f}, slope::AxesParams{{0}}), "cast");
  EXPECT_SLOPE_ERROR(b1(Prim::cast, {f, f}, slope::CastParams{slope::i32}), "cast");
  EXPECT_SLOPE_ERROR(b1(Prim::cast, {}, slope::CastParams{slope::i32}), "cast");
}

TEST(PrimitiveErrors, BinaryAndWhere) {
  Tensor a = Z({2, 3}), c = Z({3, 2}), row = Z({1, 3}), i = Z({2, 3}, slope::i32);
  for (Prim p : {Prim::add, Prim::sub, Prim::mul, Prim::div, Prim::pow, Prim::maximum, Prim::equal, Prim::less,
                 Prim::greater, Prim::atan2}) {
    const char* op = slope::name(p);
    EXPECT_SLOPE_ERROR(b1(p, {a}), op);
    EXPECT_SLOPE_ERROR(b1(p, {a, a, a}), op);
    EXPECT_SLOPE_ERROR(b1(p, {a, c}), op);    // shapes differ
    EXPECT_SLOPE_ERROR(b1(p, {a, row}), op);  // primitives do not broadcast
    EXPECT_SLOPE_ERROR(b1(p, {a, i}), op);    // primitives do not promote
  }
  EXPECT_SLOPE_ERROR(slope::prims::atan2(i, i), "atan2");  // float only
  EXPECT_SLOPE_ERROR(slope::prims::atan2(Z({2}, slope::bool_), Z({2}, slope::bool_)), "atan2");
  Tensor cond = Z({2, 3}, slope::bool_);
  EXPECT_SLOPE_ERROR(slope::prims::where(a, a, a), "where");  // condition must be bool
  EXPECT_SLOPE_ERROR(slope::prims::where(cond, a, c), "where");
  EXPECT_SLOPE_ERROR(slope::prims::where(Z({3, 2}, slope::bool_), a, a), "where");
  EXPECT_SLOPE_ERROR(slope::prims::where(cond, a, i), "where");
  EXPECT_SLOPE_ERROR(b1(Prim::where, {cond, a}), "where");
}

TEST(PrimitiveErrors, IntegerDivisionByZero) {
  for (DType d : {slope::u8, slope::i8, slope::i32, slope::i64, slope::u32}) {
    Tensor num = slope::tensor({6, 4, 2}, d), den = slope::tensor({3, 0, 1}, d);
    EXPECT_SLOPE_ERROR(slope::prims::div(num, den), "div");
  }
  // Float division by zero is IEEE arithmetic, not an error.
  Tensor q = slope::prims::div(slope::tensor({1.f, -1.f, 0.f}), Z({3}));
  std::vector<float> v = q.to_vector<float>();
  EXPECT_TRUE(std::isinf(v[0]) && v[0] > 0);
  EXPECT_TRUE(std::isinf(v[1]) && v[1] < 0);
  EXPECT_TRUE(std::isnan(v[2]));
}

TEST(PrimitiveErrors, Reductions) {
  Tensor x = Z({2, 3});
  for (Prim p : {Prim::sum, Prim::max}) {
    const char* op = slope::name(p);
    auto red = [&](slope::Axes axes) { return b1(p, {x}, slope::AxesParams{axes}); };
    EXPECT_SLOPE_ERROR(red({1, 0}), op);   // not sorted
    EXPECT_SLOPE_ERROR(red({0, 0}), op);   // repeated
    EXPECT_SLOPE_ERROR(red({2}), op);      // out of range
    EXPECT_SLOPE_ERROR(red({-1}), op);     // primitives take normalised axes
    EXPECT_SLOPE_ERROR(b1(p, {x}), op);    // no axes parameter
    EXPECT_SLOPE_ERROR(b1(p, {x}, slope::ShapeParams{{0}}), op);
    EXPECT_SLOPE_ERROR(b1(p, {x, x}, slope::AxesParams{{0}}), op);
  }
  EXPECT_SLOPE_ERROR(slope::prims::max(Z({2, 0}), {1}), "max");
  EXPECT_SLOPE_ERROR(slope::prims::max(Z({0}), {0}), "max");
  EXPECT_EQ(slope::prims::sum(Z({2, 0}), {1}).to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(slope::prims::sum(Z({2}, slope::u8), {0}).dtype(), slope::i64);  // integer sums are int64
  // argmax(x; axis): one axis, in range, not empty.
  EXPECT_SLOPE_ERROR(slope::prims::argmax(x, 2), "argmax");
  EXPECT_SLOPE_ERROR(slope::prims::argmax(x, -1), "argmax");
  EXPECT_SLOPE_ERROR(slope::prims::argmax(Z({2, 0}), 1), "argmax");
  EXPECT_SLOPE_ERROR(slope::prims::argmax(Z({}), 0), "argmax");
  EXPECT_SLOPE_ERROR(b1(Prim::argmax, {x}, slope::AxesParams{{0}}), "argmax");
  EXPECT_SLOPE_ERROR(b1(Prim::argmax, {x, x}, slope::AxisParams{0}), "argmax");
  EXPECT_EQ(slope::prims::argmax(x, 0).aval(), (AVal{{3}, slope::i64}));
}

TEST(PrimitiveErrors, ReshapeExpandPermute) {
  Tensor x = Z({2, 3});
  EXPECT_SLOPE_ERROR(slope::prims::reshape(x, {4, 2}), "reshape");
  EXPECT_SLOPE_ERROR(slope::prims::reshape(x, {-1, 6}), "reshape");  // -1 is inferred by the procedure, not here
  EXPECT_SLOPE_ERROR(slope::prims::reshape(x, {-2, -3}), "reshape");
  EXPECT_SLOPE_ERROR(b1(Prim::reshape, {x}, slope::AxesParams{{6}}), "reshape");
  EXPECT_SLOPE_ERROR(b1(Prim::reshape, {}, slope::ShapeParams{{6}}), "reshape");

  EXPECT_SLOPE_ERROR(slope::prims::expand(x, {4, 3}), "expand");     // 2 -> 4
  EXPECT_SLOPE_ERROR(slope::prims::expand(x, {1, 2, 3}), "expand");  // rank changes
  EXPECT_SLOPE_ERROR(slope::prims::expand(Z({1, 3}), {-1, 3}), "expand");
  EXPECT_SLOPE_ERROR(b1(Prim::expand, {x}), "expand");

  EXPECT_SLOPE_ERROR(slope::prims::permute(x, {0}), "permute");
  EXPECT_SLOPE_ERROR(slope::prims::permute(x, {0, 0}), "permute");
  EXPECT_SLOPE_ERROR(slope::prims::permute(x, {0, 2}), "permute");
  EXPECT_SLOPE_ERROR(slope::prims::permute(x, {-1, 0}), "permute");
  EXPECT_SLOPE_ERROR(slope::prims::permute(x, {1, 0, 2}), "permute");
  EXPECT_SLOPE_ERROR(b1(Prim::permute, {x}, slope::ShapeParams{{1, 0}}), "permute");
}

TEST(PrimitiveErrors, PadSliceFlip) {
  Tensor x = Z({2, 3});
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {1}, {1, 1}, {0, 0}, 0.0), "pad");
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {1, 1}, {1}, {0, 0}, 0.0), "pad");
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {1, 1}, {1, 1}, {0}, 0.0), "pad");
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {-1, 0}, {0, 0}, {0, 0}, 0.0), "pad");  // use slice to crop
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {0, 0}, {0, -1}, {0, 0}, 0.0), "pad");
  EXPECT_SLOPE_ERROR(slope::prims::pad(x, {0, 0}, {0, 0}, {-1, 0}, 0.0), "pad");
  EXPECT_SLOPE_ERROR(b1(Prim::pad, {x}, slope::SliceParams{{0, 0}, {2, 3}, {1, 1}}), "pad");

  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0}, {2, 3}, {1, 1}), "slice");
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0, 0}, {2}, {1, 1}), "slice");
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0, 0}, {2, 3}, {1}), "slice");
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {-1, 0}, {2, 3}, {1, 1}), "slice");  // negative start
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {2, 0}, {1, 3}, {1, 1}), "slice");   // start > stop
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0, 0}, {3, 3}, {1, 1}), "slice");   // stop > dim
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0, 0}, {2, 3}, {0, 1}), "slice");   // step 0
  EXPECT_SLOPE_ERROR(slope::prims::slice(x, {0, 0}, {2, 3}, {1, -1}), "slice");  // negative step: use flip
  EXPECT_SLOPE_ERROR(b1(Prim::slice, {x}, slope::PadParams{{0, 0}, {0, 0}, {0, 0}, 0.0}), "slice");

  EXPECT_SLOPE_ERROR(slope::prims::flip(x, {2}), "flip");
  EXPECT_SLOPE_ERROR(slope::prims::flip(x, {1, 0}), "flip");
  EXPECT_SLOPE_ERROR(slope::prims::flip(x, {0, 0}), "flip");
  EXPECT_SLOPE_ERROR(slope::prims::flip(x, {-1}), "flip");
  EXPECT_SLOPE_ERROR(b1(Prim::flip, {x}), "flip");
}

TEST(PrimitiveErrors, Cat) {
  Tensor a = Z({2, 3}), b = Z({4, 3});
  EXPECT_SLOPE_ERROR(slope::prims::cat({}, 0), "cat");
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, b}, 1), "cat");   // dim 0 differs and is not the axis
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, b}, 2), "cat");   // axis out of range
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, b}, -1), "cat");  // primitives take normalised axes
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, Z({2, 3}, slope::f64)}, 0), "cat");
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, Z({2, 3, 1})}, 0), "cat");
  EXPECT_SLOPE_ERROR(slope::prims::cat({a, Z({3})}, 0), "cat");
  EXPECT_SLOPE_ERROR(slope::prims::cat({Z({})}, 0), "cat");  // a 0-d tensor has no axis
  EXPECT_SLOPE_ERROR(b1(Prim::cat, {a, b}), "cat");
  EXPECT_EQ(slope::prims::cat({a, b}, 0).shape(), (Shape{6, 3}));
}

TEST(PrimitiveErrors, FullArange) {
  using slope::FullParams;
  EXPECT_SLOPE_ERROR(slope::prims::full({2, -1}, 0.0, slope::f32), "full");
  EXPECT_SLOPE_ERROR(b1(Prim::full, {Z({2})}, FullParams{{2}, slope::f32, 1.0}), "full");
  EXPECT_SLOPE_ERROR(b1(Prim::full, {}, slope::ShapeParams{{2}}), "full");
  EXPECT_SLOPE_ERROR(slope::prims::arange(-1, 0, 1, slope::i64), "arange");
  EXPECT_SLOPE_ERROR(slope::prims::arange(3, 0, 1, slope::bool_), "arange");
  EXPECT_SLOPE_ERROR(b1(Prim::arange, {}, FullParams{{2}, slope::f32, 1.0}), "arange");
  EXPECT_SLOPE_ERROR(b1(Prim::arange, {Z({2})}, slope::ArangeParams{2, 0, 1, slope::i64}), "arange");
}

TEST(PrimitiveErrors, Threefry) {
  Tensor key = slope::tensor(std::vector<uint32_t>{1, 2}, {2});
  Tensor counts = slope::tensor(std::vector<uint32_t>{0, 1, 2}, {3});
  EXPECT_SLOPE_ERROR(slope::prims::threefry(Z({2}, slope::i32), counts), "threefry");  // key dtype
  EXPECT_SLOPE_ERROR(slope::prims::threefry(Z({3}, slope::u32), counts), "threefry");  // key shape
  EXPECT_SLOPE_ERROR(slope::prims::threefry(Z({1, 2}, slope::u32), counts), "threefry");
  EXPECT_SLOPE_ERROR(slope::prims::threefry(key, Z({3}, slope::i64)), "threefry");     // counts dtype
  EXPECT_SLOPE_ERROR(b1(Prim::threefry, {key}), "threefry");
  EXPECT_EQ(slope::prims::threefry(key, counts).dtype(), slope::u32);
}

TEST(PrimitiveErrors, Matmul) {
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({3}), Z({3})), "matmul");              // rank 1: the procedure handles it
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({2, 3}), Z({2, 3, 4})), "matmul");     // ranks differ
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({2, 3}), Z({4, 5})), "matmul");        // inner dims
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({2, 2, 3}), Z({3, 3, 4})), "matmul");  // batch dims differ
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({1, 2, 3}), Z({3, 3, 4})), "matmul");  // no broadcasting in the primitive
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({2, 3}), Z({3, 4}, slope::f64)), "matmul");
  EXPECT_SLOPE_ERROR(slope::prims::matmul(Z({2, 3}, slope::bool_), Z({3, 4}, slope::bool_)), "matmul");
  EXPECT_SLOPE_ERROR(b1(Prim::matmul, {Z({2, 3})}), "matmul");
  EXPECT_EQ(slope::prims::matmul(Z({5, 2, 3}), Z({5, 3, 4})).shape(), (Shape{5, 2, 4}));
}

TEST(PrimitiveErrors, Conv) {
  using slope::ConvParams;
  ConvParams p1{{1}, {1}, {0}, {0}, 1};
  ConvParams p2{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 1};
  Tensor x = Z({1, 4, 5, 5}), w = Z({6, 4, 3, 3});
  EXPECT_SLOPE_ERROR(slope::prims::conv(Z({4, 5}), Z({6, 4}), ConvParams{}), "conv");                 // no spatial dim
  EXPECT_SLOPE_ERROR(slope::prims::conv(Z({1, 1, 2, 2, 2, 2}), Z({1, 1, 1, 1, 1, 1}), ConvParams{}), "conv");  // 4 spatial dims
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({6, 4, 3}), p2), "conv");                                // ranks differ
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({6, 4, 3, 3}, slope::f64), p2), "conv");                 // dtypes differ
  EXPECT_SLOPE_ERROR(slope::prims::conv(Z({1, 4, 5, 5}, slope::bool_), Z({6, 4, 3, 3}, slope::bool_), p2), "conv");
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, p1), "conv");                                            // 1 entry for 2 dims
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({6, 3, 3, 3}), p2), "conv");                              // channels differ
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 3}), "conv");  // 3 does not divide 4
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({6, 2, 3, 3}), ConvParams{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 4}), "conv");
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({3, 2, 3, 3}), ConvParams{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 2}), "conv");  // 2 does not divide 3 outputs
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 0}), "conv");
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{0, 1}, {1, 1}, {0, 0}, {0, 0}, 1}), "conv");  // stride 0
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{1, 1}, {0, 1}, {0, 0}, {0, 0}, 1}), "conv");  // dilation 0
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{1, 1}, {1, 1}, {-1, 0}, {0, 0}, 1}), "conv");
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, Z({6, 4, 6, 3}), p2), "conv");                               // kernel > input
  EXPECT_SLOPE_ERROR(slope::prims::conv(x, w, ConvParams{{1, 1}, {3, 1}, {0, 0}, {0, 0}, 1}), "conv");  // dilated kernel > input
  EXPECT_SLOPE_ERROR(b1(Prim::conv, {x, w}), "conv");
  EXPECT_SLOPE_ERROR(b1(Prim::conv, {x}, p2), "conv");
  EXPECT_EQ(slope::prims::conv(x, w, p2).shape(), (Shape{1, 6, 3, 3}));
  EXPECT_EQ(slope::prims::conv(x, w, ConvParams{{2, 2}, {1, 1}, {1, 1}, {1, 1}, 1}).shape(), (Shape{1, 6, 3, 3}));
}

TEST(PrimitiveErrors, GatherScatterAdd) {
  Tensor x = Z({3, 4});
  Tensor idx = I({0, 2, 1}, {3});
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, idx, 2), "gather");
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, idx, -1), "gather");  // primitives take normalised axes
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, Z({3}), 0), "gather");                 // float indices
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, Z({3}, slope::bool_), 0), "gather");   // bool indices
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, I({0, 3}, {2}), 0), "gather");         // 3 is out of bounds
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, I({0, -1}, {2}), 1), "gather");        // negative
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, I({4}, {1}, slope::u8), 1), "gather");
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, I({-128}, {1}, slope::i8), 1), "gather");
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, slope::tensor(std::vector<uint32_t>{0xffffffffu}, {1}), 0), "gather");
  EXPECT_SLOPE_ERROR(slope::prims::gather(Z({0, 2}), I({0}, {1}), 0), "gather");   // nothing to gather from
  EXPECT_SLOPE_ERROR(b1(Prim::gather, {x, idx}), "gather");
  EXPECT_SLOPE_ERROR(b1(Prim::gather, {x}, slope::AxisParams{0}), "gather");
  EXPECT_EQ(slope::prims::gather(x, I({0, 1, 2, 0}, {2, 2}), 1).shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(slope::prims::gather(Z({0, 2}), I({}, {0}), 0).shape(), (Shape{0, 2}));

  Tensor upd = Z({3, 4});  // gather(x, idx, 0) has shape [3, 4]
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, idx, Z({4, 3}), 0), "scatter_add");   // updates shape
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, idx, Z({3, 4}, slope::f64), 0), "scatter_add");
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, idx, upd, 2), "scatter_add");
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, Z({3}), upd, 0), "scatter_add");
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, I({0, 5, 1}, {3}), upd, 0), "scatter_add");
  EXPECT_SLOPE_ERROR(slope::prims::scatter_add(x, I({0, -1, 1}, {3}), upd, 0), "scatter_add");
  EXPECT_SLOPE_ERROR(b1(Prim::scatter_add, {x, idx}, slope::AxisParams{0}), "scatter_add");
  EXPECT_SLOPE_ERROR(b1(Prim::scatter_add, {x, idx, upd}), "scatter_add");
  EXPECT_EQ(slope::prims::scatter_add(x, idx, upd, 0).shape(), x.shape());
}

TEST(PrimitiveErrors, Argsort) {
  Tensor x = Z({3, 4});
  EXPECT_SLOPE_ERROR(slope::prims::argsort(x, 2, false), "argsort");
  EXPECT_SLOPE_ERROR(slope::prims::argsort(x, -1, false), "argsort");  // primitives take normalised axes
  EXPECT_SLOPE_ERROR(slope::prims::argsort(Z({}), 0, false), "argsort");  // no axis to sort along
  EXPECT_SLOPE_ERROR(b1(Prim::argsort, {x}), "argsort");                   // parameters of the wrong kind
  EXPECT_SLOPE_ERROR(b1(Prim::argsort, {x, x}, slope::SortParams{0, false}), "argsort");
  EXPECT_EQ(slope::prims::argsort(x, 0, true).aval(), (AVal{{3, 4}, slope::i64}));
  EXPECT_EQ(slope::prims::argsort(Z({0, 2}, slope::bool_), 0, false).aval(), (AVal{{0, 2}, slope::i64}));
}

// Shapes whose element count or byte size does not fit: an error, never a wrapped size (which
// would allocate a small block for a huge tensor) or signed overflow.
TEST(PrimitiveErrors, HugeShapes) {
  const int64_t big = int64_t(1) << 40;
  auto throws_slope_error = [](auto f) {
    try {
      f();
    } catch (const slope::Error&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(throws_slope_error([&] { slope::full({big, big}, 0.0); }));
  EXPECT_TRUE(throws_slope_error([&] { slope::zeros({int64_t(1) << 61}, slope::f64); }));  // 2^64 bytes
  EXPECT_TRUE(throws_slope_error([&] { slope::prims::expand(Z({1, 1}), {big, big}); }));
  EXPECT_TRUE(throws_slope_error([&] { slope::prims::reshape(Z({4}), {big, big, 4}); }));
  EXPECT_SLOPE_ERROR(slope::numel(Shape{big, big}), "shape");
  EXPECT_EQ(slope::numel(Shape{big, big, 0}), 0);  // a zero dim makes any shape empty
  EXPECT_EQ(slope::prims::reshape(Z({0}), {big, 0}).shape(), (Shape{big, 0}));
}

// Operands that are not concrete arrays: an empty handle, or a tracer that escaped its
// transformation. The eval interpreter must reject both before any kernel sees them.
TEST(PrimitiveErrors, EmptyAndEscapedOperands) {
  Tensor x = Z({2});
  Tensor escaped(std::make_shared<slope::TensorImpl>(AVal{{2}, slope::f32}));  // no buffer: like a tracer
  EXPECT_FALSE(escaped.is_concrete());
  EXPECT_SLOPE_ERROR(slope::prims::add(x, Tensor()), "add");
  EXPECT_SLOPE_ERROR(slope::prims::add(x, escaped), "add");
  EXPECT_SLOPE_ERROR(slope::prims::exp(escaped), "exp");
  EXPECT_SLOPE_ERROR(slope::prims::sum(Tensor(), {}), "sum");
  EXPECT_SLOPE_ERROR(slope::prims::cat({x, escaped}, 0), "cat");
  EXPECT_SLOPE_ERROR(slope::prims::gather(x, escaped, 0), "gather");
  EXPECT_SLOPE_ERROR(escaped.data(), "data");
  EXPECT_SLOPE_ERROR(escaped.item<float>(), "item");  // two elements
  Tensor escaped1(std::make_shared<slope::TensorImpl>(AVal{{}, slope::f32}));
  EXPECT_SLOPE_ERROR(escaped1.item<float>(), "item");
  EXPECT_SLOPE_ERROR(escaped1.to_vector<float>(), "to_vector");
}

// Every primitive given an operand count it does not take: the error names the primitive.
TEST(PrimitiveErrors, WrongOperandCountForEveryPrimitive) {
  Tensor x = Z({2});
  std::vector<Tensor> five(5, x);
  for (int k = 0; k < slope::kNumPrimitives; ++k) {
    Prim p = static_cast<Prim>(k);
    if (p == Prim::cat) continue;  // takes any number >= 1
    std::span<const Tensor> in(five);
    std::vector<Tensor> out(1);
    EXPECT_SLOPE_ERROR(slope::bind(p, in, slope::NoParams{}, out), slope::name(p));
  }
}

}  // namespace
